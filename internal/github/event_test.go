package github_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/github"
)

func newServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Payloads shaped as GitHub sends them (docs.github.com/webhooks/webhook-
// events-and-payloads), cut to the fields that matter.
var events = []struct {
	name, event, payload string
	untrusted            string // "" trusted, else a word of the reason
	pr                   int
	headSHA              string
}{
	{"push", "push", `{"after":"` + sha + `","repository":{"full_name":"acme/dapp"}}`, "", 0, ""},
	{"same-repo pull request", "pull_request",
		`{"number":5,"pull_request":{"number":5,"head":{"sha":"` + sha + `","ref":"feat","repo":{"full_name":"acme/dapp","owner":{"login":"acme"}}},"base":{"repo":{"full_name":"acme/dapp"}}},"repository":{"full_name":"acme/dapp"}}`,
		"", 5, sha},
	{"fork pull request", "pull_request",
		`{"pull_request":{"number":6,"head":{"sha":"` + sha + `","ref":"main","repo":{"full_name":"forker/dapp","owner":{"login":"forker"}}},"base":{"repo":{"full_name":"acme/dapp"}}}}`,
		"forker/dapp", 6, sha},
	{"fork pull_request_target", "pull_request_target",
		`{"pull_request":{"number":6,"head":{"sha":"` + sha + `","repo":{"full_name":"forker/dapp"}},"base":{"repo":{"full_name":"acme/dapp"}}}}`,
		"fork", 6, sha},
	{"deleted fork", "pull_request",
		`{"pull_request":{"number":6,"head":{"sha":"` + sha + `","repo":null},"base":{"repo":{"full_name":"acme/dapp"}}}}`,
		"does not say", 6, sha},
	{"pull request without payload", "pull_request", ``, "no pull_request", 0, ""},
	{"same-repo workflow_run", "workflow_run",
		`{"workflow_run":{"event":"pull_request","head_sha":"` + sha + `","head_branch":"feat","head_repository":{"full_name":"acme/dapp","owner":{"login":"acme"}},"repository":{"full_name":"acme/dapp"},"pull_requests":[{"number":8,"head":{"sha":"` + sha + `"}}]},"repository":{"full_name":"acme/dapp"}}`,
		"", 8, sha},
	{"fork workflow_run", "workflow_run",
		`{"workflow_run":{"event":"pull_request","head_sha":"` + sha + `","head_branch":"main","head_repository":{"full_name":"forker/dapp","owner":{"login":"forker"}},"repository":{"full_name":"acme/dapp"},"pull_requests":[]},"repository":{"full_name":"acme/dapp"}}`,
		"fork forker/dapp", 0, sha},
	{"fork workflow_run, names in another case", "workflow_run",
		`{"workflow_run":{"head_sha":"` + sha + `","head_repository":{"full_name":"ACME/dapp"},"repository":{"full_name":"acme/DAPP"}}}`,
		"", 0, sha},
	{"workflow_run without head repository", "workflow_run",
		`{"workflow_run":{"head_sha":"` + sha + `","repository":{"full_name":"acme/dapp"}}}`,
		"does not say", 0, sha},
	{"workflow_run, no name given", "",
		`{"workflow_run":{"head_sha":"` + sha + `","head_repository":{"full_name":"x/dapp"},"repository":{"full_name":"acme/dapp"}}}`,
		"fork x/dapp", 0, sha},
}

func TestParseEvent(t *testing.T) {
	for _, tc := range events {
		t.Run(tc.name, func(t *testing.T) {
			e, err := github.ParseEvent(tc.event, []byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if (e.Untrusted == "") != (tc.untrusted == "") || !strings.Contains(e.Untrusted, tc.untrusted) {
				t.Errorf("untrusted %q, want %q", e.Untrusted, tc.untrusted)
			}
			if e.PR != tc.pr || e.HeadSHA != tc.headSHA {
				t.Errorf("pr %d, head %q; want %d, %q", e.PR, e.HeadSHA, tc.pr, tc.headSHA)
			}
		})
	}
}

func TestReadEvent(t *testing.T) {
	if e, err := github.ReadEvent("", ""); e != nil || err != nil {
		t.Errorf("no event: %+v, %v", e, err)
	}
	dir := t.TempDir()
	if _, err := github.ReadEvent("push", filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing payload was read")
	}
	if _, err := github.ReadEvent("push", dir); err == nil {
		t.Error("a folder was read as the payload")
	}
	p := filepath.Join(dir, "event.json")
	os.WriteFile(p, []byte("{not json"), 0o600)
	if _, err := github.ReadEvent("push", p); err == nil {
		t.Error("a broken payload was read")
	}
	os.WriteFile(p, []byte(events[7].payload), 0o600)
	e, err := github.ReadEvent("workflow_run", p)
	if err != nil || e.Untrusted == "" || e.HeadOwner != "forker" || e.HeadBranch != "main" {
		t.Errorf("fork workflow_run: %+v, %v", e, err)
	}
}

// FuzzParseEvent: the payload comes from outside. It never panics, and a
// pull request or workflow_run is trusted only when both repositories are
// named and equal.
func FuzzParseEvent(f *testing.F) {
	for _, tc := range events {
		f.Add(tc.event, []byte(tc.payload))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		e, err := github.ParseEvent(name, data)
		if err != nil {
			return
		}
		if (name == "workflow_run" || name == "pull_request" || name == "pull_request_target") && e.Untrusted == "" &&
			(e.HeadRepository == "" || !strings.EqualFold(e.HeadRepository, e.BaseRepository)) {
			t.Fatalf("trusted without a head repository: %+v", e)
		}
	})
}
