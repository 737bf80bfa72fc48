package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/browsertest"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
)

// browserBuild is a site the browser test loads: where its files are, how
// it routes, and what shows that it rendered at each of its links.
type browserBuild struct {
	name   string
	dir    string
	routes string // what lint must detect
	links  []browserLink
}

// browserLink is one URL of an app, relative to its root, at a route depth
// (0: the root; 1: /swap; 2: /pool/42, in the app's own route style).
type browserLink struct {
	path     string // "/", "/swap", "/#/swap", ...
	depth    int
	selector string // matches only when the app shows this route
}

// Links for each route style, with the element each route shows. The
// example site and the test apps mark their routes alike (data-route).
func routeLinks(style string) []browserLink {
	switch style {
	case "hash":
		return []browserLink{{"/", 0, `[data-route="home"]`}, {"/#/swap", 1, `[data-route="swap"]`}, {"/#/pool/42", 2, `[data-route="pool/42"]`}}
	case "path":
		return []browserLink{{"/", 0, `[data-route="home"]`}, {"/swap", 1, `[data-route="swap"]`}, {"/pool/42", 2, `[data-route="pool/42"]`}}
	}
	return []browserLink{{"/", 0, "#center h1"}} // the stock template: no routes
}

func browserBuilds(t *testing.T) []browserBuild {
	apps := testpeers.Path(t, "DAPP_PUBLISH_WEBAPPS") // scripts/build-webapps.sh
	example, err := filepath.Abs("../../templates/example-site")
	if err != nil {
		t.Fatal(err)
	}
	build := func(name, dir, routes string) browserBuild {
		return browserBuild{name, dir, routes, routeLinks(routes)}
	}
	// Multi-page static exports (testdata/sites): their links are pages of
	// their own, opened directly at one and two levels down.
	pages := func(name, routes string, links ...browserLink) browserBuild {
		dir, err := filepath.Abs(filepath.Join("testdata", "sites", name))
		if err != nil {
			t.Fatal(err)
		}
		return browserBuild{name, dir, routes, links}
	}
	home := browserLink{"/", 0, `[data-page="home"]`}
	return []browserBuild{
		build("example-site", example, bundle.RoutesHash),
		build("react-base-root", filepath.Join(apps, "react-base-root"), bundle.RoutesNone),
		build("react-base-relative", filepath.Join(apps, "react-base-relative"), bundle.RoutesNone),
		build("router-path-root", filepath.Join(apps, "router-path-root"), bundle.RoutesPath),
		build("router-path-relative", filepath.Join(apps, "router-path-relative"), bundle.RoutesPath),
		build("router-hash", filepath.Join(apps, "router-hash"), bundle.RoutesHash),
		// Next.js's static export without trailingSlash: about.html, linked as /about.
		pages("pages-html", bundle.RoutesNone, home, browserLink{"/about", 1, `[data-page="about"]`}, browserLink{"/docs/intro", 2, `[data-page="intro"]`}),
		// With trailingSlash: about/index.html (/about is redirected to /about/).
		pages("pages-folders", bundle.RoutesNone, home, browserLink{"/about", 1, `[data-page="about"]`}, browserLink{"/docs/intro/", 2, `[data-page="intro"]`}),
		// The same with a client router on the path, as an export hydrates: its
		// routes are its pages, so no _redirects fallback is needed.
		pages("pages-router", bundle.RoutesPath, home, browserLink{"/about", 1, `[data-page="about"]`}, browserLink{"/docs/intro/", 2, `[data-page="intro"]`}),
	}
}

// TestBrowserGateways serves real builds (the example site and Vite React
// apps built from the npm registry) through `dapp-publish serve` over their
// CAR (subdomain, path and ENS-name modes) and through a Kubo gateway
// (subdomain and path), loads every link of every app in headless Chromium,
// and checks that lint predicted exactly which ones render.
func TestBrowserGateways(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	browser := browsertest.Start(t)
	builds := browserBuilds(t)
	kubo := testpeers.StartKubo(t)
	a := testpeers.StartAnvil(t)
	e := testpeers.DeployENS(t, a)
	work := t.TempDir()

	kuboPort := strings.TrimPrefix(kubo.Gateway, "http://127.0.0.1:")
	type served struct {
		cid, name, port string
		lint            bundle.LintReport
	}
	sites := map[string]*served{}
	for _, b := range builds {
		s := &served{}
		runJSON(t, &s.lint, "dapp-publish", "lint", b.dir, "--json")
		if s.lint.Routes != b.routes {
			t.Errorf("%s: lint says the app's routes are %q (%s), want %q", b.name, s.lint.Routes, s.lint.RoutesFrom, b.routes)
		}
		car := filepath.Join(work, b.name+".car")
		var packed struct {
			CID string `json:"cid"`
		}
		runJSON(t, &packed, "dapp-publish", "pack", b.dir, "-o", car, "--json")
		kubo.MustRun(t, nil, "dag", "import", "--pin-roots=true", car)
		name := b.name + ".eth"
		e.Register(t, name, e.Resolver, a.Address(t, 1))
		content, err := ens.ParseContent("ipfs://" + packed.CID)
		if err != nil {
			t.Fatal(err)
		}
		a.Call(t, a.Key(t, 1), e.Resolver, e.ResolverABI, "setContenthash", ens.Namehash(name), content.Contenthash())
		s.port = startServe(t, "--car="+car, "--gateway="+kubo.Gateway, "--rpc="+a.URL, "--registry="+e.Registry.Hex())
		s.cid, s.name = packed.CID, name
		sites[b.name] = s
	}

	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "build\tgateway\tlink\tdepth\trenders\tlint\tagree\twhy not")
	for _, b := range builds {
		s := sites[b.name]
		gws := []struct {
			name, style string
			url         func(p string) string
		}{
			{"serve subdomain", bundle.GatewaySubdomain, func(p string) string { return "http://" + s.cid + ".ipfs.localhost:" + s.port + p }},
			{"serve path", bundle.GatewayPath, func(p string) string { return "http://127.0.0.1:" + s.port + "/ipfs/" + s.cid + p }},
			{"serve ens", bundle.GatewayENS, func(p string) string { return "http://" + s.name + ".localhost:" + s.port + p }},
			{"kubo subdomain", bundle.GatewaySubdomain, func(p string) string { return "http://" + s.cid + ".ipfs.localhost:" + kuboPort + p }},
			{"kubo path", bundle.GatewayPath, func(p string) string { return "http://127.0.0.1:" + kuboPort + "/ipfs/" + s.cid + p }},
		}
		for _, gw := range gws {
			for _, l := range b.links {
				p, err := browser.Load(gw.url(l.path), l.selector)
				if err != nil {
					t.Fatal(err)
				}
				predicted := bundle.Renders(s.lint.Findings, gw.style, l.depth)
				agree := p.Rendered() == predicted
				if !agree {
					t.Errorf("%s on %s at %s: renders %v, lint predicted %v (%s)\nlint: %+v", b.name, gw.name, l.path, p.Rendered(), predicted, p.Why(), s.lint.Findings)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", b.name, gw.name, l.path, l.depth, yn(p.Rendered()), lintVerdict(s.lint.Findings, gw.style, l.depth), yn(agree), p.Why())
			}
		}
		checkStrict(t, b, s.lint)
	}
	tw.Flush()
	t.Logf("build x gateway x link in headless Chromium, and lint's verdict:\n%s", table.String())
}

// checkStrict checks that `pack --strict` passes the build for the gateway
// styles where lint says every link renders, and fails it for all styles
// when some style breaks.
func checkStrict(t *testing.T, b browserBuild, r bundle.LintReport) {
	var works []string
	for _, style := range bundle.GatewayStyles {
		ok := true
		for _, l := range b.links {
			ok = ok && bundle.Renders(r.Findings, style, l.depth)
		}
		if ok {
			works = append(works, style)
		}
	}
	out := filepath.Join(t.TempDir(), "strict.car")
	if len(works) > 0 {
		if err := exec.Command("dapp-publish", "pack", "--strict", "--target="+strings.Join(works, ","), "-o", out, b.dir).Run(); err != nil {
			t.Errorf("%s: pack --strict --target=%s: %v, want success", b.name, strings.Join(works, ","), err)
		}
	}
	if len(works) < len(bundle.GatewayStyles) {
		err := exec.Command("dapp-publish", "pack", "--strict", "-o", out, b.dir).Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitCheck {
			t.Errorf("%s: pack --strict for every gateway style: %v, want exit %d", b.name, err, exitCheck)
		}
	}
}

func yn(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// lintVerdict is lint's prediction: "renders", or the codes that break it.
func lintVerdict(findings []bundle.Finding, style string, depth int) string {
	var codes []string
	for _, f := range findings {
		if f.Breaks == bundle.BreaksPage && f.Depth <= depth && slices.Contains(f.Gateways, style) && !slices.Contains(codes, f.Code) {
			codes = append(codes, f.Code)
		}
	}
	if len(codes) == 0 {
		return "renders"
	}
	return "breaks: " + strings.Join(codes, ",")
}

// startServe starts `dapp-publish serve` on a free port and returns the port;
// it is stopped, by its process id, when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("dapp-publish", append([]string{"serve", "--listen=127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "ETH_RPC_URL=", "NO_COLOR=1", "GITHUB_ACTIONS=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := testpeers.StopOnCleanup(t, cmd)
	port, eof := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(eof)
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`serving on http://127\.0\.0\.1:(\d+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
	}()

	select {
	case p := <-port:
		return p
	case <-eof:
		t.Fatalf("serve %v exited before it listened (its error is above)", args)
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("serve %v did not start", args)
	}
	return ""
}

// runJSON runs a command and decodes its standard output as JSON into v.
func runJSON(t *testing.T, v any, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "GITHUB_ACTIONS=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
