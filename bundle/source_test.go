//go:build unix

package bundle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
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
	w := newWindow(f, 4*minMap)
	if w == nil {
		t.Fatal("file not mapped")
	}
	defer w.close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = withFaultsAsErrors("big.bin", func() error {
		b, err := w.next(minMap)
		if err != nil {
			return err
		}
		_ = sha256.Sum256(b)
		return nil
	})
	var changed errChangedWhileMapped
	if !errors.As(err, &changed) {
		t.Fatalf("error %v, want errChangedWhileMapped", err)
	}
}

// The window hands out every byte of a file larger than one window, in
// order, in chunks that never straddle two mappings.
func TestWindowReadsWholeFile(t *testing.T) {
	size := int64(2*mapWindow + 12345)
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	path := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := newWindow(f, size)
	if w == nil {
		t.Fatal("file not mapped")
	}
	defer w.close()
	var got []byte
	for {
		b, err := w.next(1 << 20)
		if err != nil {
			break
		}
		got = append(got, b...)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, want the file's %d", len(got), size)
	}
	// boxo's importer asks again after the end: it must stay at the end.
	for range 3 {
		if b, err := w.next(1 << 20); err != io.EOF {
			t.Fatalf("after the end: %d bytes, %v; want io.EOF", len(b), err)
		}
	}
}
