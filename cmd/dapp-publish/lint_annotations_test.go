package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// annotation is a ::warning line as the runner reads it.
type annotation struct {
	file  string
	line  int
	title string
	msg   string
}

var warningLine = regexp.MustCompile(`(?m)^::warning ([^:]*)::(.*)$`)

func annotations(t *testing.T, stderr string) []annotation {
	t.Helper()
	var out []annotation
	for _, m := range warningLine.FindAllStringSubmatch(stderr, -1) {
		var a annotation
		for _, kv := range strings.Split(m[1], ",") {
			k, v, _ := strings.Cut(kv, "=")
			v, _ = url.PathUnescape(v) // %3A, %2C, %25: the runner's escapes
			switch k {
			case "file":
				a.file = v
			case "line":
				a.line, _ = strconv.Atoi(v)
			case "title":
				a.title = v
			}
		}
		a.msg = m[2]
		if strings.HasPrefix(a.title, "dapp-publish lint") {
			out = append(out, a)
		}
	}
	return out
}

// TestLintAnnotationsPointAtRealFiles: in GitHub Actions, lint, pack and
// publish annotate each finding on the file as the repository names it
// (relative to $GITHUB_WORKSPACE, not to the site folder), with the line
// of the finding, from whatever folder they run in; a site outside the
// checkout gets no file= but its path in the message.
func TestLintAnnotationsPointAtRealFiles(t *testing.T) {
	ws := t.TempDir()
	site := filepath.Join(ws, "web", "dist")
	os.MkdirAll(filepath.Join(site, "assets"), 0o755)
	html := "<!doctype html>\n<html>\n<head>\n<title>t</title>\n<script type=\"module\" src=\"/assets/app.js\"></script>\n</head>\n<body></body>\n</html>\n"
	os.WriteFile(filepath.Join(site, "index.html"), []byte(html), 0o644)
	os.WriteFile(filepath.Join(site, "assets", "app.js"), []byte("console.log(1)\n"), 0o644)
	env := []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws}
	runs := []struct {
		cwd  string
		args []string
	}{
		{ws, []string{"lint", "web/dist"}},
		{ws, []string{"lint", "web/dist", "--json"}},
		{filepath.Join(ws, "web"), []string{"lint", "dist"}},
		{filepath.Join(ws, "web"), []string{"pack", "dist", "--only-hash", "--strict"}},
		{ws, []string{"publish", "web/dist", "--state-dir", t.TempDir()}},
	}
	for _, r := range runs {
		res := runBinaryOpts(t, r.cwd, time.Minute, env, r.args...)
		as := annotations(t, res.stderr)
		if len(as) == 0 {
			t.Errorf("%v: no lint annotation on stderr:\n%s", r.args, res.stderr)
			continue
		}
		if strings.Contains(res.stdout, "::warning") {
			t.Errorf("%v: an annotation on stdout", r.args)
		}
		found := false
		for _, a := range as {
			if a.file == "" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(ws, filepath.FromSlash(a.file)))
			if err != nil {
				t.Errorf("%v: annotation on %q, which is not a file of the repository: %v", r.args, a.file, err)
				continue
			}
			if a.file == "web/dist/index.html" && a.line > 0 {
				lines := strings.Split(string(data), "\n")
				if a.line > len(lines) || !strings.Contains(lines[a.line-1], "/assets/app.js") {
					t.Errorf("%v: line=%d of %s is not the finding's line", r.args, a.line, a.file)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("%v: no annotation on web/dist/index.html with its line: %+v", r.args, as)
		}
	}

	// A site outside the checkout: no file=, the path in the message.
	res := runBinaryOpts(t, ws, time.Minute, []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + filepath.Join(ws, "elsewhere")}, "lint", site)
	as := annotations(t, res.stderr)
	if len(as) == 0 {
		t.Fatalf("no annotation:\n%s", res.stderr)
	}
	for _, a := range as {
		if a.file != "" {
			t.Errorf("annotation on %q, outside the workspace", a.file)
		}
	}
	if !strings.Contains(as[0].msg, "index.html") {
		t.Errorf("the message does not name the file: %q", as[0].msg)
	}
}
