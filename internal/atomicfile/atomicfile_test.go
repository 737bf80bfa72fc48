package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func write(t *testing.T, target, content string) error {
	t.Helper()
	return Write(target, func(w io.Writer) error {
		_, err := io.WriteString(w, content)
		return err
	})
}

func leftovers(t *testing.T, dir string, want int) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(des) != want {
		var names []string
		for _, d := range des {
			names = append(names, d.Name())
		}
		t.Fatalf("folder holds %v, want %d entries", names, want)
	}
}

func TestWriteNewAndReplace(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.car")
	for _, content := range []string{"first", "second, longer", "3"} {
		if err := write(t, target, content); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(target)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
		fi, _ := os.Stat(target)
		if fi.Mode().Perm() != 0o644 {
			t.Fatalf("mode %v, want 0644", fi.Mode())
		}
		leftovers(t, dir, 1) // the old content went with the swap
	}
}

func TestFailedWriteKeepsOldContent(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.car")
	if err := write(t, target, "old"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(target, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Fatalf("target holds %q after a failed write", got)
	}
	leftovers(t, dir, 1)
}

func TestTargetIsAFolder(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := write(t, target, "x"); err == nil {
		t.Fatal("replacing a folder succeeded")
	}
	if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
		t.Fatalf("the folder is gone: %v", err)
	}
	leftovers(t, dir, 1)
}

func TestTargetIsASymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.car")
	if err := os.WriteFile(real, []byte("real"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.car")
	if err := os.Symlink("real.car", link); err != nil {
		t.Fatal(err)
	}
	if err := write(t, link, "new"); err != nil {
		t.Fatal(err)
	}
	// Like rename(2): the link is replaced, what it pointed to is untouched.
	if got, _ := os.ReadFile(real); string(got) != "real" {
		t.Fatalf("the link's target was changed to %q", got)
	}
	if fi, _ := os.Lstat(link); !fi.Mode().IsRegular() {
		t.Fatalf("link.car is %v, want a regular file", fi.Mode())
	}
	leftovers(t, dir, 2)
}

func TestRemovePending(t *testing.T) {
	dir := t.TempDir()
	a, err := Create(filepath.Join(dir, "a.car"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Create(filepath.Join(dir, "b.car"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	RemovePending() // as a signal handler would
	a.Abort()       // later, harmless
	es, _ := os.ReadDir(dir)
	if len(es) != 1 || es[0].Name() != "b.car" {
		t.Errorf("left: %v", es)
	}
}

func TestScratchHasNoName(t *testing.T) {
	dir := t.TempDir()
	f, err := Scratch(dir, "x-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("data"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	if _, err := f.ReadAt(b, 0); err != nil || string(b) != "data" {
		t.Fatalf("read back %q, %v", b, err)
	}
	if es, _ := os.ReadDir(dir); runtime.GOOS != "windows" && len(es) != 0 {
		t.Errorf("a scratch file is visible: %v", es)
	}
}

// TestTempRemovedOnSignal: a named temporary file stays until RemoveTemp,
// and a signal handler's RemovePending removes one still there.
func TestTempRemovedOnSignal(t *testing.T) {
	dir := t.TempDir()
	kept, err := Temp(dir, "kept-*.car")
	if err != nil {
		t.Fatal(err)
	}
	kept.Close()
	done, err := Temp(dir, "done-*.car")
	if err != nil {
		t.Fatal(err)
	}
	done.Close()
	if _, err := os.Stat(kept.Name()); err != nil {
		t.Fatalf("the file has no name: %v", err)
	}
	RemoveTemp(done.Name())
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Fatalf("after RemoveTemp: %v", es)
	}
	RemovePending()
	if es, _ := os.ReadDir(dir); len(es) != 0 {
		t.Errorf("left after RemovePending: %v", es)
	}
}
