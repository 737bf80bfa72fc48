package github_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	fake "github.com/dapp-publish/dapp-publish/internal/fakes/github"
	"github.com/dapp-publish/dapp-publish/internal/github"
)

const (
	token = "ghs_test-token-0123456789abcdef"
	sha   = "0123456789abcdef0123456789abcdef01234567"
)

var repo = github.Repo{Owner: "acme", Name: "dapp"}

func newClient(t *testing.T, s *fake.Server, tok string) *github.Client {
	t.Helper()
	c, err := github.New(s.URL, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.RetryDelay = time.Millisecond
	return c
}

func TestStatus(t *testing.T) {
	s := fake.Start(t, "acme/dapp", token)
	c := newClient(t, s, token)
	ctx := context.Background()
	long := strings.Repeat("é", 300)
	if err := c.CreateStatus(ctx, repo, sha, github.Status{State: github.StatePending, Context: "dapp-publish", Description: long}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateStatus(ctx, repo, sha, github.Status{State: github.StateSuccess, Context: "dapp-publish", TargetURL: "https://x/"}); err != nil {
		t.Fatal(err)
	}
	st := s.Statuses(sha)
	if len(st) != 2 || st[0].State != "pending" || st[1].State != "success" || st[1].TargetURL != "https://x/" {
		t.Fatalf("statuses: %+v", st)
	}
	if n := len([]rune(st[0].Description)); n != github.MaxStatusDescription {
		t.Errorf("description of %d characters, want cut to %d", n, github.MaxStatusDescription)
	}
	for _, r := range s.Requests() {
		if r.Auth != "Bearer "+token || r.APIVersion != github.APIVersion {
			t.Errorf("request %s %s: auth %q, version %q", r.Method, r.Path, r.Auth, r.APIVersion)
		}
	}
	// Refused before any request: not a commit id.
	if err := c.CreateStatus(ctx, repo, "HEAD", github.Status{State: "success"}); err == nil {
		t.Error("a status on HEAD was sent")
	}
}

func TestErrors(t *testing.T) {
	s := fake.Start(t, "acme/dapp", token)
	ctx := context.Background()
	cases := []struct {
		name   string
		setup  func()
		client *github.Client
		status int
		msg    string
	}{
		{"bad token", nil, newClient(t, s, "ghs_wrong-token-000000000"), 401, "Bad credentials"},
		{"no permission", func() { s.Perms = []string{fake.PermChecks} }, newClient(t, s, token), 403, "Resource not accessible by integration"},
		{"bad state", func() { s.Perms = []string{fake.PermStatuses} }, newClient(t, s, token), 422, "state is not included in the list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			state := "success"
			if tc.status == 422 {
				state = "done"
			}
			err := tc.client.CreateStatus(ctx, repo, sha, github.Status{State: state})
			var ae *github.Error
			if !errors.As(err, &ae) || ae.Status != tc.status || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %d %q", err, tc.status, tc.msg)
			}
			if strings.Contains(err.Error(), token) {
				t.Error("the error holds the token")
			}
		})
	}
	// Another repository: 404.
	err := newClient(t, s, token).CreateStatus(ctx, github.Repo{Owner: "acme", Name: "other"}, sha, github.Status{State: "success"})
	var ae *github.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Errorf("other repository: %v", err)
	}
}

func TestRetries(t *testing.T) {
	s := fake.Start(t, "acme/dapp", token)
	c := newClient(t, s, token)
	ctx := context.Background()
	// A 502 then success: a status is sent again.
	s.Fail(http.MethodPost, "/repos/acme/dapp/statuses/", http.StatusBadGateway, 1, "")
	if err := c.CreateStatus(ctx, repo, sha, github.Status{State: "success"}); err != nil {
		t.Fatalf("after one 502: %v", err)
	}
	// Three 503s: given up after three attempts.
	s.Fail(http.MethodPost, "/repos/acme/dapp/statuses/", http.StatusServiceUnavailable, 3, "")
	if err := c.CreateStatus(ctx, repo, sha, github.Status{State: "success"}); err == nil {
		t.Fatal("three 503s succeeded")
	}
	s.AddPullRequest(fake.PullRequest{Number: 7})
	// A 500 on creating a comment is not retried: it may have been made.
	s.Fail(http.MethodPost, "/repos/acme/dapp/issues/7/comments", http.StatusInternalServerError, 1, "")
	if _, err := c.CreateComment(ctx, repo, 7, "x"); err == nil {
		t.Fatal("the 500 was retried")
	}
	// A secondary rate limit (403 with Retry-After) is: nothing was made.
	s.Fail(http.MethodPost, "/repos/acme/dapp/issues/7/comments", http.StatusForbidden, 1, "0")
	if _, err := c.CreateComment(ctx, repo, 7, "x"); err != nil {
		t.Fatalf("after a secondary rate limit: %v", err)
	}
	if n := len(s.Comments(7)); n != 1 {
		t.Errorf("%d comments, want 1", n)
	}
}

func TestCheckRun(t *testing.T) {
	s := fake.Start(t, "acme/dapp", token)
	c := newClient(t, s, token)
	ctx := context.Background()
	now := time.Now()
	id, err := c.CreateCheckRun(ctx, repo, github.CheckRun{Name: "dapp-publish", HeadSHA: sha, Status: github.CheckInProgress, StartedAt: &now,
		Output: &github.CheckOutput{Title: "publishing", Summary: "packing"}})
	if err != nil || id == 0 {
		t.Fatalf("create: %d, %v", id, err)
	}
	// Completed without a conclusion: 422.
	if err := c.UpdateCheckRun(ctx, repo, id, github.CheckRun{Status: github.CheckCompleted}); err == nil || !strings.Contains(err.Error(), "422") {
		t.Fatalf("completed without conclusion: %v", err)
	}
	big := strings.Repeat("x", 70000)
	if err := c.UpdateCheckRun(ctx, repo, id, github.CheckRun{Status: github.CheckCompleted, Conclusion: github.ConclusionSuccess, CompletedAt: &now,
		Output: &github.CheckOutput{Title: "published", Summary: big}}); err != nil {
		t.Fatal(err)
	}
	runs := s.CheckRuns()
	if len(runs) != 1 || runs[0].Status != "completed" || *runs[0].Conclusion != "success" || len(runs[0].Output.Summary) != github.MaxCheckText+2 {
		t.Fatalf("check runs: %+v", runs)
	}
}

func TestUpsertComment(t *testing.T) {
	s := fake.Start(t, "acme/dapp", token)
	c := newClient(t, s, token)
	ctx := context.Background()
	s.AddPullRequest(fake.PullRequest{Number: 3})
	// A person's comment that starts with the marker (a quote, or a
	// prank): it cannot be edited and must not be.
	s.AddComment(3, fake.User{Login: "mallory", Type: "User"}, "<!-- dapp-publish -->\nhello")
	// 150 other comments: the bot's comment is on the second page.
	for i := 0; i < 150; i++ {
		s.AddComment(3, fake.User{Login: "alice", Type: "User"}, "lgtm")
	}
	const marker = "<!-- dapp-publish -->"
	for i, body := range []string{"first run", "second run", "third run"} {
		cm, updated, err := c.UpsertComment(ctx, repo, 3, marker, body)
		if err != nil {
			t.Fatal(err)
		}
		if updated != (i > 0) {
			t.Errorf("run %d: updated=%v", i, updated)
		}
		if cm.Body != marker+"\n"+body {
			t.Errorf("run %d: body %q", i, cm.Body)
		}
	}
	var ours []fake.Comment
	for _, cm := range s.Comments(3) {
		if cm.User.Login == fake.BotLogin {
			ours = append(ours, cm)
		}
	}
	if len(ours) != 1 || ours[0].Body != marker+"\nthird run" {
		t.Fatalf("the bot's comments: %+v", ours)
	}
	if cms := s.Comments(3); cms[0].Body != marker+"\nhello" {
		t.Errorf("mallory's comment was changed: %q", cms[0].Body)
	}
}

// A comment that only a person wrote the marker into: the update is
// refused (403) and a comment of our own is made, once.
func TestUpsertCommentNotOurs(t *testing.T) {
	s := fake.Start(t, "acme/dapp", token)
	c := newClient(t, s, token)
	s.AddPullRequest(fake.PullRequest{Number: 4})
	s.AddComment(4, fake.User{Login: "mallory", Type: "User"}, "<!-- dapp-publish -->")
	for i := 0; i < 2; i++ {
		if _, _, err := c.UpsertComment(context.Background(), repo, 4, "<!-- dapp-publish -->", "run"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Comments(4)); n != 2 {
		t.Errorf("%d comments, want mallory's and one of ours", n)
	}
}

func TestFindPullRequest(t *testing.T) {
	s := fake.Start(t, "acme/dapp", token)
	c := newClient(t, s, token)
	s.AddPullRequest(fake.PullRequest{Number: 9, HeadOwner: "forker", HeadRepo: "forker/dapp", Branch: "main", SHA: sha})
	s.AddPullRequest(fake.PullRequest{Number: 10, HeadOwner: "other", HeadRepo: "other/dapp", Branch: "main", SHA: sha})
	ctx := context.Background()
	if n, err := c.FindPullRequest(ctx, repo, "forker", "main", sha); err != nil || n != 9 {
		t.Errorf("found %d, %v; want 9", n, err)
	}
	// The branch moved on: no pull request at that commit.
	if n, err := c.FindPullRequest(ctx, repo, "forker", "main", strings.Repeat("f", 40)); err != nil || n != 0 {
		t.Errorf("found %d, %v; want 0", n, err)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, u := range []string{
		"http://api.github.com",          // the token in clear
		"https://user:pw@api.github.com", // credentials
		"https://api.github.com/?x=1",    // a query
		"ftp://api.github.com",
		"api.github.com",
	} {
		if _, err := github.New(u, token, nil); err == nil {
			t.Errorf("New(%q) accepted", u)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("New(%q): the error holds the token", u)
		}
	}
	for _, u := range []string{"", "https://api.github.com", "https://ghe.example/api/v3/", "http://127.0.0.1:1234", "http://[::1]:9"} {
		if _, err := github.New(u, token, nil); err != nil {
			t.Errorf("New(%q): %v", u, err)
		}
	}
}

// A redirect to another host is not followed: the token would go with it.
func TestNoRedirectToAnotherHost(t *testing.T) {
	other := fake.Start(t, "acme/dapp", token)
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+r.URL.Path, http.StatusTemporaryRedirect)
	})
	srv := newServer(t, redirect)
	c, err := github.New(srv, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Attempts = 1
	if err := c.CreateStatus(context.Background(), repo, sha, github.Status{State: "success"}); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("followed a redirect to another host: %v", err)
	}
	if n := len(other.Requests()); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}
