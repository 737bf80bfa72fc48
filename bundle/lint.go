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
	// Gateways are the gateway styles where it breaks something (GatewayPath,
	// GatewaySubdomain, GatewayENS); empty for findings about leaks and
	// limits, which matter wherever the site is served.
	Gateways []string `json:"gateways,omitempty"`
	// Breaks says what breaks there: BreaksPage (the page does not render as
	// built: its document or an asset is missing) or BreaksLink (a link leaves
	// the site). Depth is the shallowest link where it does: 0 the root, hence
	// every link; 1 a deep link such as /swap; 2 one such as /pool/42.
	Breaks string `json:"breaks,omitempty"`
	Depth  int    `json:"depth,omitempty"`
}

// What a finding breaks.
const (
	BreaksPage = "page"
	BreaksLink = "link"
)

func (f Finding) String() string {
	loc := f.Path
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", f.Path, f.Line)
	}
	where := f.Code
	if len(f.Gateways) > 0 {
		where += "; " + strings.Join(f.Gateways, ", ") + " gateways"
	}
	if loc == "" {
		return fmt.Sprintf("%s (%s)", f.Message, where)
	}
	return fmt.Sprintf("%s: %s (%s)", loc, f.Message, where)
}

// Limits the linter warns about.
const (
	// LargeFileLimit: single files above this are slow or refused by many
	// public gateways and by some pinning plans.
	LargeFileLimit = 100 << 20
	// PieceLimit: the largest piece Filecoin Onchain Cloud (PDP) accepts,
	// 1 GiB × 127/128; a bigger CAR must be split to go to Filecoin that way.
	PieceLimit = 1_065_353_216
	// scanLimit bounds how much of one HTML, CSS or configuration file the
	// linter reads; scriptLimit, of one script bundle (web3 bundles run to
	// several MiB).
	scanLimit   = 4 << 20
	scriptLimit = 32 << 20
)

var (
	absCSSRE  = regexp.MustCompile(`(?i)url\(\s*["']?/([^/)"'][^)"']*)["']?\s*\)`)
	privKeyRE = regexp.MustCompile(`-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----`)
)

// LintOptions tell the linter what the site is meant for.
type LintOptions struct {
	// Targets are the gateway styles the site must work on (see
	// ParseGateways); nil means all of them. Findings about other styles are
	// left out of the report.
	Targets []string
	// Routes is the app's route style (RoutesNone, RoutesHash, RoutesPath);
	// "" detects it from the built files.
	Routes string
}

// LintReport is what Lint found.
type LintReport struct {
	Findings []Finding `json:"findings"`
	// Routes is the route style the findings assume, and RoutesFrom where it
	// was seen ("declared" when LintOptions.Routes gave it).
	Routes     string   `json:"routes"`
	RoutesFrom string   `json:"routes_from,omitempty"`
	Targets    []string `json:"targets"`
}

// Lint checks the files Pack would include (same options) for problems
// specific to gateway hosting. It reads text files and scripts, so it costs
// a fraction of a pack.
func Lint(fsys fs.FS, opts Options, lo LintOptions) (*LintReport, error) {
	t, err := Walk(fsys, opts)
	if err != nil {
		return nil, err
	}
	return LintTree(t, lo)
}

// LintTree is Lint over a walked folder. It only reads the tree, so it may
// run while the same tree is packed.
func LintTree(t *Tree, lo LintOptions) (*LintReport, error) {
	targets := lo.Targets
	if len(targets) == 0 {
		targets = GatewayStyles
	}
	if lo.Routes != "" && lo.Routes != RoutesNone && lo.Routes != RoutesHash && lo.Routes != RoutesPath {
		return nil, fmt.Errorf("unknown route style %q (use none, hash or path)", lo.Routes)
	}
	root, w := t.root, t.w
	l := &linter{fsys: t.fsys, files: map[string]bool{}, docs: map[string]*htmlDoc{}}
	for _, f := range w.files {
		l.files[f.path] = true
	}
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
	r := &LintReport{Routes: lo.Routes, RoutesFrom: "declared", Targets: targets}
	if lo.Routes == "" {
		r.Routes, r.RoutesFrom = l.routes.style()
	}
	multiPage := l.multiPage()
	l.checkLinks(r.Routes, multiPage)
	l.checkRoutes(r.Routes, r.RoutesFrom, multiPage)
	r.Findings = onlyTargets(l.findings, targets)
	return r, nil
}

type linter struct {
	fsys      fs.FS
	findings  []Finding
	files     map[string]bool     // every file of the site, by path
	docs      map[string]*htmlDoc // what the root's HTML files load, by path
	redirects []redirects.Rule    // nil without a valid _redirects
	routes    routeSignals
	// The first link of the site's pages to each target, in order, for
	// checkLinks.
	linkTargets map[string]pageLink
	linkOrder   []string
	buf         []byte // scan's read buffer
}

func (l *linter) add(code, p string, line int, msg string) {
	l.findings = append(l.findings, Finding{Code: code, Path: p, Line: line, Message: msg})
}

// addGW adds a finding that breaks something on the given gateway styles.
func (l *linter) addGW(code, p string, line int, breaks string, depth int, gateways []string, msg string) {
	l.findings = append(l.findings, Finding{Code: code, Path: p, Line: line, Message: msg, Gateways: gateways, Breaks: breaks, Depth: depth})
}

func (l *linter) checkRoot(root *entry) {
	names := map[string]*entry{}
	for _, c := range root.children {
		names[c.name] = c
	}
	if c, ok := names["index.html"]; !ok || c.isDir {
		l.addGW("no-index", "", 0, BreaksPage, 0, GatewayStyles, "no index.html at the root: gateways will show a file listing instead of the app")
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
		return l.checkHTML(e)
	case ext == ".js" || ext == ".mjs":
		return l.checkScript(e)
	case ext == ".css":
		return l.scan(e, scanLimit, cssNeedles, func(line []byte, n int) {
			if m := absCSSRE.Find(line); m != nil {
				l.addGW("absolute-url", e.path, n, BreaksPage, 0, pathOnly, fmt.Sprintf("root-absolute URL %s: on a path gateway (/ipfs/<cid>/...) it points outside the site; use a URL relative to the stylesheet", m))
			}
		})
	case e.size <= scanLimit && (ext == "" || ext == ".pem" || ext == ".key" || ext == ".txt" || ext == ".json" || strings.HasPrefix(name, ".env")):
		// Files that hold configuration. A key inlined in a script bundle is
		// caught by neither name nor shape reliably enough to look for it there.
		return l.scanSecrets(e)
	}
	return nil
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
	return l.scan(e, scanLimit, keyNeedles, func(line []byte, n int) {
		if privKeyRE.Match(line) {
			l.add("leak-private-key", e.path, n, "contains a PEM private key")
		}
	})
}

// What scan looks for: the regexps run only on lines holding one of these.
var (
	cssNeedles = [][]byte{[]byte("url(")}
	keyNeedles = [][]byte{[]byte("PRIVATE KEY-----")}
)

// read reads the first limit bytes of e into a buffer reused for every file.
func (l *linter) read(e *entry, limit int64) ([]byte, error) {
	f, err := openFile(l.fsys, srcPath(e.src))
	if err != nil {
		return nil, fmt.Errorf("failed to open %s: %w", e.path, err)
	}
	defer f.Close()
	want := min(e.size, limit)
	if int64(cap(l.buf)) < want {
		l.buf = make([]byte, want)
	}
	m, err := io.ReadFull(f, l.buf[:want])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("failed to read %s: %w", e.path, err)
	}
	return l.buf[:m], nil
}

// scan calls fn, with its number, for each line of the first limit bytes of
// e that holds one of the needles. The bytes are searched whole (memchr
// speed); only the lines with a hit are cut out, and line numbers are
// counted up to them.
func (l *linter) scan(e *entry, limit int64, needles [][]byte, fn func(line []byte, n int)) error {
	buf, err := l.read(e, limit)
	if err != nil {
		return err
	}
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
	valid := true
	var all []redirects.Rule
	for n, line := range bytes.Split(b, []byte("\n")) {
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		rules, err := redirects.ParseString(text)
		if err != nil {
			valid = false
			l.addGW("redirects-syntax", e.path, n+1, BreaksPage, 1, originGateways, fmt.Sprintf("%v (format: FROM TO [STATUS]); gateways answer 500 for every path that is not a file while the file does not parse", err))
			continue
		}
		all = append(all, rules...)
		for _, r := range rules {
			if r.IsProxy() {
				l.add("redirects-proxy", e.path, n+1, "rewrites to another host are not supported by IPFS gateways")
			}
		}
	}
	if valid {
		l.redirects = all
	}
	return nil
}
