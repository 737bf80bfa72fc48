//go:build unix

package bundle

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A mapped file truncated under us must become an error, not a crash.
func TestMappedTruncationIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, make([]byte, 4*minMap), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, unmap, err := mapFile(f, 4*minMap)
	if err != nil || m == nil {
		t.Fatalf("mapFile: %v (mapped %t)", err, m != nil)
	}
	defer unmap()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = withFaultsAsErrors("big.bin", func() error {
		_ = sha256.Sum256(m)
		return nil
	})
	var changed errChangedWhileMapped
	if !errors.As(err, &changed) {
		t.Fatalf("error %v, want errChangedWhileMapped", err)
	}
}

func TestSliceSplitter(t *testing.T) {
	data := []byte("abcdefghij")
	s := &sliceSplitter{data: data, size: 4}
	var got []string
	for {
		b, err := s.NextBytes()
		if err != nil {
			break
		}
		got = append(got, string(b))
	}
	if len(got) != 3 || got[0] != "abcd" || got[1] != "efgh" || got[2] != "ij" {
		t.Fatalf("chunks %q", got)
	}
}
