package main

import "testing"

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"index.html", "index.html"},
		{"café/日本.txt", "café/日本.txt"},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{"x\n::stop-commands::tok", `x\n::stop-commands::tok`},
		{"cr\rlf", `cr\rlf`},
		{"bidi\u202etxt.exe", `bidi\u202etxt.exe`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`back\slash`, `back\\slash`},
		{"nul\x00", `nul\x00`},
		{"del\x7f c1\u0085", `del\x7f c1\u0085`},
	} {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
