package bundle

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ManifestVersion is the version of the Manifest JSON schema.
const ManifestVersion = 1

// Manifest describes a bundle: what was packed, with which settings, and each
// file's CID and SHA-256. It is written beside the CAR, never inside the DAG,
// so the root CID depends only on the site's bytes. Anyone can check a file
// served by a gateway against it with sha256sum.
type Manifest struct {
	Version int         `json:"version"`
	Root    string      `json:"root"`
	Profile string      `json:"profile"`
	Tool    string      `json:"tool"`
	CAR     *CARInfo    `json:"car,omitempty"`
	Files   []FileEntry `json:"files"`
	Dirs    []string    `json:"dirs,omitempty"` // every folder, including empty ones ("" is not listed)
	Skipped []string    `json:"skipped,omitempty"`
}

// CARInfo describes the CAR file written with the manifest, with its
// Filecoin piece CID.
type CARInfo struct {
	Size   int64 `json:"size"`
	Blocks int   `json:"blocks"`
	PieceInfo
}

// FileEntry is one file of the bundle.
type FileEntry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	CID    string `json:"cid"`
	SHA256 string `json:"sha256,omitempty"` // empty only for pack --only-hash
}

// ReadManifest decodes and checks a manifest.
func ReadManifest(r io.Reader) (*Manifest, error) {
	dec := json.NewDecoder(io.LimitReader(r, 256<<20))
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("failed to decode manifest: %w", err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("unsupported manifest version %d (this tool reads %d)", m.Version, ManifestVersion)
	}
	if m.Root == "" {
		return nil, fmt.Errorf("manifest has no root CID")
	}
	if m.CAR != nil {
		if err := m.CAR.check(m.CAR.Size); err != nil {
			return nil, fmt.Errorf("manifest car: %w", err)
		}
	}
	for _, f := range m.Files {
		if f.SHA256 == "" {
			continue
		}
		if _, err := hex.DecodeString(f.SHA256); err != nil || len(f.SHA256) != 64 {
			return nil, fmt.Errorf("manifest entry %q: bad sha256 %q", f.Path, f.SHA256)
		}
	}
	return &m, nil
}

// WriteJSON writes the manifest as JSON with one file (or folder) per line:
// readable, diff- and grep-friendly, and cheap to write for large sites.
func (m *Manifest) WriteJSON(w io.Writer) error {
	mw := &manifestWriter{w: bufio.NewWriterSize(w, 64<<10)}
	mw.enc = json.NewEncoder(&mw.val)
	mw.enc.SetEscapeHTML(false)
	mw.raw("{\n")
	mw.field("version", m.Version, true)
	mw.field("root", m.Root, true)
	mw.field("profile", m.Profile, true)
	mw.field("tool", m.Tool, true)
	if m.CAR != nil {
		mw.field("car", m.CAR, true)
	}
	more := len(m.Dirs) > 0 || len(m.Skipped) > 0
	mw.list("files", len(m.Files), func(i int) any { return m.Files[i] }, more)
	if len(m.Dirs) > 0 {
		mw.list("dirs", len(m.Dirs), func(i int) any { return m.Dirs[i] }, len(m.Skipped) > 0)
	}
	if len(m.Skipped) > 0 {
		mw.list("skipped", len(m.Skipped), func(i int) any { return m.Skipped[i] }, false)
	}
	mw.raw("}\n")
	if mw.err != nil {
		return mw.err
	}
	return mw.w.Flush()
}

type manifestWriter struct {
	w   *bufio.Writer
	enc *json.Encoder
	val bytes.Buffer
	err error
}

func (mw *manifestWriter) raw(s string) {
	if mw.err == nil {
		_, mw.err = mw.w.WriteString(s)
	}
}

func (mw *manifestWriter) value(v any) {
	mw.val.Reset()
	if mw.err == nil {
		mw.err = mw.enc.Encode(v)
	}
	mw.raw(strings.TrimSuffix(mw.val.String(), "\n"))
}

func (mw *manifestWriter) key(k string) {
	mw.raw("  ")
	mw.value(k)
	mw.raw(": ")
}

func (mw *manifestWriter) field(k string, v any, comma bool) {
	mw.key(k)
	mw.value(v)
	mw.end(comma)
}

func (mw *manifestWriter) list(k string, n int, item func(int) any, comma bool) {
	mw.key(k)
	if n == 0 {
		mw.raw("[]")
		mw.end(comma)
		return
	}
	mw.raw("[\n")
	for i := range n {
		mw.raw("    ")
		mw.value(item(i))
		mw.end(i < n-1)
	}
	mw.raw("  ]")
	mw.end(comma)
}

func (mw *manifestWriter) end(comma bool) {
	if comma {
		mw.raw(",\n")
	} else {
		mw.raw("\n")
	}
}
