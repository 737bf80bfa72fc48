package main

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable makes a string that came from outside (a file name in a CAR,
// a gateway's error text) safe to print on one line of human output: control
// characters (ESC sequences that would drive the terminal, newlines that
// would start a forged line such as a GitHub workflow command), Unicode
// line separators and bidirectional overrides, and bytes that are not
// UTF-8 are written as Go escapes (\x1b, \n, \u202e, \xff), and a
// backslash as \\ so the escapes stay unambiguous. Anything else, Unicode
// letters included, is printed as it is.
//
// (This file is on its own so that it can be folded into the escaping
// function of the output code when both land.)
func printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == '\\':
			b.WriteString(`\\`)
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\\' || unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || unicode.In(r, unicode.Zl, unicode.Zp)
}
