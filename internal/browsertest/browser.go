// Package browsertest loads pages in headless Chromium (Debian's chromium)
// over the DevTools protocol and tells whether they rendered as a person
// would see them: the document arrived, the element that shows the app is in
// the DOM, and no request the page made for its assets failed.
//
// A request counts as failed when it did not complete (refused, aborted,
// blocked), when it got a status of 400 or more, or when an asset (a script,
// a stylesheet, an image, ...) was answered with an HTML document: the shape
// of a single-page-app fallback answering for a file that is not there.
//
// Chromium is found through DAPP_PUBLISH_CHROMIUM or as `chromium` on the
// PATH; without it the test is skipped, or fails under
// DAPP_PUBLISH_REQUIRE_PEERS=1 (see testpeers). It is started with the
// flags this machine needs (no sandbox as root, no GPU, no background
// networking: nothing but the pages it is sent to), a fresh profile, and is
// stopped, by its process, when the test ends.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
)

// Browser is a running headless Chromium.
type Browser struct {
	ctx context.Context
}

// Path returns the Chromium binary, or skips (fails, see testpeers.Require)
// the test when there is none.
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("DAPP_PUBLISH_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		if testpeers.Require() {
			t.Fatal("chromium not found (make test installs Debian's chromium as root; or set DAPP_PUBLISH_CHROMIUM)")
		}
		t.Skip("chromium not found (install Debian's chromium, or set DAPP_PUBLISH_CHROMIUM)")
	}
	return p
}

// Start starts Chromium for the test; it is stopped when the test ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1024, 768),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting chromium: %v", err)
	}
	return &Browser{ctx: ctx}
}

// Page is what one load showed.
type Page struct {
	URL    string   // where the browser ended up (after redirects)
	Status int      // the document's HTTP status
	Shown  bool     // the selector matched an element
	Failed []string // asset requests that failed: "URL: why"
	Errors []string // uncaught script errors
}

// Rendered reports whether the page showed the app with all its assets. The
// document's status does not count: a page served with 404 (a _redirects
// rule may do that) still shows the app, and a gateway's own error page does
// not have the app's element.
func (p *Page) Rendered() bool {
	return p.Shown && len(p.Failed) == 0 && len(p.Errors) == 0
}

// Why says in a few words why the page did not render ("" if it did).
func (p *Page) Why() string {
	var why []string
	if p.Status >= 400 {
		why = append(why, fmt.Sprintf("document status %d", p.Status))
	}
	if !p.Shown {
		why = append(why, "app not in the DOM")
	}
	why = append(why, p.Failed...)
	why = append(why, p.Errors...)
	return strings.Join(why, "; ")
}

// request is what the page's network log holds about one request.
type request struct {
	url    string
	typ    network.ResourceType
	status int64
	mime   string
	failed string
	done   bool
}

// Load opens url in a new tab, waits until the page has loaded and its
// network has been quiet for a moment (scripts that fetch more get their
// turn), and reports whether selector matches an element.
func (b *Browser) Load(url, selector string) (*Page, error) {
	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(tab, 30*time.Second)
	defer cancelTimeout()

	var mu sync.Mutex
	reqs := map[network.RequestID]*request{}
	var order []network.RequestID
	var errs []string
	last := time.Now()
	listen := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		last = time.Now()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if _, ok := reqs[e.RequestID]; !ok {
				order = append(order, e.RequestID)
			}
			// A redirect reuses the id: the request now goes to the new URL.
			reqs[e.RequestID] = &request{url: e.Request.URL, typ: e.Type}
		case *network.EventResponseReceived:
			if r := reqs[e.RequestID]; r != nil {
				r.status, r.mime, r.typ = e.Response.Status, e.Response.MimeType, e.Type
			}
		case *network.EventLoadingFinished:
			if r := reqs[e.RequestID]; r != nil {
				r.done = true
			}
		case *network.EventLoadingFailed:
			if r := reqs[e.RequestID]; r != nil {
				r.done, r.failed = true, e.ErrorText
				if e.BlockedReason != "" {
					r.failed += " (" + string(e.BlockedReason) + ")"
				}
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil && e.ExceptionDetails.Exception.Description != "" {
				msg = firstLine(e.ExceptionDetails.Exception.Description)
			}
			errs = append(errs, "script error: "+msg)
		}
	}
	// chromedp enables the network and runtime domains of every tab.
	if err := chromedp.Listen(ctx, listen); err != nil {
		return nil, fmt.Errorf("listening to the tab: %w", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil && !strings.Contains(err.Error(), "net::ERR_HTTP_RESPONSE_CODE_FAILURE") {
		return nil, fmt.Errorf("loading %s: %w", url, err)
	}
	// Quiet: every request has finished and nothing happened for 300ms.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		busy := time.Since(last) < 300*time.Millisecond
		for _, r := range reqs {
			busy = busy || !r.done
		}
		mu.Unlock()
		if !busy {
			break
		}
	}
	p := &Page{}
	var err error
	if p.URL, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
		return nil, fmt.Errorf("reading the location of %s: %w", url, err)
	}
	if p.Shown, err = chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%q) !== null", selector))); err != nil {
		return nil, fmt.Errorf("reading the DOM of %s: %w", url, err)
	}

	mu.Lock()
	defer mu.Unlock()
	p.Errors = errs
	for _, id := range order {
		r := reqs[id]
		if r.typ == network.ResourceTypeDocument {
			if p.Status == 0 || r.url == p.URL {
				p.Status = int(r.status)
			}
			continue
		}
		switch {
		case r.failed != "":
			p.Failed = append(p.Failed, r.url+": "+r.failed)
		case !r.done:
			p.Failed = append(p.Failed, r.url+": never finished")
		case r.status >= 400:
			p.Failed = append(p.Failed, fmt.Sprintf("%s: status %d", r.url, r.status))
		case r.mime == "text/html":
			p.Failed = append(p.Failed, fmt.Sprintf("%s: answered with an HTML page (%s)", r.url, strings.ToLower(string(r.typ))))
		}
	}
	return p, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
