package bundle

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
)

// IgnoreFile is the name of the optional ignore file at the root of a site
// folder. Its syntax is gitignore's: blank lines and lines starting with '#'
// are skipped, '!' re-includes, a trailing '/' matches directories only, a
// '/' at the start or in the middle anchors the pattern to the site root,
// '*', '?' and '[...]' match within a path segment and '**' across segments.
const IgnoreFile = ".dapp-publishignore"

// Ignore is a compiled list of gitignore-style rules. The last matching rule
// wins. The zero value ignores nothing.
//
// Hand-written rather than imported: the gitignore matchers available pull in
// a whole git implementation (go-git) or are unmaintained; this one is ~100
// lines, covers the syntax above, and is fuzzed (FuzzIgnore).
type Ignore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	negate   bool
	dirOnly  bool
	anchored bool     // matched against the whole path, not just any suffix
	segments []string // pattern split on '/'; "**" is a wildcard for any number of segments
	line     int
}

// maxStars bounds the "**" segments in one pattern: matching backtracks over
// them, so an unbounded number could make matching take exponential time.
const maxStars = 4

// ParseIgnore reads rules from r. name is used in error messages.
func ParseIgnore(r io.Reader, name string) (*Ignore, error) {
	ig := &Ignore{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for n := 1; sc.Scan(); n++ {
		if err := ig.Add(sc.Text(), n); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", name, err)
	}
	return ig, nil
}

// Add compiles one line of gitignore syntax. line is kept for diagnostics.
func (ig *Ignore) Add(pattern string, line int) error {
	p := strings.TrimRight(pattern, " \t\r")
	if strings.HasSuffix(p, "\\") && strings.HasSuffix(pattern, " ") {
		p += " " // "foo\ " keeps its escaped trailing space
	}
	if p == "" || strings.HasPrefix(p, "#") {
		return nil
	}
	r := ignoreRule{line: line}
	if strings.HasPrefix(p, "!") {
		r.negate, p = true, p[1:]
	} else if strings.HasPrefix(p, `\!`) || strings.HasPrefix(p, `\#`) {
		p = p[1:]
	}
	if strings.HasSuffix(p, "/") {
		r.dirOnly, p = true, strings.TrimRight(p, "/")
	}
	if p == "" {
		return fmt.Errorf("empty pattern")
	}
	if strings.Contains(strings.TrimPrefix(p, "/"), "/") || strings.HasPrefix(p, "/") {
		r.anchored = true
	}
	p = strings.TrimPrefix(p, "/")
	stars := 0
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || (seg == "**" && len(r.segments) > 0 && r.segments[len(r.segments)-1] == "**") {
			continue // "a//b" is "a/b"; "**/**" is "**"
		}
		if seg == "**" {
			if stars++; stars > maxStars {
				return fmt.Errorf("pattern %q has more than %d '**'", pattern, maxStars)
			}
		} else {
			if _, err := path.Match(seg, ""); err != nil {
				return fmt.Errorf("bad pattern %q: %w", pattern, err)
			}
		}
		r.segments = append(r.segments, seg)
	}
	if len(r.segments) == 0 {
		return fmt.Errorf("empty pattern %q", pattern)
	}
	ig.rules = append(ig.rules, r)
	return nil
}

// Match reports whether the slash-separated path p (relative to the site
// root) is ignored. isDir says whether p is a directory.
func (ig *Ignore) Match(p string, isDir bool) bool {
	if ig == nil {
		return false
	}
	segs := strings.Split(p, "/")
	ignored := false
	for _, r := range ig.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if r.matches(segs) {
			ignored = !r.negate
		}
	}
	return ignored
}

func (r ignoreRule) matches(segs []string) bool {
	if r.anchored {
		return matchSegments(r.segments, segs)
	}
	// An unanchored pattern (no '/') matches the last path element at any depth.
	return matchSegments(r.segments, segs[len(segs)-1:])
}

// matchSegments matches pattern segments against path segments, with "**"
// standing for zero or more whole segments.
func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			pat = pat[1:]
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat, segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}
