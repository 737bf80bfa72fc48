package bundle

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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

// CARInfo describes the CAR file written with the manifest.
type CARInfo struct {
	Size   int64 `json:"size"`
	Blocks int   `json:"blocks"`
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

// WriteJSON writes the manifest as indented JSON.
func (m *Manifest) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}
