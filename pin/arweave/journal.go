package arweave

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// journal records uploads in progress, so that a retry in this process or a
// later run resumes them instead of starting over: the signed transaction
// (or data item header) is reused, never signed again, so its fee is never
// paid twice, and chunks the node already accepted are not sent again.
//
// Entries hold only public data (signed headers, counts). They live in
// memory and, when dir is set, in one small JSON file per upload, written
// atomically; a finished upload's entry is removed.
type journal struct {
	dir string
	mu  sync.Mutex
	mem map[string]*entry
}

type entry struct {
	Tx     json.RawMessage `json:"tx,omitempty"`   // the signed transaction, without its data
	Item   []byte          `json:"item,omitempty"` // a signed data item header (Turbo)
	Posted bool            `json:"posted"`         // the node accepted the transaction
	Chunks int             `json:"chunks"`         // chunks accepted, in order
}

func newJournal(dir, wallet string) *journal {
	if dir != "" {
		dir = filepath.Join(dir, wallet)
	}
	return &journal{dir: dir, mem: map[string]*entry{}}
}

// journalKey names an upload by everything that makes its transaction:
// the content, its size, its tags and the uploader.
func journalKey(uploader string, sum [32]byte, size int64, tags []artx.Tag) string {
	h := sha256.New()
	io.WriteString(h, uploader+"\x00"+hex.EncodeToString(sum[:])+"\x00"+strconv.FormatInt(size, 10))
	for _, t := range tags {
		io.WriteString(h, "\x00"+t.Name+"\x00"+t.Value)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (j *journal) path(key string) string { return filepath.Join(j.dir, key+".json") }

// get returns the entry for key, from memory or disk (nil if none or
// unreadable: a damaged entry only costs a fresh upload).
func (j *journal) get(key string) *entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e, ok := j.mem[key]; ok {
		c := *e
		return &c
	}
	if j.dir == "" {
		return nil
	}
	b, err := os.ReadFile(j.path(key))
	if err != nil || len(b) > 1<<20 {
		return nil
	}
	var e entry
	if json.Unmarshal(b, &e) != nil {
		return nil
	}
	j.mem[key] = &e
	c := e
	return &c
}

// put records e for key.
func (j *journal) put(key string, e *entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := *e
	j.mem[key] = &c
	if j.dir == "" {
		return nil
	}
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return fmt.Errorf("failed to record the upload for resuming: %w", err)
	}
	err := atomicfile.Write(j.path(key), func(w io.Writer) error { return json.NewEncoder(w).Encode(&c) })
	if err != nil {
		return fmt.Errorf("failed to record the upload for resuming: %w", err)
	}
	return nil
}

// done forgets key.
func (j *journal) done(key string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.mem, key)
	if j.dir != "" {
		_ = os.Remove(j.path(key)) // a stale entry is harmless: it is checked before use
	}
}
