package bundle

import (
	"strings"
	"testing"
)

func TestIgnoreMatch(t *testing.T) {
	rules := `
# build leftovers
*.map
/drafts/
secret.txt
!keep/secret.txt
docs/**/private
node_modules/
\#literal.txt
a?c.js
[bc]at.txt
`
	ig, err := ParseIgnore(strings.NewReader(rules), "rules")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path  string
		isDir bool
		want  bool
	}{
		{"app.js.map", false, true},
		{"assets/deep/x.map", false, true},
		{"app.js", false, false},
		{"drafts", true, true},
		{"drafts", false, false}, // a file named drafts: the rule is for folders
		{"blog/drafts", true, false},
		{"secret.txt", false, true},
		{"a/secret.txt", false, true},
		{"keep/secret.txt", false, false},
		{"docs/private", true, true},
		{"docs/a/b/private", false, true},
		{"docs2/private", false, false},
		{"x/node_modules", true, true},
		{"#literal.txt", false, true},
		{"abc.js", false, true},
		{"abbc.js", false, false},
		{"cat.txt", false, true},
		{"rat.txt", false, false},
	}
	for _, tt := range tests {
		if got := ig.Match(tt.path, tt.isDir); got != tt.want {
			t.Errorf("Match(%q, dir=%t) = %t, want %t", tt.path, tt.isDir, got, tt.want)
		}
	}
}

func TestIgnoreErrors(t *testing.T) {
	for _, bad := range []string{"[", "a/[z-", "!", "/"} {
		_, err := ParseIgnore(strings.NewReader("ok.txt\n"+bad+"\n"), "f")
		if err == nil {
			t.Errorf("pattern %q: no error", bad)
			continue
		}
		if !strings.HasPrefix(err.Error(), "f:2:") {
			t.Errorf("pattern %q: error %q does not name the line", bad, err)
		}
	}
}

func FuzzIgnore(f *testing.F) {
	f.Add("*.map\n/drafts/\n!keep\n**/x/**\n", "a/b/x/c.map", false)
	f.Add("[a-\n", "a", true)
	f.Add("\\!x\n#c\n  \n", "!x", false)
	f.Fuzz(func(t *testing.T, rules, path string, isDir bool) {
		ig, err := ParseIgnore(strings.NewReader(rules), "fuzz")
		if err != nil {
			return
		}
		ig.Match(path, isDir) // must not panic or hang
		for _, r := range ig.rules {
			if len(r.segments) == 0 {
				t.Fatalf("rule from line %d has no segments", r.line)
			}
		}
	})
}
