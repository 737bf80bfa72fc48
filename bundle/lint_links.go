package bundle

import (
	"fmt"
	"path"
	"strings"
)

// Links between the pages of a multi-page site (a static export: Next.js
// `output: 'export'`, Astro, Hugo, ...). An IPFS gateway serves a path that
// is a file, or a folder with an index.html (a folder without its trailing
// slash is first redirected to it), or what a _redirects rule says; it never
// adds ".html" (boxo's gateway; checked against Kubo's and serve's in the
// browser test). So an export that writes about.html while its pages link to
// /about (Next.js without trailingSlash) renders at the root, but /about is a
// 404 when it is opened, shared or reloaded, on every gateway style.

// pageLink is an <a href> or <area href> of one of the site's HTML files.
type pageLink struct {
	page string   // the file it is in
	doc  *htmlDoc // that file's <base> (set before its links, in <head>)
	url  string
	line int
}

// maxLinkTargets bounds how many distinct link targets are checked (each is
// a few map lookups; a site has far fewer).
const maxLinkTargets = 100_000

// checkLinks reports the site's own links that no gateway can serve: to a
// page that exists only with ".html" added (extensionless-link, on every
// style, at the link's depth), or to nothing at all (broken-link). The
// links of a single-page app that routes on the URL path are its routes,
// left to checkRoutes.
func (l *linter) checkLinks(routes string, multiPage bool) {
	for _, target := range l.linkOrder {
		pl := l.linkTargets[target]
		if l.serves(target) {
			continue
		}
		p := pagePath(target)
		if p != "" && l.files[p+".html"] {
			depth := min(strings.Count(p, "/")+1, 2) // 2: two or more levels down
			l.addGW("extensionless-link", pl.page, pl.line, BreaksPage, depth, GatewayStyles, fmt.Sprintf(
				"link to %s: the page is %s, and no gateway adds .html, so %s is a 404 when it is opened, shared or reloaded. "+
					"Write each page as a folder with an index.html (Next.js: trailingSlash: true in next.config), or add `/%s /%s.html 200` to _redirects (subdomain and ENS gateways only)",
				pl.url, p+".html", target, p, p))
			continue
		}
		if routes != RoutesPath || multiPage {
			l.addGW("broken-link", pl.page, pl.line, BreaksLink, 0, GatewayStyles, fmt.Sprintf("link to %s: no file of the site is there, so it is a 404 on every gateway", pl.url))
		}
	}
}

// multiPage reports whether the site is a multi-page export: its pages
// link to pages of their own (a folder's index.html, or an HTML file, with
// or without its ".html") besides the root's index.html and 404.html. A
// single-page app's index.html links to no such page: its links are drawn
// by its scripts.
func (l *linter) multiPage() bool {
	for _, target := range l.linkOrder {
		p := pagePath(target)
		if p == "" || p == "index.html" || p == "404.html" {
			continue
		}
		ext := strings.ToLower(path.Ext(p))
		if l.files[p+"/index.html"] || l.files[p+".html"] || (l.files[p] && (ext == ".html" || ext == ".htm")) {
			return true
		}
	}
	return false
}

// linkTarget is the path a link asks the site for, resolved against its
// page as served at its own path (and the page's <base>), without query or
// fragment; false for links elsewhere (another host, a scheme such as
// mailto:, a fragment of the same page).
func linkTarget(pl pageLink) (string, bool) {
	u := pl.url
	if u == "" || strings.HasPrefix(u, "#") || strings.HasPrefix(u, "//") || hasScheme(u) {
		return "", false
	}
	p := resolveAt(pl.doc, u, "/"+pl.page)
	if p == "" {
		return "", false
	}
	return p, true
}

// serves reports whether a gateway answers target (a URL path) with
// something of the site: a file, a folder's index.html, or a _redirects rule
// (whatever it does, the link was meant).
func (l *linter) serves(target string) bool {
	p := strings.TrimPrefix(target, "/")
	switch {
	case p == "" || strings.HasSuffix(p, "/"):
		if l.files[path.Join(p, "index.html")] {
			return true
		}
	case l.files[p] || l.files[path.Join(p, "index.html")]:
		return true
	}
	for _, r := range l.redirects {
		if r.MatchAndExpandPlaceholders(target) { // r is a copy
			return true
		}
	}
	return false
}

// addLink records the first link to each target for checkLinks (run once
// every file and the _redirects rules are known): a site's links repeat, and
// at most maxLinkTargets targets are kept, so memory stays bounded.
func (l *linter) addLink(page string, doc *htmlDoc, u string, line int) {
	pl := pageLink{page: page, doc: doc, url: u, line: line}
	target, ok := linkTarget(pl)
	if !ok || len(l.linkOrder) >= maxLinkTargets {
		return
	}
	if _, seen := l.linkTargets[target]; seen {
		return
	}
	if l.linkTargets == nil {
		l.linkTargets = map[string]pageLink{}
	}
	l.linkTargets[target] = pl
	l.linkOrder = append(l.linkOrder, target)
}

// pagePath is a link target as a path of the site: no leading or trailing
// slash ("" for the root).
func pagePath(target string) string {
	return strings.TrimSuffix(strings.TrimPrefix(target, "/"), "/")
}
