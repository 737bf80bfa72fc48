package publish

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
)

// Dir keeps Records as JSON files in a folder (by default
// .dapp-publish/records), one per run, never rewritten.
type Dir struct{ Path string }

var _ Recorder = Dir{}

// Save writes r to a new file named after its finish time, kind and root.
func (d Dir) Save(r *Record) (string, error) {
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return "", fmt.Errorf("failed to create %s: %w", d.Path, err)
	}
	name := fmt.Sprintf("%s-%s-%s.json", r.Timings.Finished.UTC().Format("20060102T150405.000Z"), r.Kind, shortCID(r.CID))
	p := filepath.Join(d.Path, name)
	return p, atomicfile.Write(p, func(w io.Writer) error { return r.WriteJSON(w) })
}

// List returns the Records in the folder, oldest first. Files that are not
// Records (or are damaged) are left out; a missing folder is no Records.
func (d Dir) List() ([]*Record, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read the records in %s: %w", d.Path, err)
	}
	var out []*Record
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		if r, err := readRecordFile(filepath.Join(d.Path, e.Name())); err == nil {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Timings.Finished.Before(out[j].Timings.Finished) })
	return out, nil
}

func readRecordFile(p string) (*Record, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadRecord(f)
}

// LastPublished is the newest Record that published (or found already
// published) any root, named or not: what `serve` shows by default.
func LastPublished(rs Recorder) (*Record, error) {
	list, err := rs.List()
	if err != nil {
		return nil, err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Published() {
			return list[i], nil
		}
	}
	return nil, nil
}

func shortCID(c string) string {
	if len(c) > 16 {
		return c[len(c)-16:]
	}
	return c
}
