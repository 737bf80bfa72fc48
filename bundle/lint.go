package bundle

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"

	redirects "github.com/ipfs/go-ipfs-redirects-file"
)

// Finding is one lint result: something that will break or leak once the
// site is served from IPFS gateways.
type Finding struct {
	Code    string `json:"code"`           // stable identifier, e.g. "absolute-url"
	Path    string `json:"path,omitempty"` // file concerned ("" for the whole site)
	Line    int    `json:"line,omitempty"` // 1-based, when known
	Message string `json:"message"`
}

func (f Finding) String() string {
	loc := f.Path
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", f.Path, f.Line)
	}
	if loc == "" {
		return fmt.Sprintf("%s (%s)", f.Message, f.Code)
	}
	return fmt.Sprintf("%s: %s (%s)", loc, f.Message, f.Code)
}

// Limits the linter warns about.
const (
	// LargeFileLimit: single files above this are slow or refused by many
	// public gateways and by some pinning plans.
	LargeFileLimit = 100 << 20
	// PieceLimit: the largest piece Filecoin Onchain Cloud (PDP) accepts,
	// 1 GiB × 127/128; a bigger CAR must be split to go to Filecoin that way.
	PieceLimit = 1_065_353_216
	// scanLimit bounds how much of one text file the linter reads.
	scanLimit = 4 << 20
)

var (
	// src="/x", href="/x", but not protocol-relative "//host".
	absAttrRE = regexp.MustCompile(`(?i)\b(?:src|href|content)\s*=\s*["']/([^/"'][^"']*)?["']`)
	absCSSRE  = regexp.MustCompile(`(?i)url\(\s*["']?/([^/)"'][^)"']*)["']?\s*\)`)
	moduleRE  = regexp.MustCompile(`(?i)<script[^>]+type\s*=\s*["']module["']`)
	privKeyRE = regexp.MustCompile(`-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----`)
)

// Lint checks the files Pack would include (same options) for problems
// specific to gateway hosting. It reads text files, so it costs a fraction
// of a pack.
func Lint(fsys fs.FS, opts Options) ([]Finding, error) {
	t, err := Walk(fsys, opts)
	if err != nil {
		return nil, err
	}
	return LintTree(t)
}

// LintTree is Lint over a walked folder. It only reads the tree, so it may
// run while the same tree is packed.
func LintTree(t *Tree) ([]Finding, error) {
	root, w := t.root, t.w
	l := &linter{fsys: t.fsys}
	l.checkRoot(root)
	var total int64
	for _, f := range w.files {
		total += f.size
		if err := l.checkFile(f); err != nil {
			return nil, err
		}
	}
	if total > PieceLimit {
		l.add("site-too-large", "", 0, fmt.Sprintf("the site is %d bytes; Filecoin Onchain Cloud takes pieces up to %d bytes", total, PieceLimit))
	}
	if l.spa && !l.hasFallback {
		l.add("spa-no-fallback", "index.html", 0, "looks like a single-page app (module script) but has neither a 404.html nor a `/* /index.html 200` rule in _redirects: deep links will 404 on gateways")
	}
	return l.findings, nil
}

type linter struct {
	fsys        fs.FS
	findings    []Finding
	spa         bool
	hasFallback bool
	buf         []byte // scan's read buffer
}

func (l *linter) add(code, p string, line int, msg string) {
	l.findings = append(l.findings, Finding{Code: code, Path: p, Line: line, Message: msg})
}

func (l *linter) checkRoot(root *entry) {
	names := map[string]*entry{}
	for _, c := range root.children {
		names[c.name] = c
	}
	if c, ok := names["index.html"]; !ok || c.isDir {
		l.add("no-index", "", 0, "no index.html at the root: gateways will show a file listing instead of the app")
	}
	if c, ok := names["404.html"]; ok && !c.isDir {
		l.hasFallback = true
	}
}

func (l *linter) checkFile(e *entry) error {
	name := strings.ToLower(e.name)
	ext := path.Ext(name)
	l.checkLeak(e, name, ext)
	if e.size > LargeFileLimit {
		l.add("large-file", e.path, 0, fmt.Sprintf("%d MiB: slow or refused by many public gateways and some pinning plans", e.size>>20))
	}
	switch {
	case e.path == "_redirects":
		return l.checkRedirects(e)
	case name == "_redirects":
		l.add("redirects-not-root", e.path, 0, "gateways read _redirects only at the root of the site")
		return nil
	case ext == ".html" || ext == ".htm":
		needles := htmlNeedles
		if e.path == "index.html" {
			needles = indexNeedles
		}
		return l.scan(e, needles, func(line []byte, n int) {
			if hasAbsQuote(line) {
				if m := absAttrRE.Find(line); m != nil {
					l.add("absolute-url", e.path, n, fmt.Sprintf("absolute URL %s breaks on path gateways (/ipfs/<cid>/...): use relative URLs (Vite: base: './')", bytes.TrimSpace(m)))
				}
			}
			if e.path == "index.html" && bytes.Contains(line, []byte("module")) && moduleRE.Match(line) {
				l.spa = true
			}
		})
	case ext == ".css":
		return l.scan(e, cssNeedles, func(line []byte, n int) {
			if bytes.Contains(line, []byte("url(")) {
				if m := absCSSRE.Find(line); m != nil {
					l.add("absolute-url", e.path, n, fmt.Sprintf("absolute URL %s breaks on path gateways: use a relative url()", m))
				}
			}
		})
	case e.size <= scanLimit && (ext == "" || ext == ".pem" || ext == ".key" || ext == ".txt" || ext == ".json" || strings.HasPrefix(name, ".env")):
		// Files that hold configuration. JavaScript bundles are not read: they
		// are most of a site's bytes, and a key inlined there is caught by
		// neither name nor shape reliably enough to pay for reading them all.
		return l.scanSecrets(e)
	}
	return nil
}

// hasAbsQuote reports whether line has a quote followed by "/" (not "//"),
// the shape of every absolute URL attribute.
func hasAbsQuote(line []byte) bool {
	for _, q := range [][]byte{[]byte(`"/`), []byte(`'/`)} {
		for rest := line; ; {
			i := bytes.Index(rest, q)
			if i < 0 {
				break
			}
			if i+2 >= len(rest) || rest[i+2] != '/' {
				return true
			}
			rest = rest[i+2:]
		}
	}
	return false
}

// checkLeak flags files that should never be published.
func (l *linter) checkLeak(e *entry, name, ext string) {
	parts := strings.Split(e.path, "/")
	switch {
	case name == ".env" || strings.HasPrefix(name, ".env."):
		l.add("leak-env", e.path, 0, "environment file: it usually holds secrets; remove it or list it in "+IgnoreFile)
	case containsString(parts, ".git"):
		l.add("leak-git", e.path, 0, "part of a .git folder: it exposes the repository history")
	case ext == ".map":
		l.add("source-map", e.path, 0, "source map: it publishes your original source; disable it in the production build if that is not intended")
	case ext == ".pem" || ext == ".key" || ext == ".p12" || ext == ".pfx" || name == "id_rsa" || name == "id_ed25519" || name == "id_ecdsa":
		l.add("leak-key", e.path, 0, "looks like a key file; remove it from the build output")
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (l *linter) scanSecrets(e *entry) error {
	return l.scan(e, keyNeedles, func(line []byte, n int) {
		if privKeyRE.Match(line) {
			l.add("leak-private-key", e.path, n, "contains a PEM private key")
		}
	})
}

// What scan looks for: the regexps run only on lines holding one of these.
var (
	htmlNeedles  = [][]byte{[]byte(`"/`), []byte(`'/`)}
	indexNeedles = [][]byte{[]byte(`"/`), []byte(`'/`), []byte("module")}
	cssNeedles   = [][]byte{[]byte("url(")}
	keyNeedles   = [][]byte{[]byte("PRIVATE KEY-----")}
)

// scan calls fn, with its number, for each line of the first scanLimit bytes
// of e that holds one of the needles. The bytes are read into a buffer reused
// for every file and searched whole (memchr speed); only the lines with a hit
// are cut out, and line numbers are counted up to them.
func (l *linter) scan(e *entry, needles [][]byte, fn func(line []byte, n int)) error {
	f, err := openFile(l.fsys, srcPath(e.src))
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", e.path, err)
	}
	defer f.Close()
	want := min(e.size, scanLimit)
	if int64(cap(l.buf)) < want {
		l.buf = make([]byte, want)
	}
	m, err := io.ReadFull(f, l.buf[:want])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fmt.Errorf("failed to read %s: %w", e.path, err)
	}
	buf := l.buf[:m]
	next := make([]int, len(needles)) // each needle's next hit at or after pos; -1: none left
	for k, nd := range needles {
		next[k] = bytes.Index(buf, nd)
	}
	pos, line, counted := 0, 1, 0 // search from pos; line is the number of the line at counted
	for pos < len(buf) {
		hit := -1
		for k, nd := range needles {
			if next[k] >= 0 && next[k] < pos {
				next[k] = -1
				if i := bytes.Index(buf[pos:], nd); i >= 0 {
					next[k] = pos + i
				}
			}
			if next[k] >= 0 && (hit < 0 || next[k] < hit) {
				hit = next[k]
			}
		}
		if hit < 0 {
			break
		}
		start := bytes.LastIndexByte(buf[:hit], '\n') + 1
		end := len(buf)
		if i := bytes.IndexByte(buf[hit:], '\n'); i >= 0 {
			end = hit + i
		}
		line += bytes.Count(buf[counted:start], []byte("\n"))
		counted = start
		fn(bytes.TrimSuffix(buf[start:end], []byte("\r")), line)
		pos = end + 1
	}
	return nil
}

// checkRedirects validates _redirects with the parser the gateways use
// (go-ipfs-redirects-file), line by line so errors carry line numbers.
func (l *linter) checkRedirects(e *entry) error {
	if e.size > redirects.MaxFileSizeInBytes {
		l.add("redirects-too-large", e.path, 0, fmt.Sprintf("%d bytes; gateways ignore a _redirects file over %d bytes", e.size, redirects.MaxFileSizeInBytes))
		return nil
	}
	b, err := fs.ReadFile(l.fsys, srcPath(e.src))
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", e.path, err)
	}
	for n, line := range bytes.Split(b, []byte("\n")) {
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		rules, err := redirects.ParseString(text)
		if err != nil {
			l.add("redirects-syntax", e.path, n+1, fmt.Sprintf("%v (format: FROM TO [STATUS])", err))
			continue
		}
		for _, r := range rules {
			if r.Status == 200 || r.Status == 404 {
				l.hasFallback = true
			}
			if r.IsProxy() {
				l.add("redirects-proxy", e.path, n+1, "rewrites to another host are not supported by IPFS gateways")
			}
		}
	}
	return nil
}
