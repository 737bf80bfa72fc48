// Package safetext makes strings that come from outside (file names from a
// site or a CAR, messages from a holder or a gateway, paths, URLs) safe to
// print to a terminal, a CI log or a GitHub Actions workflow command.
//
// Term is the one escaping function for human output: every command passes
// every outside string through it before printing. It leaves ordinary text
// as it is and escapes what could act instead of being read:
//
//   - control characters (newlines, carriage returns, ESC and so terminal
//     escape sequences, C1 controls, DEL) and invisible format characters
//     (bidirectional overrides such as U+202E, zero-width characters), which
//     could forge lines, hide text or drive the terminal;
//   - bytes that are not valid UTF-8;
//   - what GitHub Actions reads as a workflow command: "::" at the start of
//     the string (after spaces; the runner trims them) and "##[" anywhere
//     (its legacy syntax, honoured anywhere in a line). A name such as
//     "x\n::stop-commands::t" could otherwise stop the runner from masking a
//     secret printed later.
//
// Escapes are written Go-style (\n, \x1b, \u202e, \xff); a backslash that is
// already in the string is left alone, so an escape is a hint for the reader,
// not a reversible encoding. Use JSON (--json) where exact bytes matter.
//
// Annotation and AnnotationProperty escape a message for a workflow command
// (::error title=...::message) as the runner unescapes it; MarkdownCell makes
// a string safe inside a job-summary table cell.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Term returns s escaped for human output (see the package comment). It
// returns s itself when nothing needs escaping.
func Term(s string) string {
	if isSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	lead := true // still in the leading spaces, where "::" would start a command
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case lead && r == ':' && strings.HasPrefix(s[i:], "::"):
			b.WriteString(`\x3a`)
		case r == '#' && strings.HasPrefix(s[i:], "##["):
			b.WriteString(`\x23`)
		case !printable(r):
			b.WriteString(escapeRune(r))
		default:
			b.WriteString(s[i : i+size])
		}
		lead = lead && (r == ' ' || r == '\t')
		i += size
	}
	return b.String()
}

// isSafe is Term's fast path: true when s needs no escape.
func isSafe(s string) bool {
	if strings.HasPrefix(strings.TrimLeft(s, " \t"), "::") || strings.Contains(s, "##[") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return isSafeUnicode(s[i:])
		}
	}
	return true
}

func isSafeUnicode(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !printable(r) {
			return false
		}
	}
	return true
}

// printable reports whether r prints as itself: graphic characters and the
// plain space. Tabs, controls and format characters (Cf: bidi overrides,
// zero-width joiners) are not.
func printable(r rune) bool {
	return r == ' ' || (unicode.IsGraphic(r) && !unicode.Is(unicode.Cf, r))
}

func escapeRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	switch {
	case r < 0x100:
		return fmt.Sprintf(`\x%02x`, r)
	case r < 0x10000:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}

// Annotation escapes the message (data) of a workflow command: the runner
// turns %25, %0D and %0A back into '%', CR and LF; other control characters
// are escaped as by Term, so the message cannot end the command's line.
func Annotation(s string) string {
	return annotationData.Replace(controls(s))
}

// AnnotationProperty escapes a property value of a workflow command
// (title=..., file=...), where ':' and ',' also end the value.
func AnnotationProperty(s string) string {
	return annotationProp.Replace(controls(s))
}

var (
	annotationData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	annotationProp = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// controls escapes what Term escapes except line breaks, which the workflow
// command escapes its own way, and "::" at the start, which cannot start a
// command inside another command's data.
func controls(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '#' && strings.HasPrefix(s[i:], "##["):
			b.WriteString(`\x23`)
		case r != '\n' && r != '\r' && !printable(r):
			b.WriteString(escapeRune(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// MarkdownCell makes s safe inside a Markdown table cell of a job summary:
// line breaks become spaces, the rest is escaped as by Term, '|' is escaped
// and HTML tags are defused, so a file name cannot break the table or add
// markup.
func MarkdownCell(s string) string {
	return markdownCell.Replace(Term(lineBreaks.Replace(s)))
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

var markdownCell = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "\\`")
