package bundle

import (
	"fmt"
	"sort"

	"github.com/ipfs/go-cid"
)

// Listing is a bundle's contents in comparable form, from a Manifest (which
// has SHA-256s) or from a CAR (CIDs and sizes only).
type Listing struct {
	Source   string // what it was read from, for messages
	Root     string
	Profile  string // "" when unknown
	Inferred bool   // Profile was guessed from the CIDs, not recorded
	Files    map[string]FileEntry
	Dirs     map[string]bool
}

// ListingFromManifest lists a manifest.
func ListingFromManifest(source string, m *Manifest) *Listing {
	l := &Listing{Source: source, Root: m.Root, Profile: m.Profile, Files: map[string]FileEntry{}, Dirs: map[string]bool{}}
	for _, f := range m.Files {
		l.Files[f.Path] = f
	}
	for _, d := range m.Dirs {
		l.Dirs[d] = true
	}
	return l
}

// ListingFromInspection lists a CAR read by Inspect. The profile is inferred
// from the CIDs: CIDv0 means unixfs-v0-2015, CIDv1 with raw leaves unixfs-v1-2025.
func ListingFromInspection(source string, in *Inspection) *Listing {
	l := &Listing{Source: source, Files: map[string]FileEntry{}, Dirs: map[string]bool{}, Inferred: true}
	if len(in.Roots) > 0 {
		l.Root = in.Roots[0]
	}
	if c, err := cid.Decode(l.Root); err == nil {
		l.Profile = ProfileV1_2025.Name
		if c.Version() == 0 {
			l.Profile = ProfileV0_2015.Name
		}
	}
	for _, e := range in.Entries {
		switch e.Type {
		case "dir", "hamt":
			if e.Path != "" {
				l.Dirs[e.Path] = true
			}
		default:
			l.Files[e.Path] = FileEntry{Path: e.Path, Size: int64(e.Size), CID: e.CID}
		}
	}
	return l
}

// Diff says how two listings differ and why their roots differ.
type Diff struct {
	A, B        *Listing
	OnlyA       []string // files and folders only in A
	OnlyB       []string
	Changed     []Change // same path, different content
	SameBytes   []string // same SHA-256, different CID: settings, not content
	Explanation []string // settings differences that explain a different root
}

// Change is a file whose content differs.
type Change struct {
	Path  string `json:"path"`
	CIDA  string `json:"cid_a"`
	SizeA int64  `json:"size_a"`
	CIDB  string `json:"cid_b"`
	SizeB int64  `json:"size_b"`
}

// Equal reports whether the two roots are the same.
func (d *Diff) Equal() bool { return d.A.Root == d.B.Root }

// Compare compares two listings path by path.
func Compare(a, b *Listing) *Diff {
	d := &Diff{A: a, B: b}
	for _, p := range sortedKeys(a.Files) {
		fa := a.Files[p]
		fb, ok := b.Files[p]
		switch {
		case !ok:
			d.OnlyA = append(d.OnlyA, p)
		case fa.CID == fb.CID:
		case fa.SHA256 != "" && fa.SHA256 == fb.SHA256:
			d.SameBytes = append(d.SameBytes, p)
		default:
			d.Changed = append(d.Changed, Change{Path: p, CIDA: fa.CID, CIDB: fb.CID, SizeA: fa.Size, SizeB: fb.Size})
		}
	}
	for _, p := range sortedKeys(b.Files) {
		if _, ok := a.Files[p]; !ok {
			d.OnlyB = append(d.OnlyB, p)
		}
	}
	for _, p := range sortedKeys(a.Dirs) {
		if !b.Dirs[p] {
			d.OnlyA = append(d.OnlyA, p+"/")
		}
	}
	for _, p := range sortedKeys(b.Dirs) {
		if !a.Dirs[p] {
			d.OnlyB = append(d.OnlyB, p+"/")
		}
	}
	d.explain()
	return d
}

func (d *Diff) explain() {
	a, b := d.A, d.B
	if a.Profile != "" && b.Profile != "" && a.Profile != b.Profile {
		d.Explanation = append(d.Explanation, fmt.Sprintf("different CID profiles: %s uses %s, %s uses %s; the same bytes get different CIDs (pack both with the same --profile)",
			a.Source, describeProfile(a), b.Source, describeProfile(b)))
	}
	if d.Equal() || len(d.OnlyA)+len(d.OnlyB)+len(d.Changed) > 0 || len(d.Explanation) > 0 {
		return
	}
	d.Explanation = append(d.Explanation, "every file and folder is the same, yet the roots differ: the folders were built with other settings (HAMT sharding threshold, file modes or times, or an older Kubo with the >= sharding rule)")
}

func describeProfile(l *Listing) string {
	s := l.Profile
	if p, err := LookupProfile(l.Profile); err == nil {
		s = fmt.Sprintf("%s (CIDv%d, raw leaves %t, %d KiB chunks, %d links per node)", p.Name, p.CIDVersion, p.RawLeaves, p.ChunkSize>>10, p.FileWidth)
	}
	if l.Inferred {
		s += ", inferred from its CIDs"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
