package bundle

// Gateway readiness: what a browser gets from each style of IPFS gateway,
// worked out from the gateway specifications and boxo's gateway (which Kubo,
// `dapp-publish serve` and the public gateways run), and checked in headless
// Chromium by cmd/dapp-publish's browser test.
//
//   - Path gateway, https://gw/ipfs/<cid>/... (specs.ipfs.tech/http-gateways/
//     path-gateway): the site lives under /ipfs/<cid>/, so a root-absolute URL
//     (/assets/x.js) points outside it, and an app that routes on
//     location.pathname sees /ipfs/<cid>/ as its path. There is no origin per
//     site, so _redirects is never read (boxo: hasOriginIsolation): a path
//     that is not a file is a 404.
//   - Subdomain gateway, https://<cid>.ipfs.gw/... (subdomain-gateway spec):
//     the site is at /, and for a path that is not a file, _redirects rules
//     apply (web-redirects-file spec). `/* /index.html 200` answers every
//     such path with index.html at the URL asked for, so a URL relative to the
//     page resolves against the deep link: at /pool/42, ./assets/x.js is
//     /pool/assets/x.js, which the same rule answers with index.html, and the
//     app does not start. One level down (/swap) it still resolves to /assets.
//   - ENS gateway, https://<name>.eth.limo/ (and serve's
//     http://<name>.eth.localhost/): one origin per name with the site at /;
//     eth.limo hands the request to a subdomain gateway (ethlimo/
//     dweb-proxy-api), so every rule of the subdomain style holds.
//
// 404.html is not a fallback on IPFS gateways: only a _redirects rule serves
// it. Links in the URL fragment (#/swap) never reach the gateway, which is why
// hash routing works on every style at every depth.

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// Gateway styles.
const (
	GatewaySubdomain = "subdomain" // https://<cid>.ipfs.gw/
	GatewayPath      = "path"      // https://gw/ipfs/<cid>/
	GatewayENS       = "ens"       // https://<name>.eth.limo/
)

// GatewayStyles are all the styles, in the order reports list them.
var GatewayStyles = []string{GatewaySubdomain, GatewayPath, GatewayENS}

var (
	pathOnly       = []string{GatewayPath}
	originGateways = []string{GatewaySubdomain, GatewayENS} // the site at /, _redirects read
)

// ParseGateways parses gateway style names ("subdomain", "path", "ens"),
// each of which may be a comma-separated list.
func ParseGateways(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		for _, s := range strings.Split(n, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(GatewayStyles, s) {
				return nil, fmt.Errorf("unknown gateway style %q (use subdomain, path or ens)", s)
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// Route styles: how an app maps its URL to what it shows.
const (
	RoutesNone = "none" // one page (or files only): no client-side routes
	RoutesHash = "hash" // routes in the fragment: /#/swap
	RoutesPath = "path" // routes in the path, through the history API: /swap
)

// Renders reports whether, by the findings, a page renders on the gateway
// style at a link of the given depth (0 the root; 1 /swap; 2 /pool/42).
func Renders(findings []Finding, style string, depth int) bool {
	for _, f := range findings {
		if f.Breaks == BreaksPage && f.Depth <= depth && slices.Contains(f.Gateways, style) {
			return false
		}
	}
	return true
}

// onlyTargets drops what concerns no targeted style and names only the
// targeted styles on the rest.
func onlyTargets(findings []Finding, targets []string) []Finding {
	var out []Finding
	for _, f := range findings {
		if len(f.Gateways) > 0 {
			var gws []string
			for _, g := range f.Gateways {
				if slices.Contains(targets, g) {
					gws = append(gws, g)
				}
			}
			if len(gws) == 0 {
				continue
			}
			f.Gateways = gws
		}
		out = append(out, f)
	}
	return out
}

// htmlDoc is what an HTML file at the root loads as a page.
type htmlDoc struct {
	refs []htmlRef // assets, resolved against the page (or its <base>)
	base string    // the <base href>, if any
}

type htmlRef struct {
	url  string
	line int
}

// Elements and the attributes that name what a page loads to render.
// <a href> and <form action> are links: they lead elsewhere.
var assetAttrs = map[string][]string{
	"script": {"src"}, "img": {"src", "srcset"}, "source": {"src", "srcset"},
	"video": {"src", "poster"}, "audio": {"src"}, "track": {"src"}, "iframe": {"src"},
	"embed": {"src"}, "object": {"data"}, "input": {"src"},
	"use": {"href", "xlink:href"}, "image": {"href", "xlink:href"},
}

// <link rel> values that load nothing the page needs.
var linkNotAsset = []string{"canonical", "alternate", "preconnect", "dns-prefetch", "me", "author", "license", "search", "next", "prev"}

// checkHTML looks at what a page loads (HTML tokenizer, so attributes are
// found however they are quoted or spread over lines) and its inline scripts.
func (l *linter) checkHTML(e *entry) error {
	buf, err := l.read(e, scanLimit)
	if err != nil {
		return err
	}
	doc := &htmlDoc{}
	z := html.NewTokenizer(bytes.NewReader(buf))
	line := 1
	inScript := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		at := line
		line += bytes.Count(raw, []byte("\n"))
		switch tt {
		case html.TextToken:
			if inScript {
				l.routes.add(e.path, raw)
			}
		case html.EndTagToken:
			inScript = false
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			inScript = tok.Data == "script" && tt == html.StartTagToken
			l.htmlTag(e, doc, tok, at)
		}
	}
	if !strings.Contains(e.path, "/") {
		l.docs[e.path] = doc
	}
	return nil
}

func (l *linter) htmlTag(e *entry, doc *htmlDoc, tok html.Token, line int) {
	attr := map[string]string{}
	for _, a := range tok.Attr {
		attr[strings.ToLower(a.Key)] = strings.TrimSpace(a.Val)
	}
	switch tok.Data {
	case "base":
		if h, ok := attr["href"]; ok {
			doc.base = h
			if rootAbsolute(h) {
				l.addGW("absolute-url", e.path, line, BreaksPage, 0, pathOnly, fmt.Sprintf(`<base href=%q> makes every relative URL of the page root-absolute: on a path gateway (/ipfs/<cid>/...) they point outside the site; publish for subdomain and ENS gateways only (--target subdomain,ens), or drop the <base> and route on the URL fragment`, h))
			}
		}
		return
	case "a", "area", "form":
		for _, k := range []string{"href", "action"} {
			if u := attr[k]; rootAbsolute(u) {
				l.addGW("absolute-link", e.path, line, BreaksLink, 0, pathOnly, fmt.Sprintf(`link to %s: on a path gateway it leaves the site for the gateway's own root; use a relative link (./ or ./page.html) or a fragment route (#/page)`, u))
			}
		}
		if tok.Data != "form" {
			l.addLink(e.path, doc, attr["href"], line)
		}
		return
	case "link":
		rel := strings.Fields(strings.ToLower(attr["rel"]))
		if slices.ContainsFunc(rel, func(r string) bool { return slices.Contains(linkNotAsset, r) }) {
			return
		}
		l.htmlAsset(e, doc, attr["href"], line)
		return
	}
	for _, k := range assetAttrs[tok.Data] {
		v := attr[k]
		if k == "srcset" {
			for _, c := range strings.Split(v, ",") {
				if f := strings.Fields(c); len(f) > 0 {
					l.htmlAsset(e, doc, f[0], line)
				}
			}
			continue
		}
		l.htmlAsset(e, doc, v, line)
	}
}

func (l *linter) htmlAsset(e *entry, doc *htmlDoc, u string, line int) {
	switch {
	case u == "" || strings.HasPrefix(u, "#") || strings.HasPrefix(u, "//") || hasScheme(u):
		return
	case rootAbsolute(u):
		l.addGW("absolute-url", e.path, line, BreaksPage, 0, pathOnly, fmt.Sprintf("root-absolute URL %s: on a path gateway (/ipfs/<cid>/...) it points outside the site; make it relative (Vite: base: './'), or publish for subdomain and ENS gateways only (--target subdomain,ens)", u))
	}
	doc.refs = append(doc.refs, htmlRef{url: u, line: line})
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`) // only on attribute values

func hasScheme(u string) bool { return schemeRE.MatchString(u) }

func rootAbsolute(u string) bool { return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") }

// absLiterals calls fn for each string literal of script (in any of
// JavaScript's three quotes) that holds a root-absolute path, such as
// "/icons.svg#x" or `/assets/a.png`, with the path (without its query or
// fragment) and the literal's offset. A hand-written scan: a regexp with
// groups runs at a few MB/s over minified bundles, this at memchr speed.
func absLiterals(script []byte, fn func(p string, at int)) {
	for _, q := range []byte{'"', '\'', '`'} {
		needle := []byte{q, '/'}
		for i := 0; ; {
			j := bytes.Index(script[i:], needle)
			if j < 0 {
				break
			}
			at := i + j
			i = at + 2
			end := at + 2
			for end < len(script) && isPathByte(script[end]) {
				end++
			}
			if end == at+2 || script[at+2] == '/' { // "/" alone, or "//host"
				continue
			}
			p := string(script[at+2 : end])
			if end < len(script) && (script[end] == '?' || script[end] == '#') {
				for end < len(script) && script[end] != q && !isSpaceOrBackslash(script[end]) && script[end] != '"' && script[end] != '\'' && script[end] != '`' {
					end++
				}
			}
			if end < len(script) && script[end] == q {
				fn(p, at)
			}
		}
	}
}

func isPathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._~%@+-/", c) >= 0
}

func isSpaceOrBackslash(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\\'
}

// checkScript looks in a script bundle for root-absolute URLs of the site's
// own files (a path gateway cannot serve them) and for how the app routes.
func (l *linter) checkScript(e *entry) error {
	buf, err := l.read(e, scriptLimit)
	if err != nil {
		return err
	}
	l.routes.add(e.path, buf)
	type hit struct{ line, n, at int }
	seen := map[string]*hit{}
	var order []string
	absLiterals(buf, func(p string, at int) {
		if !l.files[p] && !l.files[path.Join(p, "index.html")] {
			return
		}
		u := "/" + p
		h := seen[u]
		if h == nil {
			h = &hit{at: at}
			seen[u] = h
			order = append(order, u)
		}
		h.n++
		h.at = min(h.at, at)
	})
	for _, h := range seen {
		h.line = 1 + bytes.Count(buf[:h.at], []byte("\n"))
	}
	// The three quotes are scanned in turn: report in the order of the file.
	slices.SortStableFunc(order, func(a, b string) int { return seen[a].at - seen[b].at })
	if len(order) == 0 {
		return nil
	}
	urls := make([]string, len(order))
	for i, u := range order {
		urls[i] = u
		if n := seen[u].n; n > 1 {
			urls[i] += fmt.Sprintf(" (%d times)", n)
		}
	}
	first := order[0]
	l.addGW("absolute-url", e.path, seen[first].line, BreaksPage, 0, pathOnly, fmt.Sprintf("script uses root-absolute URLs of the site's files: %s. On a path gateway (/ipfs/<cid>/...) they point outside the site: import the files so the bundler writes their URLs (Vite: base: './'), or build them from the base (Vite: import.meta.env.BASE_URL + %q), or publish for subdomain and ENS gateways only (--target subdomain,ens)", strings.Join(urls, ", "), strings.TrimPrefix(first, "/")))
	return nil
}

// routeSignals is what the scripts show of how the app routes. Property
// names survive minification, so these shapes hold in built bundles: a hash
// router reads the fragment as its path (React Router's createHashHistory,
// Solid's and wouter's hash modes: location.hash.slice(1) and the like, or a
// hashchange listener); a path router pushes history entries and reads
// location.pathname (BrowserRouter, Vue's createWebHistory, ...).
type routeSignals struct {
	hash, push, pathname string // the first file showing each, and what
}

// Each signal is a literal to find and, for some, what must follow it. They
// are searched with bytes.Index, not a regexp, to keep the scan at memchr
// speed over large bundles.
var (
	hashSignals = []signal{
		{"location.hash.", []string{"substring(", "substr(", "slice(", "split(", "replace("}, "location."},
		{"addEventListener(\"hashchange\"", nil, "hashchange"}, {"addEventListener('hashchange'", nil, "hashchange"},
		{"addEventListener(`hashchange`", nil, "hashchange"}, {"onhashchange=", nil, "hashchange"}, {"onhashchange =", nil, "hashchange"},
	}
	pushSignals     = []signal{{".pushState(", nil, ""}}
	pathnameSignals = []signal{{"location.pathname", nil, "location."}}
)

type signal struct {
	lit  string
	next []string // one of these must follow lit; nil: anything
	// key, when set, is a part of lit that several signals share: a file
	// without it is searched for none of them. Most files have no router
	// code, and one search for "hashchange" instead of five keeps the lint
	// of a pack from costing more CPU than its hashing.
	key string
}

// keys remembers which keys one file holds.
type keys struct{ absent, present []string }

func (k *keys) in(b []byte, key string) bool {
	switch {
	case slices.Contains(k.present, key):
		return true
	case slices.Contains(k.absent, key):
		return false
	case bytes.Contains(b, []byte(key)):
		k.present = append(k.present, key)
		return true
	}
	k.absent = append(k.absent, key)
	return false
}

// find returns the first signal found in b, as it appears there.
func find(b []byte, signals []signal, k *keys) string {
	for _, sg := range signals {
		if sg.key != "" && !k.in(b, sg.key) {
			continue
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte(sg.lit))
			if j < 0 {
				break
			}
			at := i + j + len(sg.lit)
			i = at
			if sg.next == nil {
				return sg.lit
			}
			for _, n := range sg.next {
				if bytes.HasPrefix(b[at:], []byte(n)) {
					return sg.lit + n
				}
			}
		}
	}
	return ""
}

func (s *routeSignals) add(file string, b []byte) {
	var k keys
	see := func(dst *string, signals []signal) {
		if *dst == "" {
			if m := find(b, signals, &k); m != "" {
				*dst = file + ": " + m
			}
		}
	}
	see(&s.hash, hashSignals)
	see(&s.push, pushSignals)
	see(&s.pathname, pathnameSignals)
}

// style is the route style the signals show, and the evidence.
func (s *routeSignals) style() (string, string) {
	switch {
	case s.hash != "":
		return RoutesHash, s.hash
	case s.push != "" && s.pathname != "":
		file, _, _ := strings.Cut(s.push, ": ")
		if f, what, _ := strings.Cut(s.pathname, ": "); f == file {
			return RoutesPath, s.push + " and " + what
		}
		return RoutesPath, s.push + " and " + s.pathname
	}
	return RoutesNone, ""
}

// Probe paths for deep links one and two levels down (no site has them), and
// the deep links messages show for them.
var (
	deepProbes   = []string{"/dapp-publish-probe", "/dapp-publish-probe/deep"}
	deepExamples = []string{"/swap", "/pool/42"}
)

// checkRoutes adds what the route style breaks at deep links.
func (l *linter) checkRoutes(style, from string, multiPage bool) {
	if style != RoutesPath {
		return
	}
	seen := ""
	if from != "declared" {
		seen = " (" + from + ")"
	}
	l.addGW("path-routing", "", 0, BreaksPage, 0, pathOnly, "the app routes on the URL path"+seen+": on a path gateway it sees /ipfs/<cid>/ as its path, and deep links are 404s (path gateways do not read _redirects). Route on the URL fragment (#/swap: React Router's HashRouter, Vue Router's createWebHashHistory) to work there, or publish for subdomain and ENS gateways only (--target subdomain,ens)")
	for depth, probe := range deepProbes {
		doc, why := l.deepDocument(probe)
		if doc == nil && multiPage {
			// A multi-page export (Next.js output: 'export', Nuxt, Gatsby,
			// SvelteKit's static adapter): its routes are pages, each a file
			// opened at its own path (checkLinks checks the links to them).
			return
		}
		if doc == nil {
			l.addGW("spa-no-fallback", "_redirects", 0, BreaksPage, depth+1, originGateways, why+": the app's deep links (/swap) are 404s on subdomain and ENS gateways. Add `/* /index.html 200` to _redirects (a 404.html alone is not used by IPFS gateways), or route on the URL fragment (#/swap)")
			return
		}
		if broken := l.brokenAt(doc, probe); len(broken) > 0 {
			// Name a script if one breaks: without it the app does not start.
			i := max(0, slices.IndexFunc(broken, func(r htmlRef) bool { return strings.HasSuffix(r.url, ".js") || strings.HasSuffix(r.url, ".mjs") }))
			broken[0], broken[i] = broken[i], broken[0]
			more := ""
			if len(broken) > 1 {
				more = fmt.Sprintf(" (and %d more)", len(broken)-1)
			}
			l.addGW("deep-link-relative", "index.html", broken[0].line, BreaksPage, depth+1, originGateways, fmt.Sprintf("the page loads %s%s relative to its own URL: at a deep link %d level(s) down (%s) that is %s, which is not a file, so the _redirects fallback answers it with a page and the app does not start. Relative asset URLs and a path fallback cannot both serve deep links: route on the URL fragment (#/pool/42, works on every gateway), or load assets from the root (Vite: base: '/', or <base href=\"/\">) and publish for subdomain and ENS gateways only (--target subdomain,ens)",
				broken[0].url, more, depth+1, deepExamples[depth], resolveAt(doc, broken[0].url, deepExamples[depth])))
			return
		}
	}
}

// deepDocument is the page a subdomain gateway serves at a path that is not a
// file, by the site's _redirects (boxo applies the first matching rule), or
// nil and why not.
func (l *linter) deepDocument(probe string) (*htmlDoc, string) {
	for _, r := range l.redirects {
		if !r.MatchAndExpandPlaceholders(probe) { // r is a copy: To is expanded in it alone
			continue
		}
		target := strings.TrimPrefix(r.To, "/")
		switch {
		case r.Status == 200 || r.Status == 404:
			if !l.files[target] {
				return nil, fmt.Sprintf("_redirects sends %s to %s, which is not a file of the site", r.From, r.To)
			}
			if doc := l.docs[target]; doc != nil {
				return doc, ""
			}
			return &htmlDoc{}, ""
		default:
			return nil, fmt.Sprintf("_redirects redirects %s to %s (status %d), so the deep link's route is lost", r.From, r.To, r.Status)
		}
	}
	if l.files["404.html"] {
		return nil, "no _redirects rule serves the app at a path that is not a file (404.html is served only through such a rule)"
	}
	return nil, "no _redirects rule serves the app at a path that is not a file"
}

// brokenAt lists what the page loads that is not a file of the site when
// the page is served at the deep path probe.
func (l *linter) brokenAt(doc *htmlDoc, probe string) []htmlRef {
	var broken []htmlRef
	for _, ref := range doc.refs {
		p := resolveAt(doc, ref.url, probe)
		if p == "" {
			continue
		}
		rel := strings.TrimPrefix(p, "/")
		if !l.files[rel] && !l.files[path.Join(rel, "index.html")] {
			broken = append(broken, ref)
		}
	}
	return broken
}

// resolveAt resolves u as a browser does on a page at path at (through the
// page's <base>), and returns the path it asks for ("" for another host).
func resolveAt(doc *htmlDoc, u, at string) string {
	page, err := url.Parse("http://site" + at)
	if err != nil {
		return ""
	}
	if doc.base != "" {
		if b, err := url.Parse(doc.base); err == nil {
			page = page.ResolveReference(b)
		}
	}
	ref, err := url.Parse(u)
	if err != nil {
		return ""
	}
	res := page.ResolveReference(ref)
	if res.Host != "site" {
		return ""
	}
	return res.Path
}
