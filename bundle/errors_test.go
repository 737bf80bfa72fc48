package bundle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
)

func packErr(t *testing.T, fsys fs.FS, opts bundle.Options) error {
	t.Helper()
	if opts.CAR == nil {
		opts.CAR = io.Discard
	}
	_, err := bundle.Pack(context.Background(), fsys, opts)
	if err == nil {
		t.Fatal("Pack succeeded, want an error")
	}
	return err
}

func TestPackRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "x"})
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := packErr(t, os.DirFS(dir), bundle.Options{})
	if !errors.Is(err, bundle.ErrSpecialFile) || !strings.Contains(err.Error(), "pipe") {
		t.Fatalf("error %v does not say pipe is a special file", err)
	}
}

func TestPackSymlinks(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.txt": "do not publish"})
	tests := []struct {
		name, link, target string
		wantErr            error
		wantText           string
	}{
		{"absolute target", "leak", filepath.Join(outside, "secret.txt"), bundle.ErrOutsideLink, "leak"},
		{"relative escape", "sub/leak", "../../" + filepath.Base(outside) + "/secret.txt", bundle.ErrOutsideLink, "sub/leak"},
		{"loop", "sub/loop", "..", nil, "loop"},
		{"dangling", "gone", "missing.txt", nil, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := filepath.Dir(outside)
			dir, err := os.MkdirTemp(parent, "site")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			writeFiles(t, dir, map[string]string{"index.html": "x", "sub/a.txt": "a"})
			if err := os.Symlink(tt.target, filepath.Join(dir, tt.link)); err != nil {
				t.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			err = packErr(t, root.FS(), bundle.Options{})
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error %q does not name %q", err, tt.wantText)
			}
			// The skip policy leaves the link out instead.
			b, _ := pack(t, root.FS(), bundle.Options{Symlinks: bundle.SymlinksSkip}, true)
			if len(b.Skipped) != 1 {
				t.Fatalf("skip policy: skipped %v", b.Skipped)
			}
		})
	}
}

// A symlink inside the folder packs its target's content, as Kubo does with
// --dereference-symlinks.
func TestPackFollowsInsideSymlinks(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"v2/index.html": "v2", "v2/app.js": "js", "shared.css": "css"})
	if err := os.Symlink("v2", filepath.Join(dir, "latest")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared.css", filepath.Join(dir, "v2", "style.css")); err != nil {
		t.Fatal(err)
	}
	b, _ := pack(t, os.DirFS(dir), bundle.Options{}, true)
	kubo := kuboWithProfile(t, bundle.DefaultProfile.Name)
	want := strings.TrimSpace(string(kubo.MustRun(t, nil, "add", "-r", "-Q", "--only-hash", "--offline", "--dereference-symlinks", dir)))
	if b.Root.String() != want {
		t.Fatalf("root %s, Kubo with --dereference-symlinks says %s", b.Root, want)
	}
}

// faultFS wraps an fs.FS and fails or changes chosen files.
type faultFS struct {
	fs.FS
	fail    string // Open of this path fails with EACCES
	change  string // this path reads other bytes than its size says, like a file edited during the pack
	changed []byte
}

func (f *faultFS) Open(name string) (fs.File, error) {
	if name == f.fail {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	file, err := f.FS.Open(name)
	if err != nil || name != f.change {
		return file, err
	}
	return &changingFile{File: file, changed: bytes.NewReader(f.changed)}, nil
}

// changingFile keeps its original size in the folder listing but reads
// other bytes, like a file rewritten after the walk.
type changingFile struct {
	fs.File
	changed *bytes.Reader
}

func (c *changingFile) Read(b []byte) (int, error) { return c.changed.Read(b) }

func TestPackUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "x", "assets/locked.js": "y"})
	err := packErr(t, &faultFS{FS: os.DirFS(dir), fail: "assets/locked.js"}, bundle.Options{})
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "assets/locked.js") {
		t.Fatalf("error %v does not name the unreadable file", err)
	}
}

func TestPackNoticesChangedFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "original content"})
	for _, changed := range []string{"changed, and longer now", "shorter"} {
		for _, car := range []bool{false, true} {
			fsys := &faultFS{FS: os.DirFS(dir), change: "index.html", changed: []byte(changed)}
			opts := bundle.Options{Workers: 1}
			if car {
				opts.CAR = io.Discard
			}
			err := packErr(t, fsys, opts)
			if !strings.Contains(err.Error(), "index.html changed while packing") {
				t.Fatalf("CAR %v, content %q: error %v does not report the change", car, changed, err)
			}
		}
	}
}

type fullDisk struct{ left int }

func (d *fullDisk) Write(b []byte) (int, error) {
	if len(b) > d.left {
		n := d.left
		d.left = 0
		return n, &fs.PathError{Op: "write", Path: "site.car", Err: syscall.ENOSPC}
	}
	d.left -= len(b)
	return len(b), nil
}

func TestPackDiskFull(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "x", "big.bin": string(pattern(5<<20, 2))})
	err := packErr(t, os.DirFS(dir), bundle.Options{CAR: &fullDisk{left: 1 << 20}})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v, want ENOSPC", err)
	}
}

func TestPackNotAFolder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "x"})
	sub, err := fs.Sub(os.DirFS(dir), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if err := packErr(t, sub, bundle.Options{}); !errors.Is(err, bundle.ErrNotFolder) {
		t.Fatalf("error %v, want ErrNotFolder", err)
	}
}

// TestPackToWriteOnlyFile packs a site whose CAR must be rewritten (two equal
// files) into a file opened write-only: Pack cannot read it back, so it
// writes through a temporary file instead, and the CAR is still complete.
func TestPackToWriteOnlyFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "same", "copy.html": "same", "big.bin": string(pattern(3<<20, 4))})
	_, want := pack(t, os.DirFS(dir), bundle.Options{}, false)
	path := filepath.Join(t.TempDir(), "site.car")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Pack(context.Background(), os.DirFS(dir), bundle.Options{CAR: f}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("CAR through a write-only file: %d bytes (%v), want the %d bytes written to a buffer", len(got), err, len(want))
	}
}
