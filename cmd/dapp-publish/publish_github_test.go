package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/fakes/faults"
	fakegh "github.com/dapp-publish/dapp-publish/internal/fakes/github"
	"github.com/dapp-publish/dapp-publish/internal/fakes/pinata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/github")

const (
	ghRepo  = "acme/dapp"
	ghToken = "ghs_0123456789abcdefTESTTOKEN"
	headSHA = "c0ffee0123456789abcdef0123456789abcdef01"
	mainSHA = "0123456789abcdef0123456789abcdef01234567"
	pinJWT  = "pinata-test-jwt-0123456789"
)

// ghWorld is a GitHub Actions step's surroundings: a checkout (the
// workspace) holding a built site and a config, temporary GITHUB_OUTPUT
// and GITHUB_STEP_SUMMARY files, the event payload, and fakes of GitHub's
// REST API and of a pinning service (Pinata) with a trustless gateway.
type ghWorld struct {
	ws      string // $GITHUB_WORKSPACE and the working folder
	cwd     string // the working folder, when not ws
	dir     string // where the GitHub files are
	gh      *fakegh.Server
	pinata  *pinata.Server
	env     []string
	runs    int
	example string
}

func newGHWorld(t *testing.T) *ghWorld {
	t.Helper()
	w := &ghWorld{ws: t.TempDir(), dir: t.TempDir()}
	w.gh = fakegh.Start(t, ghRepo, ghToken)
	w.pinata = pinata.Start(t, pinJWT)
	example, err := filepath.Abs("../../templates/example-site")
	if err != nil {
		t.Fatal(err)
	}
	w.example = example
	copyDir(t, example, filepath.Join(w.ws, "web/dist"))
	w.write(t, "dapp-publish.yaml", fmt.Sprintf("site: web/dist\nproviders:\n  - {name: pinata, type: pinata, endpoint: %q, gateway: %q, token: \"${PINATA_JWT}\"}\n", w.pinata.URL, w.pinata.URL))
	w.env = []string{
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + w.ws, "GITHUB_REPOSITORY=" + ghRepo, "GITHUB_SHA=" + mainSHA,
		"GITHUB_SERVER_URL=https://github.com", "GITHUB_RUN_ID=4242", "GITHUB_API_URL=" + w.gh.URL,
		"GITHUB_OUTPUT=" + filepath.Join(w.dir, "output"), "GITHUB_STEP_SUMMARY=" + filepath.Join(w.dir, "summary"),
		"PINATA_JWT=" + pinJWT,
	}
	return w
}

func (w *ghWorld) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(w.ws, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// event writes the payload of event name and returns the env naming it.
func (w *ghWorld) event(t *testing.T, name, payload string) []string {
	p := filepath.Join(w.dir, "event.json")
	if err := os.WriteFile(p, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"GITHUB_EVENT_NAME=" + name, "GITHUB_EVENT_PATH=" + p}
}

// run runs the binary in the workspace with fresh GitHub files and returns
// the result, the outputs and the summary written.
func (w *ghWorld) run(t *testing.T, env []string, args ...string) (binResult, string, string) {
	t.Helper()
	os.Remove(filepath.Join(w.dir, "output"))
	os.Remove(filepath.Join(w.dir, "summary"))
	cwd := w.ws
	if w.cwd != "" {
		cwd = w.cwd
	}
	res := runBinaryOpts(t, cwd, 2*time.Minute, append(append([]string{}, w.env...), env...), args...)
	out, _ := os.ReadFile(filepath.Join(w.dir, "output"))
	sum, _ := os.ReadFile(filepath.Join(w.dir, "summary"))
	w.runs++
	return res, string(out), string(sum)
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func prEvent(number int, headRepo string) string {
	return fmt.Sprintf(`{"number":%d,"pull_request":{"number":%d,"head":{"sha":%q,"ref":"feature","repo":{"full_name":%q,"owner":{"login":%q}}},"base":{"repo":{"full_name":%q}}},"repository":{"full_name":%q}}`,
		number, number, headSHA, headRepo, strings.Split(headRepo, "/")[0], ghRepo, ghRepo)
}

func workflowRunEvent(headRepo string, prs string) string {
	return fmt.Sprintf(`{"workflow_run":{"id":77,"event":"pull_request","head_sha":%q,"head_branch":"main","head_repository":{"full_name":%q,"owner":{"login":%q}},"repository":{"full_name":%q},"pull_requests":%s},"repository":{"full_name":%q}}`,
		headSHA, headRepo, strings.Split(headRepo, "/")[0], ghRepo, prs, ghRepo)
}

// normalize replaces what changes from run to run: folders, ports, times,
// the output delimiter.
func (w *ghWorld) normalize(s string) string {
	s = strings.ReplaceAll(s, w.ws, "$WORKSPACE")
	s = strings.ReplaceAll(s, w.dir, "$GITHUB_DIR")
	for _, r := range []struct{ re, to string }{
		{`127\.0\.0\.1:\d+`, "127.0.0.1:PORT"},
		{`\d{8}T\d{6}\.\d{3}Z`, "TIME"},
		{`\| \d+\.\d s \|`, "| T s |"},
		{`dapp_publish_[0-9a-f]{32}`, "DELIMITER"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.to)
	}
	return s
}

// golden compares got with testdata/github/name, or rewrites it (-update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "github", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

// outputs parses $GITHUB_OUTPUT (name=value and the delimiter form).
func outputs(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if name, delim, ok := strings.Cut(l, "<<"); ok {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q", l)
		}
		if _, dup := out[name]; dup {
			t.Errorf("output %s written twice", name)
		}
		out[name] = val
	}
	return out
}

// TestGitHubOutputsAndSummary: publish in GitHub Actions writes its step
// outputs and job summary (golden files), for the embedded default, a
// preview of a pull request stored on a pinning service and reported on
// the pull request, a dry run, and a run whose quorum is not met.
func TestGitHubOutputsAndSummary(t *testing.T) {
	w := newGHWorld(t)
	w.gh.AddPullRequest(fakegh.PullRequest{Number: 12, HeadOwner: "acme", HeadRepo: ghRepo, Branch: "feature", SHA: headSHA})
	pr := w.event(t, "pull_request", prEvent(12, ghRepo))
	cases := []struct {
		name string
		env  []string
		args []string
		code int
	}{
		// In a folder without a config: the embedded default.
		{"default", nil, []string{"publish", w.example, "--state-dir", "state", "--keep-car", "site.car", "--commit", mainSHA}, 0},
		{"preview", append(pr, "GITHUB_TOKEN="+ghToken), []string{"publish", "--preview", "--state-dir", "state", "--keep-car", "out/site.car", "--commit", headSHA}, 0},
		{"dry-run", nil, []string{"publish", "--dry-run", "--state-dir", "state", "--commit", mainSHA}, 0},
		{"quorum-not-met", []string{"PINATA_JWT=pinata-wrong-jwt-0000000000"}, []string{"publish", "--state-dir", "state", "--commit", mainSHA}, exitQuorum},
	}
	os.MkdirAll(filepath.Join(w.ws, "out"), 0o755)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.cwd = ""
			if tc.name == "default" {
				w.cwd = filepath.Join(w.ws, "plain")
				os.MkdirAll(w.cwd, 0o755)
			}
			res, out, sum := w.run(t, tc.env, tc.args...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", res.code, tc.code, res.stdout, res.stderr)
			}
			got := outputs(t, out)
			for _, k := range []string{"cid", "outcome", "record", "car", "piece_cid", "gateway_url", "gateway_urls", "ens_tx", "ens_safe_url"} {
				if _, ok := got[k]; !ok {
					t.Errorf("output %s not written", k)
				}
			}
			if p := got["car"]; p != "" {
				if _, err := os.Stat(abs(w, p)); err != nil {
					t.Errorf("output car: %v", err)
				}
			}
			if p := got["record"]; p != "" {
				if _, err := os.Stat(abs(w, p)); err != nil {
					t.Errorf("output record: %v", err)
				}
			}
			golden(t, tc.name+".output", w.normalize(out))
			golden(t, tc.name+".summary.md", w.normalize(sum))
		})
	}
	// The preview's comment and statuses.
	cms := w.gh.Comments(12)
	if len(cms) != 1 {
		t.Fatalf("%d comments on the pull request, want 1", len(cms))
	}
	golden(t, "preview.comment.md", w.normalize(cms[0].Body))
	var states []string
	for _, s := range w.gh.Statuses(headSHA) {
		states = append(states, s.Context+" "+s.State)
	}
	if strings.Join(states, ", ") != "dapp-publish/preview pending, dapp-publish/preview success" {
		t.Errorf("statuses on the head commit: %v", states)
	}
}

// TestGitHubStatusAndOneComment: every push to a pull request updates its
// one comment; the commit status goes pending, then success, on the pull
// request's head (not the merge commit); --github check makes a check run
// with the summary instead.
func TestGitHubStatusAndOneComment(t *testing.T) {
	w := newGHWorld(t)
	w.gh.AddPullRequest(fakegh.PullRequest{Number: 5, HeadOwner: "acme", HeadRepo: ghRepo, Branch: "feature", SHA: headSHA})
	w.gh.AddComment(5, fakegh.User{Login: "alice", Type: "User"}, "looks good")
	env := append(w.event(t, "pull_request", prEvent(5, ghRepo)), "GITHUB_TOKEN="+ghToken)
	for i := 0; i < 3; i++ {
		if i == 2 {
			w.write(t, "web/dist/extra.txt", "changed") // another root
		}
		res, _, _ := w.run(t, env, "publish", "--preview", "--state-dir", "state")
		if res.code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", i, res.code, res.stdout, res.stderr)
		}
	}
	cms := w.gh.Comments(5)
	var ours []fakegh.Comment
	for _, c := range cms {
		if c.User.Login == fakegh.BotLogin {
			ours = append(ours, c)
		}
	}
	if len(cms) != 2 || len(ours) != 1 {
		t.Fatalf("%d comments, %d of ours; want alice's and one of ours", len(cms), len(ours))
	}
	rec := lastRecord(t, filepath.Join(w.ws, "state"))
	if !strings.Contains(ours[0].Body, rec.CID) || !strings.HasPrefix(ours[0].Body, commentMarker) {
		t.Errorf("the comment is not the last run's (%s):\n%s", rec.CID, ours[0].Body)
	}
	st := w.gh.Statuses(headSHA)
	if len(st) != 6 || st[5].State != "success" || st[5].Context != "dapp-publish/preview" || !strings.Contains(st[5].TargetURL, ".ipfs.dweb.link/") {
		t.Errorf("statuses: %+v", st)
	}
	if len(w.gh.Statuses(mainSHA)) != 0 {
		t.Error("a status was set on GITHUB_SHA (the merge commit), not the pull request's head")
	}

	// A check run instead of a status.
	res, _, sum := w.run(t, env, "publish", "--preview", "--state-dir", "state", "--github", "check")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	runs := w.gh.CheckRuns()
	if len(runs) != 1 || runs[0].Status != "completed" || *runs[0].Conclusion != "success" || runs[0].HeadSHA != headSHA ||
		runs[0].Output == nil || !strings.Contains(runs[0].Output.Summary, "| holder | type |") {
		t.Errorf("check runs: %+v", runs)
	}
	if len(w.gh.Statuses(headSHA)) != 6 || len(w.gh.Comments(5)) != 2 {
		t.Error("--github check set a status or commented")
	}
	if strings.Contains(sum, "GitHub reporting") {
		t.Errorf("the summary reports a problem:\n%s", sum)
	}
}

// TestGitHubFailuresNeverFailPublish: a token without permissions, a wrong
// token, GitHub answering 500 or rate-limiting: the publish succeeds (exit
// 0, the outputs written), and each failure is reported on stderr, as an
// annotation and in the job summary.
func TestGitHubFailuresNeverFailPublish(t *testing.T) {
	w := newGHWorld(t)
	w.gh.AddPullRequest(fakegh.PullRequest{Number: 9, HeadOwner: "acme", HeadRepo: ghRepo, Branch: "feature", SHA: headSHA})
	env := append(w.event(t, "pull_request", prEvent(9, ghRepo)), "GITHUB_TOKEN="+ghToken)
	cases := []struct {
		name  string
		setup func()
		env   []string
		want  []string
	}{
		{"no permissions", func() { w.gh.Perms = nil }, nil,
			[]string{"could not set the commit status", "403 Resource not accessible by integration", "statuses: write", "pull-requests: write"}},
		{"bad token", func() { w.gh.Perms = []string{fakegh.PermStatuses, fakegh.PermPullRequests} }, []string{"GITHUB_TOKEN=ghs_not-the-right-token-0000"},
			[]string{"401 Bad credentials", "github-token"}},
		{"server errors", func() { w.gh.Fail("", "/repos/", 500, 100, "") }, nil, []string{"500 Internal Server Error"}},
		{"no token", nil, []string{"GITHUB_TOKEN="}, []string{"no GITHUB_TOKEN"}},
		{"not https", nil, []string{"GITHUB_API_URL=http://api.github.example"}, []string{"only https"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			res, out, sum := w.run(t, append(append([]string{}, env...), tc.env...), "publish", "--preview", "--state-dir", "state")
			if res.code != 0 {
				t.Fatalf("exit %d: a GitHub failure failed the publish\n%s%s", res.code, res.stdout, res.stderr)
			}
			if o := outputs(t, out); (o["outcome"] != "published" && o["outcome"] != "unchanged") || o["cid"] == "" {
				t.Errorf("outputs: %v", o)
			}
			for _, want := range tc.want {
				if !strings.Contains(sum, want) {
					t.Errorf("the summary lacks %q:\n%s", want, sum)
				}
				if !strings.Contains(res.stderr, strings.ReplaceAll(want, ":", "%3A")) && !strings.Contains(res.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
				}
			}
			if tc.name != "no token" && tc.name != "not https" && !strings.Contains(res.stderr, "::warning title=dapp-publish%3A GitHub::") {
				t.Errorf("no warning annotation:\n%s", res.stderr)
			}
		})
	}
}

// TestForkWorkflowRun: a workflow_run that follows a fork's run publishes
// its CAR as a preview (IPFS holders only), comments on the pull request
// found through the API and sets the status on the fork's commit; without
// --preview it refuses to spend or name, before anything is stored.
func TestForkWorkflowRun(t *testing.T) {
	w := newGHWorld(t)
	// The fork's pack job: a CAR.
	os.MkdirAll(filepath.Join(w.ws, "fork"), 0o755)
	if res, _, _ := w.run(t, []string{"GITHUB_ACTIONS="}, "pack", "web/dist", "-o", "fork/site.car"); res.code != 0 {
		t.Fatalf("pack: %s", res.stderr)
	}
	w.gh.AddPullRequest(fakegh.PullRequest{Number: 31, HeadOwner: "forker", HeadRepo: "forker/dapp", Branch: "main", SHA: headSHA})
	// The config also names a Filecoin holder and the name: a preview
	// leaves both alone (nothing reaches them).
	w.write(t, "dapp-publish.yaml", fmt.Sprintf(`providers:
  - {name: pinata, type: pinata, endpoint: %q, gateway: %q, token: "${PINATA_JWT}"}
  - {name: foc, type: filecoin, endpoint: "http://127.0.0.1:9/rpc", network: calibration, key: "${FOC_KEY}", max_per_run: "1"}
quorum: {ipfs: 1, filecoin: 1}
ens: {name: app.eth, rpc: "${ETH_RPC_URL}"}
`, w.pinata.URL, w.pinata.URL))
	env := append(w.event(t, "workflow_run", workflowRunEvent("forker/dapp", "[]")), "GITHUB_TOKEN="+ghToken, "FOC_KEY=0x"+strings.Repeat("ab", 32))

	res, _, _ := w.run(t, env, "publish", "fork/site.car", "--state-dir", "state")
	if res.code != exitUsage || !strings.Contains(res.stderr, "refusing to spend or to point a name") || !strings.Contains(res.stderr, "fork forker/dapp") {
		t.Fatalf("exit %d: the fork's run was not refused\n%s", res.code, res.stderr)
	}
	if len(w.pinata.Files()) != 0 || len(w.gh.Requests()) != 0 {
		t.Fatal("something was stored or reported before the refusal")
	}

	res, out, sum := w.run(t, env, "publish", "fork/site.car", "--preview", "--state-dir", "state", "--max-car-size", "1MiB")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "preview: leaving out foc (filecoin)") || !strings.Contains(sum, "from outside the repository") {
		t.Errorf("the preview did not say what it left out or where the CAR came from:\n%s\n%s", res.stderr, sum)
	}
	o := outputs(t, out)
	if o["outcome"] != "published" || o["car"] != "fork/site.car" || o["ens_name"] != "" {
		t.Errorf("outputs %v", o)
	}
	if cms := w.gh.Comments(31); len(cms) != 1 || !strings.Contains(cms[0].Body, o["cid"]) {
		t.Errorf("comments on the fork's pull request: %+v", cms)
	}
	if st := w.gh.Statuses(headSHA); len(st) != 2 || st[1].State != "success" {
		t.Errorf("statuses on the fork's commit: %+v", st)
	}

	// A CAR over --max-car-size is refused before it is read.
	res, _, _ = w.run(t, env, "publish", "fork/site.car", "--preview", "--state-dir", "state", "--max-car-size", "1KiB")
	if res.code != exitCheck || !strings.Contains(res.stderr, "over --max-car-size") {
		t.Errorf("exit %d:\n%s", res.code, res.stderr)
	}
	// A payload that cannot be read counts as a fork's.
	bad := append([]string{}, env...)
	bad = append(bad, "GITHUB_EVENT_PATH="+filepath.Join(w.dir, "missing.json"))
	res, _, _ = w.run(t, bad, "publish", "fork/site.car", "--state-dir", "state")
	if res.code != exitUsage || !strings.Contains(res.stderr, "event payload") {
		t.Errorf("an unreadable payload: exit %d\n%s", res.code, res.stderr)
	}
}

// abs is p of the working folder's run as an absolute path.
func abs(w *ghWorld, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	if w.cwd != "" {
		return filepath.Join(w.cwd, p)
	}
	return filepath.Join(w.ws, p)
}

func lastRecord(t *testing.T, stateDir string) struct{ CID string } {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(stateDir, "records"))
	if err != nil || len(des) == 0 {
		t.Fatalf("no record: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(stateDir, "records", des[len(des)-1].Name()))
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ CID string }
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGitHubSecretsNeverLeak: with a sentinel GITHUB_TOKEN and a sentinel
// pinning token, against GitHub answering normally and GitHub echoing the
// request (its Authorization header) in a refusal, no sentinel, in any
// encoding, reaches stdout, stderr (but its ::add-mask:: lines), the step
// outputs, the job summary, a file, or what was sent to GitHub (statuses,
// comments); and the ::add-mask:: lines come before anything else.
func TestGitHubSecretsNeverLeak(t *testing.T) {
	const ghSentinel = "ghs_SENTINELgithubTOKEN0123456789"
	const pinSentinel = "SENTINEL-pinata-jwt-987654321"
	w := newGHWorld(t)
	sw := &secretWorld{sentinel: []string{ghSentinel, pinSentinel}}
	w.gh.Token = ghSentinel
	w.pinata.JWT = pinSentinel
	w.gh.AddPullRequest(fakegh.PullRequest{Number: 3, HeadOwner: "acme", HeadRepo: ghRepo, Branch: "feature", SHA: headSHA})
	echo := faults.New(t, w.gh.URL)
	echo.Add("/", 1<<20, faults.Echo(http.StatusUnauthorized))
	base := append(w.event(t, "pull_request", prEvent(3, ghRepo)), "GITHUB_TOKEN="+ghSentinel, "PINATA_JWT="+pinSentinel)
	for _, api := range []string{w.gh.URL, echo.URL} {
		for _, args := range [][]string{
			{"publish", "--preview", "--state-dir", "state", "--keep-car", "site.car"},
			{"publish", "--preview", "--state-dir", "state", "--github", "check,comment", "--json"},
			{"publish", "--dry-run", "--state-dir", "state"},
		} {
			res, out, sum := w.run(t, append(append([]string{}, base...), "GITHUB_API_URL="+api), args...)
			what := strings.Join(args, " ")
			if res.code != 0 {
				t.Fatalf("%s: exit %d\n%s", what, res.code, res.stderr)
			}
			sw.check(t, what+" stdout", res.stdout)
			sw.check(t, what+" stderr", withoutMasks(res.stderr))
			sw.check(t, what+" outputs", out)
			sw.check(t, what+" summary", sum)
			masksFirst(t, what, res.stderr, ghSentinel, pinSentinel)
			if api == echo.URL && !strings.Contains(res.stderr, "401") {
				t.Errorf("%s: the echoed refusal was not reported:\n%s", what, res.stderr)
			}
		}
	}
	for _, r := range w.gh.Requests() {
		sw.check(t, "a request to GitHub "+r.Method+" "+r.Path, r.Path+"?"+r.Query+"\n"+r.Body)
	}
	if len(w.gh.Comments(3)) != 1 || len(w.gh.Statuses(headSHA)) == 0 {
		t.Error("nothing was reported: the channel was not exercised")
	}
	filepath.Walk(w.ws, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(p)
			sw.check(t, "file "+p, string(data))
		}
		return nil
	})
}

// masksFirst fails unless stderr starts with the ::add-mask:: lines, one
// of them for each secret, and none comes later.
func masksFirst(t *testing.T, what, stderr string, secrets ...string) {
	t.Helper()
	lines := strings.Split(stderr, "\n")
	i := 0
	for i < len(lines) && strings.HasPrefix(lines[i], "::add-mask::") {
		i++
	}
	for _, l := range lines[i:] {
		if strings.HasPrefix(l, "::add-mask::") {
			t.Errorf("%s: a mask after other output:\n%s", what, stderr)
			break
		}
	}
	for _, s := range secrets {
		if !slices.Contains(lines[:i], "::add-mask::"+s) {
			t.Errorf("%s: %.12s... is not masked first:\n%s", what, s, stderr)
		}
	}
}
