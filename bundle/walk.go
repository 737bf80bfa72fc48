package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// SymlinkPolicy says what Pack does with symbolic links in the site folder.
type SymlinkPolicy int

const (
	// SymlinksFollow (the default) packs what a symlink points to, as if the
	// target stood at the link's path, the way a web server serves it. A link
	// that points outside the site folder, dangles or forms a loop is an
	// error: outside content is never pulled into a bundle.
	SymlinksFollow SymlinkPolicy = iota
	// SymlinksError refuses any symlink.
	SymlinksError
	// SymlinksSkip leaves symlinks out, with a note in Bundle.Skipped.
	SymlinksSkip
)

// ParseSymlinkPolicy parses "follow", "error" or "skip".
func ParseSymlinkPolicy(s string) (SymlinkPolicy, error) {
	switch s {
	case "", "follow":
		return SymlinksFollow, nil
	case "error":
		return SymlinksError, nil
	case "skip":
		return SymlinksSkip, nil
	}
	return 0, fmt.Errorf("unknown symlink policy %q (use follow, error or skip)", s)
}

// entry is one file or directory chosen for the bundle.
type entry struct {
	path     string // slash path in the bundle ("" for the root)
	name     string // last element
	src      string // path in the source fs.FS (differs from path under a followed symlink)
	isDir    bool
	size     int64
	children []*entry // directories only, sorted by name

	// Results of hashing (files) or building (directories).
	node   nodeRef
	sha256 []byte            // nil when not computed
	inner  map[string][]byte // file DAG nodes above the leaves, by CID key
	leafAt []int64           // CAR offset of each leaf's section, by chunk (packCAR)
}

// walker applies the inclusion rules while reading the folder. Folders are
// read in parallel (a folder listing costs a stat per entry); the results do
// not depend on the order: children are sorted per folder, files are listed
// in tree order and skipped paths sorted once the walk is done.
type walker struct {
	fsys          fs.FS
	includeHidden bool
	ignore        *Ignore
	symlinks      SymlinkPolicy
	skipped       []string
	files         []*entry
	dirs          int

	mu     sync.Mutex // guards skipped, dirs and err during the walk
	err    error      // the first error met
	failed atomic.Bool
	sem    chan struct{} // a token per extra goroutine
	wg     sync.WaitGroup
}

// ErrSpecialFile is returned for named pipes, sockets and devices, which have
// no place in a static site.
var ErrSpecialFile = errors.New("special file (named pipe, socket or device)")

// ErrOutsideLink is returned for a symlink that leaves the site folder.
var ErrOutsideLink = errors.New("symlink points outside the site folder")

// ErrNameNotUTF8 is returned for a file or folder name that is not valid
// UTF-8. Such a name is refused rather than packed (Kubo would pack its
// bytes): a page cannot link to it reliably (browsers percent-encode URLs as
// UTF-8), the manifest is JSON, which holds only UTF-8, and dag-pb's link
// Name is specified as a string. Rename it, or leave it out with an ignore
// rule.
var ErrNameNotUTF8 = errors.New("name is not valid UTF-8")

// included reports whether the rules keep p. Hidden names (starting with '.')
// are left out unless includeHidden, except ".well-known" at the root
// (RFC 8615: wallets and services look there). The ignore file applies on top.
func (w *walker) included(p, name string, isDir bool) bool {
	if strings.HasPrefix(name, ".") && !w.includeHidden && p != ".well-known" {
		return false
	}
	return !w.ignore.Match(p, isDir)
}

// walk reads the tree below root (a folder) and fills w.files.
func (w *walker) walk(root *entry) error {
	w.sem = make(chan struct{}, runtime.GOMAXPROCS(0))
	w.walkDir(root, map[string]bool{"": true})
	w.wg.Wait()
	if w.err != nil {
		return w.err
	}
	var files func(e *entry)
	files = func(e *entry) {
		for _, c := range e.children {
			if c.isDir {
				files(c)
			} else {
				w.files = append(w.files, c)
			}
		}
	}
	files(root)
	sort.Strings(w.skipped)
	return nil
}

func (w *walker) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.failed.Store(true)
}

func (w *walker) skip(p string) {
	w.mu.Lock()
	w.skipped = append(w.skipped, p)
	w.mu.Unlock()
}

// walkDir reads folder e and its subtree, each subfolder on another
// goroutine when one is free. chain holds the source folders above e, to
// detect symlink loops; it belongs to the caller.
func (w *walker) walkDir(e *entry, chain map[string]bool) {
	if w.failed.Load() {
		return
	}
	des, err := fs.ReadDir(w.fsys, srcPath(e.src))
	if err != nil {
		w.fail(fmt.Errorf("failed to read folder %s: %w", display(e.path), err))
		return
	}
	w.mu.Lock()
	w.dirs++
	w.mu.Unlock()
	for _, de := range des {
		child, err := w.visit(e, de)
		if err != nil {
			w.fail(err)
			return
		}
		if child != nil {
			e.children = append(e.children, child)
		}
	}
	sort.Slice(e.children, func(i, j int) bool { return e.children[i].name < e.children[j].name })
	for _, c := range e.children {
		if !c.isDir {
			continue
		}
		if chain[c.src] {
			w.fail(fmt.Errorf("%s: symlink loop back to %s", c.path, display(c.src)))
			return
		}
		select {
		case w.sem <- struct{}{}:
			sub := make(map[string]bool, len(chain)+1)
			for k := range chain {
				sub[k] = true
			}
			sub[c.src] = true
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				defer func() { <-w.sem }()
				w.walkDir(c, sub)
			}()
		default:
			chain[c.src] = true
			w.walkDir(c, chain)
			delete(chain, c.src)
		}
	}
}

// visit applies the rules to one listed entry and returns what to pack, if
// anything (folders are read by walkDir).
func (w *walker) visit(parent *entry, de fs.DirEntry) (*entry, error) {
	name := de.Name()
	p := path.Join(parent.path, name)
	src := path.Join(parent.src, name)
	mode := de.Type()
	var info fs.FileInfo // the target's, for a followed symlink
	if mode&fs.ModeSymlink != 0 {
		switch w.symlinks {
		case SymlinksError:
			return nil, fmt.Errorf("%s is a symlink (use --symlinks follow or skip)", p)
		case SymlinksSkip:
			w.skip(p + " (symlink)")
			return nil, nil
		}
		target, err := w.resolveLink(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		fi, err := fs.Stat(w.fsys, srcPath(target))
		if err != nil {
			return nil, fmt.Errorf("%s: symlink target %s: %w", p, target, err)
		}
		src, mode, info = target, fi.Mode().Type(), fi
	}
	isDir := mode.IsDir()
	if !w.included(p, name, isDir) {
		w.skip(p)
		return nil, nil
	}
	if !utf8.ValidString(name) {
		return nil, fmt.Errorf("%s: %w", p, ErrNameNotUTF8)
	}
	e := &entry{path: p, name: name, src: src, isDir: isDir}
	switch {
	case isDir:
		return e, nil
	case mode.IsRegular():
		// A file's size comes with the listing (os.Root and sitefs load it
		// with the names); a followed symlink's target was stat'ed above.
		if info == nil {
			var err error
			if info, err = de.Info(); err != nil {
				return nil, fmt.Errorf("failed to stat %s: %w", p, err)
			}
		}
		e.size = info.Size()
		return e, nil
	default:
		return nil, fmt.Errorf("%s: %w; remove it or list it in %s", p, ErrSpecialFile, IgnoreFile)
	}
}

// resolveLink follows the symlink at src (and any chain of links) to a path
// inside the fs.FS. It refuses targets outside the root.
func (w *walker) resolveLink(src string) (string, error) {
	cur := src
	for hops := 0; hops < 40; hops++ {
		fi, err := fs.Lstat(w.fsys, srcPath(cur))
		if err != nil {
			return "", fmt.Errorf("symlink target %s: %w", display(cur), err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return cur, nil
		}
		target, err := fs.ReadLink(w.fsys, srcPath(cur))
		if err != nil {
			return "", fmt.Errorf("failed to read symlink: %w", err)
		}
		if path.IsAbs(target) {
			return "", fmt.Errorf("%w (absolute target %s)", ErrOutsideLink, target)
		}
		next := path.Join(path.Dir(cur), target)
		if next == ".." || strings.HasPrefix(next, "../") {
			return "", fmt.Errorf("%w (target %s)", ErrOutsideLink, target)
		}
		if next == "." {
			next = ""
		}
		cur = next
	}
	return "", errors.New("too many levels of symlinks")
}

// srcPath maps an entry path to an fs.FS path ("" is the root, ".").
// regularOpener is implemented by file systems with a cheaper way to open a
// file already known to be regular (sitefs).
type regularOpener interface {
	OpenRegular(name string) (fs.File, error)
}

// openFile opens a regular file of fsys for reading.
func openFile(fsys fs.FS, name string) (fs.File, error) {
	if o, ok := fsys.(regularOpener); ok {
		return o.OpenRegular(name)
	}
	return fsys.Open(name)
}

func srcPath(p string) string {
	if p == "" {
		return "."
	}
	return p
}

func display(p string) string {
	if p == "" {
		return "the site folder"
	}
	return p
}
