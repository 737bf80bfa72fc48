package verify

import (
	"fmt"
	"sort"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
)

// sameContent compares CIDs by codec and multihash, so that a CIDv0 and its
// CIDv1 dag-pb form count as the same block.
var sameContent = trustless.SameContent

// Diff says how the content a source holds differs from what was expected
// (a bundle Manifest, usually made from the local folder).
type Diff struct {
	Missing     []string `json:"missing,omitempty"`      // files expected, not in the DAG
	Different   []string `json:"different,omitempty"`    // files in both, with other content
	Extra       []string `json:"extra,omitempty"`        // files in the DAG, not expected
	MissingDirs []string `json:"missing_dirs,omitempty"` // folders expected (e.g. empty ones), not in the DAG
	ExtraDirs   []string `json:"extra_dirs,omitempty"`
}

// Empty reports whether nothing differs.
func (d Diff) Empty() bool {
	return len(d.Missing)+len(d.Different)+len(d.Extra)+len(d.MissingDirs)+len(d.ExtraDirs) == 0
}

// String summarises the diff in one line.
func (d Diff) String() string {
	return fmt.Sprintf("%d missing, %d different, %d extra files; %d missing, %d extra folders",
		len(d.Missing), len(d.Different), len(d.Extra), len(d.MissingDirs), len(d.ExtraDirs))
}

// Compare compares the paths and file CIDs of a verified Tree with a
// Manifest. File CIDs are compared by content (codec and multihash), so the
// same file in CIDv0 and CIDv1 form counts as equal.
func Compare(m *bundle.Manifest, t *Tree) (Diff, error) {
	files, dirs, err := t.Entries()
	if err != nil {
		return Diff{}, err
	}
	var d Diff
	want := map[string]bool{}
	for _, f := range m.Files {
		want[f.Path] = true
		got, ok := files[f.Path]
		if !ok {
			d.Missing = append(d.Missing, f.Path)
			continue
		}
		wc, err := cid.Decode(f.CID)
		if err != nil {
			return Diff{}, fmt.Errorf("manifest entry %q has a bad CID: %w", f.Path, err)
		}
		if !sameContent(wc, got) {
			d.Different = append(d.Different, f.Path)
		}
	}
	for p := range files {
		if !want[p] {
			d.Extra = append(d.Extra, p)
		}
	}
	d.MissingDirs, d.ExtraDirs = setDiff(m.Dirs, dirs)
	sort.Strings(d.Missing)
	sort.Strings(d.Different)
	sort.Strings(d.Extra)
	return d, nil
}

// Comparison is the outcome of CompareReports.
type Comparison struct {
	// Source is the source whose verified tree was compared ("" if none).
	Source string
	Diff   Diff
	// Err is why nothing could be compared: it wraps ErrNoVerifiedSource,
	// or the tree's own refusal (ErrBadDirectory, ErrTooLarge).
	Err error
}

// Same reports whether a tree was compared and nothing differs.
func (c Comparison) Same() bool { return c.Err == nil && c.Diff.Empty() }

// CompareReports compares a Manifest with the tree of the first source in
// reps that served the complete, verified DAG (Check with
// CheckOptions.Tree). Every source that verified holds the same bytes
// (same root, every block hashed), so one is enough; which one is named.
func CompareReports(m *bundle.Manifest, reps []Report) Comparison {
	for _, r := range reps {
		if !r.OK() || r.Tree == nil {
			continue
		}
		d, err := Compare(m, r.Tree)
		return Comparison{Source: r.Source, Diff: d, Err: err}
	}
	return Comparison{Err: ErrNoVerifiedSource}
}

// setDiff returns what is in a but not b, and what is in b but not a.
func setDiff(a, b []string) (onlyA, onlyB []string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, s := range a {
		inA[s] = true
	}
	for _, s := range b {
		inB[s] = true
		if !inA[s] {
			onlyB = append(onlyB, s)
		}
	}
	for _, s := range a {
		if !inB[s] {
			onlyA = append(onlyA, s)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	return onlyA, onlyB
}
