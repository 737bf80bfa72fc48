package bundle_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
)

func TestLint(t *testing.T) {
	index := `<!doctype html><script type="module" src="./assets/app.js"></script>`
	tests := []struct {
		name  string
		files map[string]string
		opts  bundle.Options
		want  []string // codes, sorted
	}{
		{"clean site", map[string]string{"index.html": index, "404.html": "nf", "assets/app.js": "x"}, bundle.Options{}, nil},
		{"no index", map[string]string{"app.html": "x"}, bundle.Options{}, []string{"no-index"}},
		{"absolute URLs", map[string]string{
			"index.html":     "<html>\n<link href=\"/assets/app.css\">\n<a href=\"//cdn.example/x\">ok</a>",
			"assets/app.css": "body { background: url(/img/bg.png) }", "404.html": "x"}, bundle.Options{},
			[]string{"absolute-url", "absolute-url"}},
		{"spa without fallback", map[string]string{"index.html": index}, bundle.Options{}, []string{"spa-no-fallback"}},
		{"spa with _redirects", map[string]string{"index.html": index, "_redirects": "/* /index.html 200\n"}, bundle.Options{}, nil},
		{"bad _redirects", map[string]string{"index.html": "x", "_redirects": "# ok\n/a /b 301\nnot-a-path /b\n/c\n/d /e 999\n"}, bundle.Options{},
			[]string{"redirects-syntax", "redirects-syntax", "redirects-syntax"}},
		{"_redirects too large", map[string]string{"index.html": "x", "_redirects": strings.Repeat("/a /b 301\n", 7000)}, bundle.Options{}, []string{"redirects-too-large"}},
		{"_redirects not at root", map[string]string{"index.html": "x", "docs/_redirects": "/a /b"}, bundle.Options{}, []string{"redirects-not-root"}},
		{"leaks when hidden files are included", map[string]string{
			"index.html": "x", ".env": "KEY=1", ".git/config": "[core]", "assets/app.js.map": "{}",
			"deploy.pem": "x", "config.json": "{\"k\": \"-----BEGIN PRIVATE KEY-----\"}"},
			bundle.Options{IncludeHidden: true},
			[]string{"leak-env", "leak-git", "leak-key", "leak-private-key", "source-map"}},
		{"hidden leaks are not packed by default", map[string]string{"index.html": "x", ".env": "KEY=1", ".git/config": "x"}, bundle.Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			findings, err := bundle.Lint(os.DirFS(dir), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range findings {
				got = append(got, f.Code)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("codes %v, want %v\n%v", got, tt.want, findings)
			}
		})
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
			findings, err := bundle.Lint(os.DirFS(dir), bundle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range findings {
				if f.Code == "absolute-url" || f.Code == "leak-private-key" {
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
	var findings []bundle.Finding
	var lerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		findings, lerr = bundle.LintTree(tree)
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
	for _, f := range findings {
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
