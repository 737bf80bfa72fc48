// Package carstore is the storage behind the fake hosted services
// (internal/fakes/pinata, internal/fakes/filebase): it accepts uploaded CARs
// only after checking them as a real service would (every block hashes to
// its CID, exactly one root, the DAG under the root complete), keeps each on
// disk, and serves it back as a trustless gateway (GET /ipfs/<cid>?format=car).
package carstore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
)

// Store holds verified CARs by root CID.
type Store struct {
	dir  string
	mu   sync.Mutex
	cars map[string]string // root (multihash key) -> file
	n    int
}

// New returns a store that keeps its files in dir.
func New(dir string) *Store { return &Store{dir: dir, cars: map[string]string{}} }

// ErrBadCAR wraps every reason an upload is refused.
var ErrBadCAR = errors.New("invalid CAR")

// Put reads a CAR from r, verifies it, and stores it. It returns the root
// and the number of bytes read.
func (s *Store) Put(r io.Reader) (cid.Cid, int64, error) {
	f, err := s.spool(r)
	if err != nil {
		return cid.Undef, 0, err
	}
	root, size, err := check(f)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return cid.Undef, size, err
	}
	f.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.cars[key(root)]; ok {
		os.Remove(old)
	}
	s.cars[key(root)] = f.Name()
	return root, size, nil
}

func (s *Store) spool(r io.Reader) (*os.File, error) {
	s.mu.Lock()
	s.n++
	name := filepath.Join(s.dir, fmt.Sprintf("upload-%d.car", s.n))
	s.mu.Unlock()
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(name)
		return nil, fmt.Errorf("reading the upload: %w", err)
	}
	return f, nil
}

// check verifies the spooled CAR: one root, complete, every block hashed.
func check(f *os.File) (cid.Cid, int64, error) {
	size, _ := f.Seek(0, io.SeekEnd)
	br, err := carv2.NewBlockReader(io.NewSectionReader(f, 0, size))
	if err != nil {
		return cid.Undef, size, fmt.Errorf("%w: %v", ErrBadCAR, err)
	}
	if len(br.Roots) != 1 {
		return cid.Undef, size, fmt.Errorf("%w: %d roots, want 1", ErrBadCAR, len(br.Roots))
	}
	root := br.Roots[0]
	if _, err := verify.VerifyCAR(bufio.NewReader(io.NewSectionReader(f, 0, size)), root, verify.Options{}); err != nil {
		return cid.Undef, size, fmt.Errorf("%w: %v", ErrBadCAR, err)
	}
	return root, size, nil
}

func key(c cid.Cid) string { return string(c.Hash()) }

// Has reports whether the store holds root.
func (s *Store) Has(root cid.Cid) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.cars[key(root)]
	return ok
}

// Delete forgets root.
func (s *Store) Delete(root cid.Cid) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.cars[key(root)]; ok {
		os.Remove(f)
		delete(s.cars, key(root))
	}
}

// ServeGateway answers GET /ipfs/<cid>?format=car with the stored CAR.
func (s *Store) ServeGateway(w http.ResponseWriter, r *http.Request) {
	c, err := cid.Decode(strings.Trim(strings.TrimPrefix(r.URL.Path, "/ipfs/"), "/"))
	if err != nil {
		http.Error(w, "invalid CID", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	path, ok := s.cars[key(c)]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.ipld.car; version=1")
	http.ServeFile(w, r, path)
}
