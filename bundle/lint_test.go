package bundle_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/bundle"
)

func TestLint(t *testing.T) {
	index := `<!doctype html><script type="module" src="./assets/app.js"></script>`
	absIndex := `<!doctype html><script type="module" src="/assets/app.js"></script>`
	pathRouter := "function go(u){history.pushState({},``,u);render(location.pathname)}"
	hashRouter := "function r(){return window.location.hash.slice(1)||`/`}"
	fallback := "/* /index.html 200\n"
	tests := []struct {
		name  string
		files map[string]string
		opts  bundle.Options
		lo    bundle.LintOptions
		want  []string // codes, sorted
	}{
		{"clean site", map[string]string{"index.html": index, "404.html": "nf", "assets/app.js": "x"}, bundle.Options{}, bundle.LintOptions{}, nil},
		{"no index", map[string]string{"app.html": "x"}, bundle.Options{}, bundle.LintOptions{}, []string{"no-index"}},
		{"absolute URLs", map[string]string{
			"index.html":     "<html>\n<link href=\"/assets/app.css\">\n<a href=\"//cdn.example/x\">ok</a><link rel=canonical href=\"/x\">",
			"assets/app.css": "body { background: url(/img/bg.png) }"}, bundle.Options{}, bundle.LintOptions{},
			[]string{"absolute-url", "absolute-url"}},
		{"absolute link", map[string]string{"index.html": `<a href="/about">about</a>`, "about/index.html": "a"}, bundle.Options{}, bundle.LintOptions{}, []string{"absolute-link"}},
		// Multi-page sites: gateways serve files and folders' index.html, never
		// a path with ".html" added.
		{"links to pages written as .html (Next.js export without trailingSlash)", map[string]string{
			"index.html": `<a href="/about">a</a><a href="/about">again</a><a href="docs/intro?x=1#top">b</a>`, "about.html": "a", "docs/intro.html": "i"},
			bundle.Options{}, bundle.LintOptions{}, []string{"absolute-link", "absolute-link", "extensionless-link", "extensionless-link"}},
		{"links to pages as folders (trailingSlash: true)", map[string]string{
			"index.html": `<a href="about/">a</a><a href="about">b</a><a href="./docs/intro/#x">c</a>`, "about/index.html": "a", "docs/intro/index.html": "i"},
			bundle.Options{}, bundle.LintOptions{}, nil},
		{"links three levels down count as two or more", map[string]string{"index.html": `<a href="a/b/c">c</a>`, "a/b/c.html": "c"},
			bundle.Options{}, bundle.LintOptions{}, []string{"extensionless-link"}},
		{"links between nested pages", map[string]string{
			"index.html": "x", "docs/a.html": `<a href="../about">up</a><a href="b.html">b</a>`, "about.html": "a", "docs/b.html": "b"},
			bundle.Options{}, bundle.LintOptions{}, []string{"extensionless-link"}},
		{"links through <base href>", map[string]string{
			"index.html": "x", "docs/a.html": `<base href="../"><a href="about">up</a>`, "about/index.html": "a"}, // without the <base>: /docs/about, nothing
			bundle.Options{}, bundle.LintOptions{}, nil},
		{"links a _redirects rule answers", map[string]string{
			"index.html": `<a href="about">a</a><a href="old/page">b</a>`, "about.html": "a", "_redirects": "/about /about.html 200\n/old/* /index.html 301\n"},
			bundle.Options{}, bundle.LintOptions{}, nil},
		{"links elsewhere", map[string]string{
			"index.html": `<a href="#top">a</a><a href="?q=1">b</a><a href="mailto:a@b.example">c</a><a href="https://x.example/about">d</a><a href="//cdn.example/a">e</a><a>f</a><form action="search"></form>`},
			bundle.Options{}, bundle.LintOptions{}, nil},
		{"a link to nothing", map[string]string{"index.html": `<a href="missing.html">a</a><a href="./missing.html">again</a>`},
			bundle.Options{}, bundle.LintOptions{}, []string{"broken-link"}},
		{"a path-routed app's links are its routes", map[string]string{"index.html": index + `<a href="swap">s</a>`, "assets/app.js": pathRouter},
			bundle.Options{}, bundle.LintOptions{}, []string{"path-routing", "spa-no-fallback"}},
		{"a path-routed app with a page nothing links to is still a single-page app", map[string]string{"index.html": index, "privacy.html": "p", "assets/app.js": pathRouter},
			bundle.Options{}, bundle.LintOptions{}, []string{"path-routing", "spa-no-fallback"}},
		// Next.js, Nuxt, Gatsby, SvelteKit exports: a client router on the path,
		// and every route a page of its own that the pages link to.
		{"a path-routed export's routes are its pages", map[string]string{"index.html": index + `<a href="about/">a</a>`, "about/index.html": index, "assets/app.js": pathRouter},
			bundle.Options{}, bundle.LintOptions{}, []string{"path-routing"}},
		{"a path-routed export's links are checked", map[string]string{"index.html": index + `<a href="about/">a</a><a href="gone/">g</a><a href="docs">d</a>`, "about/index.html": index, "docs.html": "d", "assets/app.js": pathRouter},
			bundle.Options{}, bundle.LintOptions{}, []string{"broken-link", "extensionless-link", "path-routing"}},
		{"a stock app with absolute URLs, for subdomain and ENS gateways", map[string]string{"index.html": absIndex, "assets/app.js": "x"}, bundle.Options{},
			bundle.LintOptions{Targets: []string{bundle.GatewaySubdomain, bundle.GatewayENS}}, nil},
		{"path routes without fallback", map[string]string{"index.html": index, "assets/app.js": pathRouter}, bundle.Options{}, bundle.LintOptions{},
			[]string{"path-routing", "spa-no-fallback"}},
		{"path routes: 404.html is no fallback", map[string]string{"index.html": index, "404.html": "nf", "assets/app.js": pathRouter}, bundle.Options{}, bundle.LintOptions{},
			[]string{"path-routing", "spa-no-fallback"}},
		{"path routes: a redirect loses the route", map[string]string{"index.html": index, "_redirects": "/* / 302\n", "assets/app.js": pathRouter}, bundle.Options{}, bundle.LintOptions{},
			[]string{"path-routing", "spa-no-fallback"}},
		{"path routes: fallback and relative assets", map[string]string{"index.html": index, "_redirects": fallback, "assets/app.js": pathRouter}, bundle.Options{}, bundle.LintOptions{},
			[]string{"deep-link-relative", "path-routing"}},
		{"path routes: fallback and absolute assets", map[string]string{"index.html": absIndex, "_redirects": fallback, "assets/app.js": pathRouter}, bundle.Options{}, bundle.LintOptions{},
			[]string{"absolute-url", "path-routing"}},
		{"path routes: fallback and <base href=/>", map[string]string{"index.html": `<base href="/">` + index, "_redirects": fallback, "assets/app.js": pathRouter}, bundle.Options{}, bundle.LintOptions{},
			[]string{"absolute-url", "path-routing"}},
		{"path routes for subdomain and ENS gateways only", map[string]string{"index.html": absIndex, "_redirects": fallback, "assets/app.js": pathRouter}, bundle.Options{},
			bundle.LintOptions{Targets: []string{bundle.GatewaySubdomain, bundle.GatewayENS}}, nil},
		{"path routes declared", map[string]string{"index.html": index, "assets/app.js": "x"}, bundle.Options{}, bundle.LintOptions{Routes: bundle.RoutesPath},
			[]string{"path-routing", "spa-no-fallback"}},
		{"hash routes need nothing", map[string]string{"index.html": index, "assets/app.js": hashRouter + pathRouter}, bundle.Options{}, bundle.LintOptions{}, nil},
		{"hash routes from a hashchange listener", map[string]string{"index.html": index, "assets/app.js": "window.addEventListener('hashchange',r);" + pathRouter}, bundle.Options{}, bundle.LintOptions{}, nil},
		{"hash routes from onhashchange", map[string]string{"index.html": index, "assets/app.js": "window.onhashchange = r;" + pathRouter}, bundle.Options{}, bundle.LintOptions{}, nil},
		{"hash routes in an inline script", map[string]string{"index.html": "<script>" + hashRouter + pathRouter + "</script>"}, bundle.Options{}, bundle.LintOptions{}, nil},
		{"script literals", map[string]string{"index.html": index, "icons.svg": "<svg/>", "img/a.png": "p", "assets/app.js": strings.Join([]string{
			"h(`use`,{href:`/icons.svg#x`})", `h("use",{href:"/icons.svg#y"})`, // a file of the site, twice
			`f("/api/v1/users")`, `route("/pool/:id")`, `"/icons.svg'`, `"//cdn.example/icons.svg"`, `"/missing.png"`, // not URLs of its files
			`img.src='/img/a.png?v=1'`}, ";")}, bundle.Options{}, bundle.LintOptions{},
			[]string{"absolute-url"}},
		{"bad _redirects", map[string]string{"index.html": "x", "_redirects": "# ok\n/a /b 301\nnot-a-path /b\n/c\n/d /e 999\n"}, bundle.Options{}, bundle.LintOptions{},
			[]string{"redirects-syntax", "redirects-syntax", "redirects-syntax"}},
		{"_redirects too large", map[string]string{"index.html": "x", "_redirects": strings.Repeat("/a /b 301\n", 7000)}, bundle.Options{}, bundle.LintOptions{}, []string{"redirects-too-large"}},
		{"_redirects not at root", map[string]string{"index.html": "x", "docs/_redirects": "/a /b"}, bundle.Options{}, bundle.LintOptions{}, []string{"redirects-not-root"}},
		{"leaks when hidden files are included", map[string]string{
			"index.html": "x", ".env": "KEY=1", ".git/config": "[core]", "assets/app.js.map": "{}",
			"deploy.pem": "x", "config.json": "{\"k\": \"-----BEGIN PRIVATE KEY-----\"}"},
			bundle.Options{IncludeHidden: true}, bundle.LintOptions{},
			[]string{"leak-env", "leak-git", "leak-key", "leak-private-key", "source-map"}},
		{"hidden leaks are not packed by default", map[string]string{"index.html": "x", ".env": "KEY=1", ".git/config": "x"}, bundle.Options{}, bundle.LintOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			r, err := bundle.Lint(os.DirFS(dir), tt.opts, tt.lo)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.Code)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("codes %v, want %v\n%v", got, tt.want, r.Findings)
			}
		})
	}
}

// TestLintRenders checks what the findings predict per gateway style and
// depth of deep link (the browser test checks the same against Chromium).
func TestLintRenders(t *testing.T) {
	pathRouter := "history.pushState({},'',u);location.pathname"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  map[string][3]bool // style: renders at the root, /swap, /pool/42
	}{
		{"relative, path routes, fallback", map[string]string{"index.html": `<script src="./a.js"></script>`, "a.js": pathRouter, "_redirects": "/* /index.html 200"},
			map[string][3]bool{"subdomain": {true, true, false}, "ens": {true, true, false}, "path": {false, false, false}}},
		{"absolute, path routes, fallback", map[string]string{"index.html": `<script src="/a.js"></script>`, "a.js": pathRouter, "_redirects": "/* /index.html 200"},
			map[string][3]bool{"subdomain": {true, true, true}, "ens": {true, true, true}, "path": {false, false, false}}},
		{"relative, path routes, no fallback", map[string]string{"index.html": `<script src="./a.js"></script>`, "a.js": pathRouter},
			map[string][3]bool{"subdomain": {true, false, false}, "ens": {true, false, false}, "path": {false, false, false}}},
		{"multi-page, pages written as .html", map[string]string{"index.html": `<a href="about">a</a><a href="docs/intro">b</a>`, "about.html": "a", "docs/intro.html": "b"},
			map[string][3]bool{"subdomain": {true, false, false}, "ens": {true, false, false}, "path": {true, false, false}}},
		{"multi-page, pages written as .html, linked two levels down", map[string]string{"index.html": `<a href="docs/intro">b</a>`, "docs/intro.html": "b"},
			map[string][3]bool{"subdomain": {true, true, false}, "ens": {true, true, false}, "path": {true, true, false}}},
		{"multi-page, path router, pages as folders", map[string]string{"index.html": `<script src="./a.js"></script><a href="about/">a</a>`, "about/index.html": "a", "a.js": pathRouter},
			map[string][3]bool{"subdomain": {true, true, true}, "ens": {true, true, true}, "path": {false, false, false}}},
		{"multi-page, pages as folders", map[string]string{"index.html": `<a href="about/">a</a>`, "about/index.html": "a"},
			map[string][3]bool{"subdomain": {true, true, true}, "ens": {true, true, true}, "path": {true, true, true}}},
		{"relative, hash routes", map[string]string{"index.html": `<script src="./a.js"></script>`, "a.js": "location.hash.slice(1)"},
			map[string][3]bool{"subdomain": {true, true, true}, "ens": {true, true, true}, "path": {true, true, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			r, err := bundle.Lint(os.DirFS(dir), bundle.Options{}, bundle.LintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for style, want := range tc.want {
				for depth, w := range want {
					if got := bundle.Renders(r.Findings, style, depth); got != w {
						t.Errorf("%s at depth %d: renders %v, want %v (%v)", style, depth, got, w, r.Findings)
					}
				}
			}
		})
	}
}

func TestParseGateways(t *testing.T) {
	got, err := bundle.ParseGateways([]string{"subdomain,ens", "ens", " path"})
	if err != nil || strings.Join(got, ",") != "subdomain,ens,path" {
		t.Fatalf("%v, %v", got, err)
	}
	if _, err := bundle.ParseGateways([]string{"subdomain,dnslink"}); err == nil || !strings.Contains(err.Error(), "dnslink") {
		t.Fatalf("an unknown style: %v", err)
	}
}

func TestLintLineNumbers(t *testing.T) {
	key := "-----BEGIN PRIVATE KEY-----"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // path:line of each finding, in order
	}{
		{"third line", map[string]string{"index.html": "<html>\n<body>\n<img src=\"/logo.png\">"}, []string{"index.html:3"}},
		{"first line, CRLF, two hits", map[string]string{"a.html": "<img src=\"/a.png\">\r\n<p>'/x' is fine</p>\r\n<a href='/b'>b</a>\r\n"}, []string{"a.html:1", "a.html:3"}},
		{"attribute over lines", map[string]string{"e.html": "<p>\n<img\n  alt=\"x\"\n  src=/e.png>"}, []string{"e.html:2"}},
		{"script", map[string]string{"s.js": "a()\nb(`/logo.png`)\n", "logo.png": "p"}, []string{"s.js:2"}},
		{"two needles on one line", map[string]string{"b.html": "x\n<a href='//cdn.example/x' title=\"/\"></a><img src=\"/c.png\">\n"}, []string{"b.html:2"}},
		{"protocol-relative only", map[string]string{"c.html": "<script src=\"//cdn.example/x.js\"></script>\n"}, nil},
		{"css", map[string]string{"s.css": "a{}\n\nb{background:url(/bg.png)}\nc{background:url(img/ok.png)}\n"}, []string{"s.css:3"}},
		{"key", map[string]string{"conf.json": "{\n\"k\": \"" + key + "\"\n}"}, []string{"conf.json:2"}},
		{"no trailing newline", map[string]string{"d.html": "<img src=\"/d.png\">"}, []string{"d.html:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.files["404.html"] = "x"
			if _, ok := tc.files["index.html"]; !ok {
				tc.files["index.html"] = "<p>home</p>"
			}
			writeFiles(t, dir, tc.files)
			r, err := bundle.Lint(os.DirFS(dir), bundle.Options{}, bundle.LintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			findings := r.Findings
			var got []string
			for _, f := range findings {
				if f.Code == "absolute-url" || f.Code == "absolute-link" || f.Code == "leak-private-key" {
					got = append(got, fmt.Sprintf("%s:%d", f.Path, f.Line))
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("findings at %v, want %v (%+v)", got, tc.want, findings)
			}
		})
	}
}

func TestDiffExplains(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeFiles(t, a, map[string]string{"index.html": "v1", "old.js": "o", "same.css": "s"})
	writeFiles(t, b, map[string]string{"index.html": "v2", "new.js": "n", "same.css": "s"})
	ba, _ := pack(t, os.DirFS(a), bundle.Options{FileHashes: true}, true)
	bb, _ := pack(t, os.DirFS(b), bundle.Options{FileHashes: true}, true)
	d := bundle.Compare(bundle.ListingFromManifest("a", ba.Manifest), bundle.ListingFromManifest("b", bb.Manifest))
	if d.Equal() || strings.Join(d.OnlyA, ",") != "old.js" || strings.Join(d.OnlyB, ",") != "new.js" || len(d.Changed) != 1 || d.Changed[0].Path != "index.html" {
		t.Fatalf("diff %+v", d)
	}
	// Same folder, two profiles: every file has the same bytes and another CID.
	b0, _ := pack(t, os.DirFS(a), bundle.Options{Profile: bundle.ProfileV0_2015, FileHashes: true}, true)
	d = bundle.Compare(bundle.ListingFromManifest("v1", ba.Manifest), bundle.ListingFromManifest("v0", b0.Manifest))
	if d.Equal() || len(d.SameBytes) != 3 || len(d.Changed) != 0 || len(d.Explanation) != 1 || !strings.Contains(d.Explanation[0], "different CID profiles") {
		t.Fatalf("profile diff %+v", d)
	}
}

// TestLintWhilePacking runs LintTree and PackTree on one walked tree at the
// same time, as the pack command does (go test -race checks they share it
// safely), and checks both see the same site.
func TestLintWhilePacking(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"index.html": "<img src=\"/logo.png\">", "big.bin": string(pattern(3<<20, 1))}
	for i := range 200 {
		files[fmt.Sprintf("assets/d%d/f%03d.css", i%7, i)] = fmt.Sprintf("a{background:url(/x%d.png)}", i)
	}
	writeFiles(t, dir, files)
	tree, err := bundle.Walk(os.DirFS(dir), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var report *bundle.LintReport
	var lerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		report, lerr = bundle.LintTree(tree, bundle.LintOptions{})
	}()
	b, err := bundle.PackTree(context.Background(), tree, bundle.Options{CAR: io.Discard})
	<-done
	if err != nil || lerr != nil {
		t.Fatalf("pack: %v, lint: %v", err, lerr)
	}
	if b.Files != len(files) {
		t.Fatalf("packed %d files, want %d", b.Files, len(files))
	}
	abs := 0
	for _, f := range report.Findings {
		if f.Code == "absolute-url" {
			abs++
		}
	}
	if abs != 201 {
		t.Fatalf("%d absolute-url findings, want 201", abs)
	}
	if _, err := bundle.PackTree(context.Background(), tree, bundle.Options{}); err == nil {
		t.Fatal("a tree was packed twice")
	}
}

// TestLintScriptURLs checks which string literals of a script count as URLs
// of the site: only root-absolute ones naming its files, in any quotes.
func TestLintScriptURLs(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"index.html": "x", "icons.svg": "<svg/>", "img/a.png": "p", "docs/index.html": "d",
		"assets/app.js": strings.Join([]string{
			"h(`use`,{href:`/icons.svg#x`})", `h("use",{href:"/icons.svg#y"})`, `img.src='/img/a.png?v=1'`, `open("/docs/")`,
			`f("/api/v1/users")`, `route("/pool/:id")`, `"/icons.svg'`, `"//cdn.example/icons.svg"`, `"/missing.png"`, `"/ img/a.png"`,
		}, ";\n"),
	})
	r, err := bundle.Lint(os.DirFS(dir), bundle.Options{}, bundle.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Line != 1 {
		t.Fatalf("findings %+v", r.Findings)
	}
	if want := "URLs of the site's files: /icons.svg (2 times), /img/a.png, /docs/."; !strings.Contains(r.Findings[0].Message, want) {
		t.Fatalf("message %q, want it to list %q", r.Findings[0].Message, want)
	}
}

// FuzzLint runs the lint over hostile pages, scripts and _redirects files:
// it must neither fail nor panic, and its findings must be consistent.
func FuzzLint(f *testing.F) {
	f.Add(`<base href="/"><script type=module src="./a.js"></script><img srcset="/x.png 1x, y.png 2x">`, "history.pushState(0,``,u);location.pathname;`/i.svg#x`", "/* /index.html 200")
	f.Add(`<a href="/b">`, "location.hash.slice(1)", "/a/:id /b/:id 301\n/* /#/:splat 302")
	f.Add("<script>location.hash.replace(</script", "'/i.svg\"", "/* /missing.html 404")
	f.Add(`<base href="d/"><a href="e/f">f</a><a href="/about?x#y">a</a><a href="../../..//x">x</a><area href="i.svg">`, "", "/about /about.html 200")
	f.Fuzz(func(t *testing.T, page, script, rules string) {
		fsys := fstest.MapFS{
			"index.html": {Data: []byte(page)}, "a.js": {Data: []byte(script)},
			"_redirects": {Data: []byte(rules)}, "i.svg": {Data: []byte("<svg/>")}, "x.png": {Data: []byte("p")},
			"about.html": {Data: []byte("a")}, "d/e/f.html": {Data: []byte("f")},
		}
		r, err := bundle.Lint(fsys, bundle.Options{}, bundle.LintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range r.Findings {
			if len(fd.Gateways) > 0 && fd.Breaks == "" || fd.Depth < 0 || fd.Depth > 2 {
				t.Fatalf("inconsistent finding %+v", fd)
			}
		}
	})
}

// BenchmarkLintScripts measures the lint over script bundles, which it now
// reads whole: 8 MiB of minified code with string literals, some of them
// root-absolute paths, most not naming a file of the site.
func BenchmarkLintScripts(b *testing.B) {
	chunk := "function a(e){return e.pushState?`/api/v1/x`:\"/icons.svg#i\"+location.pathname}var b={href:'/assets/a.png',c:`text ${1}`};"
	js := strings.Repeat(chunk, (8<<20)/len(chunk))
	fsys := fstest.MapFS{"index.html": {Data: []byte(`<script src="./app.js"></script>`)}, "app.js": {Data: []byte(js)}, "icons.svg": {Data: []byte("<svg/>")}}
	b.SetBytes(int64(len(js)))
	for b.Loop() {
		if _, err := bundle.Lint(fsys, bundle.Options{}, bundle.LintOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
