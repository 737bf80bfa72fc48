package bundle

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/ipfs/go-cid"
)

// Options controls Pack. The zero value packs with DefaultProfile, follows
// symlinks inside the folder, leaves hidden files out (but .well-known/) and
// only computes the root CID.
type Options struct {
	Profile Profile // zero value: DefaultProfile

	// CAR receives the CARv1 bytes. Nil computes the CIDs only (--only-hash).
	// An empty regular *os.File open for reading and writing (os.Create) is
	// written in place, every block at its offset, and left positioned at
	// its end; any other writer gets the bytes in order, through a
	// temporary file in os.TempDir.
	CAR io.Writer

	// NoPieceCID skips the Filecoin piece CID of the CAR (Bundle.Piece),
	// which is otherwise computed while the CAR is written.
	NoPieceCID bool

	// FileHashes computes every file's SHA-256 for the Manifest even when
	// CAR is nil. With a CAR they are always computed. Without either the
	// Manifest's sha256 fields are all empty, and files of several chunks
	// are hashed once instead of twice.
	FileHashes bool

	IncludeHidden bool          // also pack names starting with '.'
	Ignore        *Ignore       // rules applied in addition to the site's IgnoreFile
	NoIgnoreFile  bool          // do not read IgnoreFile from the site root
	Symlinks      SymlinkPolicy // what to do with symlinks

	Workers     int    // parallel readers; 0 means GOMAXPROCS
	ToolVersion string // recorded in the Manifest

	// Progress, when set, is called from several goroutines with the number
	// of file bytes just read and hashed (phase "hash").
	Progress func(phase string, n int64)
}

// Bundle is the result of Pack.
type Bundle struct {
	Root     cid.Cid
	Profile  Profile
	Manifest *Manifest
	Files    int   // files packed
	Dirs     int   // folders packed, the root included
	Bytes    int64 // file bytes packed
	CARSize  int64 // bytes written to Options.CAR (0 with only-hash)
	Blocks   int   // blocks written to the CAR
	Skipped  []string
	// Piece is the Filecoin piece commitment of the CAR (v2 piece CID, v1
	// piece CID and padded size); nil without a CAR or with NoPieceCID.
	Piece *piece.Commitment

	planned bool // the CAR was written in one pass, in its planned layout
}

// ErrNotFolder is returned when the site root is not a folder.
var ErrNotFolder = errors.New("not a folder")

// Tree is a site folder as it will be packed: the files and folders the
// inclusion rules keep, with their sizes. Walk makes one; PackTree and
// LintTree use it, so a pack and its lint can share one walk of the folder
// (and run side by side). A Tree can be packed once.
type Tree struct {
	fsys fs.FS
	root *entry
	w    *walker
	used bool
}

// Walk reads the folder fsys with the inclusion rules of opts (hidden files,
// ignore files, symlinks).
func Walk(fsys fs.FS, opts Options) (*Tree, error) {
	root, w, err := collect(fsys, opts)
	if err != nil {
		return nil, err
	}
	return &Tree{fsys: fsys, root: root, w: w}, nil
}

// Pack turns the folder fsys into a UnixFS DAG with the profile's settings and,
// if opts.CAR is set, streams it as a CARv1. See the package documentation for
// the inclusion rules and guarantees.
func Pack(ctx context.Context, fsys fs.FS, opts Options) (*Bundle, error) {
	t, err := Walk(fsys, opts)
	if err != nil {
		return nil, err
	}
	return PackTree(ctx, t, opts)
}

// PackTree is Pack over a walked folder; the inclusion options of opts are
// not used again.
func PackTree(ctx context.Context, t *Tree, opts Options) (*Bundle, error) {
	if t.used {
		return nil, errors.New("this folder tree was packed already: walk it again")
	}
	t.used = true
	p := opts.Profile
	if p.Name == "" {
		p = DefaultProfile
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	fsys, root, w := t.fsys, t.root, t.w
	progress := func(phase string) func(int64) {
		if opts.Progress == nil {
			return nil
		}
		return func(n int64) { opts.Progress(phase, n) }
	}
	b := &Bundle{Profile: p, Files: len(w.files), Dirs: w.dirs, Skipped: w.skipped}
	for _, f := range w.files {
		b.Bytes += f.size
	}
	if opts.CAR != nil {
		st, err := packCAR(ctx, fsys, root, w.files, p, workers, opts.CAR, !opts.NoPieceCID, progress("hash"))
		if err != nil {
			return nil, err
		}
		b.CARSize, b.Blocks, b.planned, b.Piece = st.size, st.blocks, st.predicted, st.piece
	} else {
		pk, err := newPacker(fsys, nil, nil, p, opts.FileHashes, progress("hash"))
		if err != nil {
			return nil, err
		}
		err = pk.packFiles(ctx, w.files, workers)
		pk.freeLeafMemory()
		if err != nil {
			return nil, err
		}
		if err := buildDir(ctx, root, p, &dirCollector{nodes: map[string][]byte{}}); err != nil {
			return nil, err
		}
	}
	b.Root = root.node.cid
	b.Manifest = manifestFor(b, root, opts.ToolVersion)
	return b, nil
}

// collect applies the inclusion rules and returns the tree to pack.
func collect(fsys fs.FS, opts Options) (*entry, *walker, error) {
	fi, err := fs.Stat(fsys, ".")
	if err != nil {
		return nil, nil, fmt.Errorf("failed to open the site folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, nil, ErrNotFolder
	}
	w := &walker{fsys: fsys, includeHidden: opts.IncludeHidden, symlinks: opts.Symlinks, ignore: &Ignore{}}
	if !opts.NoIgnoreFile {
		if err := w.readIgnoreFile(); err != nil {
			return nil, nil, err
		}
	}
	if opts.Ignore != nil {
		w.ignore.rules = append(w.ignore.rules, opts.Ignore.rules...)
	}
	root := &entry{isDir: true}
	if err := w.walk(root); err != nil {
		return nil, nil, err
	}
	return root, w, nil
}

func (w *walker) readIgnoreFile() error {
	f, err := w.fsys.Open(IgnoreFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", IgnoreFile, err)
	}
	defer f.Close()
	ig, err := ParseIgnore(f, IgnoreFile)
	if err != nil {
		return err
	}
	w.ignore = ig
	return nil
}

func manifestFor(b *Bundle, root *entry, tool string) *Manifest {
	m := &Manifest{Version: ManifestVersion, Root: b.Root.String(), Profile: b.Profile.Name, Tool: "dapp-publish " + tool, Skipped: b.Skipped}
	if b.CARSize > 0 {
		m.CAR = &CARInfo{Size: b.CARSize, Blocks: b.Blocks, PieceInfo: NewPieceInfo(b.Piece)}
	}
	m.Files = []FileEntry{}
	var walk func(e *entry)
	walk = func(e *entry) {
		for _, c := range e.children {
			if c.isDir {
				m.Dirs = append(m.Dirs, c.path)
				walk(c)
				continue
			}
			fe := FileEntry{Path: c.path, Size: c.size, CID: c.node.cid.String()}
			if c.sha256 != nil {
				fe.SHA256 = hex.EncodeToString(c.sha256)
			}
			m.Files = append(m.Files, fe)
		}
	}
	walk(root)
	return m
}
