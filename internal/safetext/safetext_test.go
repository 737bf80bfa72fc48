package safetext

import (
	"strings"
	"testing"
)

func TestTerm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"index.html", "index.html"},
		{"assets/app 1.js", "assets/app 1.js"},
		{"café/日本語.html", "café/日本語.html"},
		{"", ""},
		{"a\nb", `a\nb`},
		{"a\r\nb", `a\r\nb`},
		{"tab\there", `tab\there`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"c1\u009b31m", `c1\x9b31m`},
		{"del\x7f", `del\x7f`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"evil\u202egnp.js", `evil\u202egnp.js`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"::error::x", `\x3a:error::x`},
		{"  ::warning::x", `  \x3a:warning::x`},
		{"a::b", "a::b"},
		{"x\n::stop-commands::t", `x\n::stop-commands::t`},
		{"name ##[add-mask]v", `name \x23#[add-mask]v`},
		{"#[ok] and # [ok]", "#[ok] and # [ok]"},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"nul\x00", `nul\x00`},
		{"c1\u0085", `c1\x85`},
		{`back\slash`, `back\slash`}, // left alone: an escape is a hint, JSON is exact
	}
	for _, tt := range tests {
		if got := Term(tt.in); got != tt.want {
			t.Errorf("Term(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTermNeverEmits checks the property every caller relies on, over many
// mixed inputs: the output has no control or format character, is valid
// UTF-8, never starts a workflow command and never holds "##[".
func TestTermNeverEmits(t *testing.T) {
	parts := []string{"a", "\n", "\r", "\x1b", "::", " ", "#", "##[", "[", "\u202e", "\xff", "é", "\t", "\x00", "\u0085"}
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		checkTerm(t, prefix)
		if depth == 0 {
			return
		}
		for _, p := range parts {
			walk(prefix+p, depth-1)
		}
	}
	walk("", 4)
}

// checkTerm fails unless Term(in) prints as itself and starts no workflow
// command.
func checkTerm(t *testing.T, in string) {
	t.Helper()
	out := Term(in)
	for _, r := range out {
		if !printable(r) {
			t.Fatalf("Term(%q) = %q holds %U", in, out, r)
		}
	}
	if strings.HasPrefix(strings.TrimLeft(out, " \t"), "::") || strings.Contains(out, "##[") {
		t.Fatalf("Term(%q) = %q could start a workflow command", in, out)
	}
}

func FuzzTerm(f *testing.F) {
	f.Add("x\n::stop-commands::t")
	f.Add("\x1b[2J##[error]")
	f.Fuzz(func(t *testing.T, s string) {
		checkTerm(t, s)
		for _, line := range strings.Split(Annotation(s), "\n") {
			if line != Annotation(s) {
				t.Fatalf("Annotation(%q) has a line break", s)
			}
		}
	})
}

func TestAnnotation(t *testing.T) {
	if got, want := Annotation("100% done\nnext\r::x ##[y]\x1b"), `100%25 done%0Anext%0D::x \x23#[y]\x1b`; got != want {
		t.Errorf("Annotation = %q, want %q", got, want)
	}
	if got, want := AnnotationProperty("a:b,c%\n"), "a%3Ab%2Cc%25%0A"; got != want {
		t.Errorf("AnnotationProperty = %q, want %q", got, want)
	}
}

func TestMarkdownCell(t *testing.T) {
	if got, want := MarkdownCell("a|b<script>`x`\n"), "a\\|b&lt;script&gt;\\`x\\` "; got != want {
		t.Errorf("MarkdownCell = %q, want %q", got, want)
	}
}
