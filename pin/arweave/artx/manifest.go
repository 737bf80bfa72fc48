package artx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Path manifests (PATH-MANIFEST-SCHEMA v0.2.0, specs.ar.io).
const (
	ManifestContentType = "application/x.arweave-manifest+json"
	manifestKind        = "arweave/paths"
	ManifestVersion     = "0.2.0"

	// MaxManifest bounds a manifest read from outside. A site of 100,000
	// files makes a manifest of about 8 MB.
	MaxManifest = 64 << 20
)

// Manifest maps a site's paths to transaction ids. Index is what the bare
// manifest id serves; Fallback is served for any path not listed (the SPA
// fallback, usually index.html again).
type Manifest struct {
	Manifest string                   `json:"manifest"`
	Version  string                   `json:"version"`
	Index    *ManifestIndex           `json:"index,omitempty"`
	Fallback *ManifestEntry           `json:"fallback,omitempty"`
	Paths    map[string]ManifestEntry `json:"paths"`
}

// ManifestIndex names the index by path (a key of Paths) or by id.
type ManifestIndex struct {
	Path string `json:"path,omitempty"`
	ID   string `json:"id,omitempty"`
}

// ManifestEntry is one path's transaction.
type ManifestEntry struct {
	ID string `json:"id"`
}

// NewManifest returns a v0.2.0 manifest over paths (path -> tx id). index
// is the path served at the root ("" for none); fallback the path served for
// unknown paths ("" for none). Both must be keys of paths.
func NewManifest(paths map[string]string, index, fallback string) (*Manifest, error) {
	m := &Manifest{Manifest: manifestKind, Version: ManifestVersion, Paths: map[string]ManifestEntry{}}
	for p, id := range paths {
		m.Paths[p] = ManifestEntry{ID: id}
	}
	if index != "" {
		if _, ok := paths[index]; !ok {
			return nil, fmt.Errorf("the index %q is not a file of the site", index)
		}
		m.Index = &ManifestIndex{Path: index}
	}
	if fallback != "" {
		id, ok := paths[fallback]
		if !ok {
			return nil, fmt.Errorf("the fallback %q is not a file of the site", fallback)
		}
		m.Fallback = &ManifestEntry{ID: id}
	}
	return m, nil
}

// Marshal returns the manifest's JSON: keys sorted, HTML characters not
// escaped, so the same site always gives the same bytes (and the same
// data_root).
func (m *Manifest) Marshal() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m) // cannot fail: strings and maps of strings
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// ErrBadManifest means a path manifest from outside is malformed.
var ErrBadManifest = errors.New("malformed path manifest")

// ParseManifest decodes a path manifest (v0.1.0 or v0.2.0) and checks it:
// every id is a transaction id, the index path is listed, no path is
// listed twice.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifest {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadManifest, len(data))
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if m.Manifest != manifestKind || (m.Version != "0.1.0" && m.Version != ManifestVersion) {
		return nil, fmt.Errorf("%w: not an arweave/paths manifest of version 0.1.0 or 0.2.0", ErrBadManifest)
	}
	if err := noDuplicatePaths(data); err != nil {
		return nil, err
	}
	for p, e := range m.Paths {
		if p == "" {
			return nil, fmt.Errorf("%w: an empty path (the root is the index)", ErrBadManifest)
		}
		if !IsTxID(e.ID) {
			return nil, fmt.Errorf("%w: path %.80q has id %.60q", ErrBadManifest, p, e.ID)
		}
	}
	if m.Index != nil {
		if _, ok := m.Paths[m.Index.Path]; m.Index.Path != "" && !ok {
			return nil, fmt.Errorf("%w: the index path %.80q is not listed", ErrBadManifest, m.Index.Path)
		}
		if m.Index.Path == "" && !IsTxID(m.Index.ID) {
			return nil, fmt.Errorf("%w: the index has neither a listed path nor an id", ErrBadManifest)
		}
	}
	if m.Fallback != nil && !IsTxID(m.Fallback.ID) {
		return nil, fmt.Errorf("%w: the fallback id %.60q is not a transaction id", ErrBadManifest, m.Fallback.ID)
	}
	return &m, nil
}

// noDuplicatePaths rejects a manifest that lists a path twice: JSON
// decoders disagree on which copy wins, so gateways could serve either.
func noDuplicatePaths(data []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	dec := json.NewDecoder(bytes.NewReader(top["paths"]))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("%w: paths is not an object", ErrBadManifest)
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadManifest, err)
		}
		k, _ := t.(string)
		if seen[k] {
			return fmt.Errorf("%w: path %.80q is listed twice", ErrBadManifest, k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("%w: %v", ErrBadManifest, err)
		}
	}
	return nil
}

// Resolve returns the id a gateway serves for path (as in a URL after
// /{manifest}/, unescaped): the index for "" or "/", the listed path
// (trailing slashes ignored), else the fallback. ok is false when none
// applies (the gateway answers 404).
func (m *Manifest) Resolve(path string) (id string, ok bool) {
	p := strings.Trim(path, "/")
	if p == "" && m.Index != nil {
		if m.Index.Path != "" {
			return m.Paths[m.Index.Path].ID, true
		}
		return m.Index.ID, true
	}
	if e, found := m.Paths[p]; found && p != "" {
		return e.ID, true
	}
	if e, found := m.Paths[p+"/"]; found && p != "" {
		return e.ID, true
	}
	if m.Fallback != nil {
		return m.Fallback.ID, true
	}
	return "", false
}

// IsTxID reports whether s is a transaction or data item id: 32 bytes in
// unpadded base64url (43 characters).
func IsTxID(s string) bool {
	if len(s) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 32
}

// ReadManifest reads and parses a manifest of at most MaxManifest bytes.
func ReadManifest(r io.Reader) (*Manifest, []byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifest+1))
	if err != nil {
		return nil, nil, err
	}
	m, err := ParseManifest(data)
	return m, data, err
}
