package sitefs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"testing/fstest"
)

// testSite makes a site holding a/b/c.txt ("hello") and a/link.txt, a
// symlink to it, and a folder outside it holding a file "secret".
func testSite(t *testing.T) (dir, outside string) {
	dir, outside = t.TempDir(), t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "a", "b", "c.txt"), []byte("hello"), 0o644))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	must(t, os.Symlink("b/c.txt", filepath.Join(dir, "a", "link.txt")))
	return dir, outside
}

func TestFS(t *testing.T) {
	dir, outside := testSite(t)
	must(t, os.WriteFile(filepath.Join(dir, "top.txt"), []byte("top"), 0o644))

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

func TestOpenRegular(t *testing.T) {
	dir, outside := testSite(t)
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "escape")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644))

	f, err := Open(dir)
	must(t, err)
	defer f.Close()
	for _, name := range []string{"a/b/c.txt", "a/link.txt"} {
		file, err := f.OpenRegular(name)
		must(t, err)
		b, err := io.ReadAll(file)
		must(t, err)
		fi, err := file.Stat()
		must(t, err)
		if string(b) != "hello" || fi.Size() != 5 || !fi.Mode().IsRegular() {
			t.Fatalf("%s: read %q, size %d, mode %v", name, b, fi.Size(), fi.Mode())
		}
		if ra, ok := file.(io.ReaderAt); ok {
			p := make([]byte, 3)
			if n, err := ra.ReadAt(p, 2); n != 3 || err != nil || string(p) != "llo" {
				t.Fatalf("%s: ReadAt = %d %q %v", name, n, p, err)
			}
		}
		must(t, file.Close())
		if err := file.Close(); err == nil {
			t.Fatalf("%s: second Close succeeded", name)
		}
	}
	if _, err := f.OpenRegular("escape"); err == nil {
		t.Fatal("opened a symlink that leaves the folder")
	}
	if _, err := f.OpenRegular("a/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want ErrNotExist", err)
	}
	// Not regular files: the open must not block and reading must fail.
	for _, name := range []string{"pipe", "a/b"} {
		file, err := f.OpenRegular(name)
		if err != nil {
			continue
		}
		if _, err := file.Read(make([]byte, 8)); err == nil {
			t.Fatalf("read %s as a file", name)
		}
		file.Close()
	}
	if _, err := f.OpenRegular("../x"); !errors.Is(err, fs.ErrInvalid) {
		t.Fatalf("OpenRegular(../x) = %v, want ErrInvalid", err)
	}
}
