package bundle_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
)

// writeFiles creates files under dir from a map of slash paths to contents.
// A path ending in "/" creates an (empty) folder.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pattern returns n bytes that differ from chunk to chunk (a counter per
// 8-byte word, offset by seed), so no two leaves deduplicate.
func pattern(n int64, seed uint64) []byte {
	b := make([]byte, n)
	fillPattern(b, 0, seed)
	return b
}

func fillPattern(b []byte, off int64, seed uint64) {
	// Word-aligned fill of the stream position off..off+len(b).
	var w [8]byte
	for i := 0; i < len(b); {
		pos := off + int64(i)
		word := uint64(pos/8) + seed*0x9e3779b97f4a7c15
		binary.LittleEndian.PutUint64(w[:], word*0xff51afd7ed558ccd)
		n := copy(b[i:], w[pos%8:])
		i += n
	}
}

// patternReader streams the same bytes as pattern, without holding them.
type patternReader struct {
	off, size int64
	seed      uint64
}

func (r *patternReader) Read(b []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if rem := r.size - r.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	fillPattern(b, r.off, r.seed)
	r.off += int64(len(b))
	return len(b), nil
}

// genFS is a read-only fs.FS with one generated file of any size at
// "big.bin": large inputs without large temporary files.
type genFS struct {
	size int64
	seed uint64
}

func (g genFS) Open(name string) (fs.File, error) {
	switch name {
	case ".":
		return &genDir{g: g}, nil
	case "big.bin":
		return &genFile{g: g, r: &patternReader{size: g.size, seed: g.seed}}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

type genDir struct {
	g    genFS
	done bool
}

func (d *genDir) Stat() (fs.FileInfo, error) { return genInfo{name: ".", dir: true}, nil }
func (d *genDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *genDir) Close() error               { return nil }
func (d *genDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.done {
		return nil, io.EOF
	}
	d.done = true
	return []fs.DirEntry{fs.FileInfoToDirEntry(genInfo{name: "big.bin", size: d.g.size})}, nil
}

type genFile struct {
	g genFS
	r *patternReader
}

func (f *genFile) Stat() (fs.FileInfo, error) { return genInfo{name: "big.bin", size: f.g.size}, nil }
func (f *genFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *genFile) Close() error               { return nil }
func (f *genFile) ReadAt(b []byte, off int64) (int, error) {
	r := &patternReader{off: off, size: f.g.size, seed: f.g.seed}
	return io.ReadFull(r, b)
}

type genInfo struct {
	name string
	size int64
	dir  bool
}

func (i genInfo) Name() string { return i.name }
func (i genInfo) Size() int64  { return i.size }
func (i genInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (i genInfo) ModTime() time.Time { return time.Time{} }
func (i genInfo) IsDir() bool        { return i.dir }
func (i genInfo) Sys() any           { return nil }

// pack packs dir and returns the bundle and the CAR bytes (nil with onlyHash).
func pack(t testing.TB, fsys fs.FS, opts bundle.Options, onlyHash bool) (*bundle.Bundle, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if !onlyHash {
		opts.CAR = &buf
	}
	b, err := bundle.Pack(context.Background(), fsys, opts)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if onlyHash {
		return b, nil
	}
	return b, buf.Bytes()
}

// kuboWithProfile returns a Kubo repo configured with the named import profile.
func kuboWithProfile(t testing.TB, profile string) *testpeers.KuboRepo {
	t.Helper()
	r := testpeers.NewKuboRepo(t)
	r.MustRun(t, nil, "config", "profile", "apply", profile)
	return r
}

// kuboAdd returns Kubo's root CID for dir (`ipfs add -r --hidden`, only
// hashing unless store is set).
func kuboAdd(t testing.TB, r *testpeers.KuboRepo, dir string, store bool) string {
	t.Helper()
	args := []string{"add", "-r", "-Q", "--hidden", "--offline"}
	if !store {
		args = append(args, "--only-hash")
	}
	out := r.MustRun(t, nil, append(args, dir)...)
	return strings.TrimSpace(string(out))
}
