package sitefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestFS(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "a", "b", "c.txt"), []byte("c"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "top.txt"), []byte("top"), 0o644))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	must(t, os.Symlink("b/c.txt", filepath.Join(dir, "a", "link.txt")))

	f, err := Open(dir)
	must(t, err)
	defer f.Close()
	// The standard fs.FS conformance checks (open, stat, read, ReadDir).
	if err := fstest.TestFS(f, "top.txt", "a/b/c.txt", "a/link.txt"); err != nil {
		t.Fatal(err)
	}
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "a", "escape")))
	if _, err := fs.ReadFile(f, "a/escape"); err == nil {
		t.Fatal("read through a symlink that leaves the folder")
	}
	if target, err := fs.ReadLink(f, "a/escape"); err != nil || target != filepath.Join(outside, "secret") {
		t.Fatalf("ReadLink = %q, %v", target, err)
	}
	if _, err := f.Open("../x"); !errors.Is(err, fs.ErrInvalid) {
		t.Fatalf("Open(../x) = %v, want ErrInvalid", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
