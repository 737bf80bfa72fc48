// Package github is a fake of the parts of the GitHub REST API that
// dapp-publish calls from a workflow run, for tests: github.com cannot be
// run locally. It implements, as documented (docs.github.com/rest, API
// version 2022-11-28):
//
//	POST  /repos/{owner}/{repo}/statuses/{sha}             create a commit status (201)
//	GET   /repos/{owner}/{repo}/commits/{ref}/statuses     list a commit's statuses, newest first
//	POST  /repos/{owner}/{repo}/check-runs                 create a check run (201)
//	PATCH /repos/{owner}/{repo}/check-runs/{id}            update a check run
//	GET   /repos/{owner}/{repo}/issues/{number}/comments   list comments (per_page <= 100, page)
//	POST  /repos/{owner}/{repo}/issues/{number}/comments   create a comment (201)
//	PATCH /repos/{owner}/{repo}/issues/comments/{id}       update a comment
//	GET   /repos/{owner}/{repo}/pulls?head=owner:branch    list pull requests
//
// with GitHub's errors: 401 "Requires authentication" or "Bad credentials"
// (Authorization: Bearer or token), 403 "Resource not accessible by
// integration" when the token lacks the permission (statuses, checks,
// pull_requests: write) or edits another account's comment, 404 "Not
// Found" for an unknown repository, pull request or comment, 422
// "Validation Failed" with its errors (a state outside error, failure,
// pending, success; a description over 140 characters; a check run
// completed without a conclusion; a body over 65,536 characters), and, on
// demand, 5xx answers and rate limits with Retry-After (Fail).
package github

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Permissions a token may have.
const (
	PermStatuses     = "statuses"
	PermChecks       = "checks"
	PermPullRequests = "pull_requests"
)

// BotLogin is who GITHUB_TOKEN writes as.
const BotLogin = "github-actions[bot]"

// Status is a stored commit status.
type Status struct {
	ID          int64     `json:"id"`
	State       string    `json:"state"`
	Description string    `json:"description"`
	TargetURL   string    `json:"target_url"`
	Context     string    `json:"context"`
	CreatedAt   time.Time `json:"created_at"`
	SHA         string    `json:"-"`
}

// CheckRun is a stored check run.
type CheckRun struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	HeadSHA     string          `json:"head_sha"`
	Status      string          `json:"status"`
	Conclusion  *string         `json:"conclusion"`
	DetailsURL  string          `json:"details_url,omitempty"`
	StartedAt   *time.Time      `json:"started_at"`
	CompletedAt *time.Time      `json:"completed_at"`
	Output      *CheckRunOutput `json:"output"`
}

// CheckRunOutput is a check run's report.
type CheckRunOutput struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Text    string `json:"text,omitempty"`
}

// Comment is a stored issue comment.
type Comment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
	User    User   `json:"user"`
	Issue   int    `json:"-"`
}

// User is a comment's author.
type User struct {
	Login string `json:"login"`
	Type  string `json:"type"`
}

// PullRequest is a stored pull request.
type PullRequest struct {
	Number    int
	HeadOwner string
	HeadRepo  string // full name
	Branch    string
	SHA       string
	State     string // open or closed
}

// Request is a request the fake received (the body as sent).
type Request struct {
	Method, Path, Query, Auth, APIVersion string
	Body                                  string
}

// Server is a running fake of one repository.
type Server struct {
	URL   string
	Repo  string // "owner/name": the one repository it serves
	Token string // the one token accepted
	// Perms are the token's write permissions (all by default).
	Perms []string

	mu       sync.Mutex
	nextID   int64
	statuses []Status
	checks   []CheckRun
	comments []Comment
	pulls    []PullRequest
	requests []Request
	failures []failure
}

type failure struct {
	method, prefix string
	status         int
	retryAfter     string
	remaining      int
}

// Start starts a fake of repo on 127.0.0.1 accepting token, with every
// permission; it stops when t ends.
func Start(t testing.TB, repo, token string) *Server {
	t.Helper()
	s := &Server{Repo: repo, Token: token, Perms: []string{PermStatuses, PermChecks, PermPullRequests}, nextID: 1000}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Fail makes the next n requests of method (any when "") whose path starts
// with prefix answer status; with retryAfter set (seconds), a Retry-After
// header too. 403 and 429 with Retry-After are GitHub's secondary rate
// limits.
func (s *Server) Fail(method, prefix string, status, n int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{method: method, prefix: prefix, status: status, retryAfter: retryAfter, remaining: n})
}

// AddPullRequest registers an open pull request.
func (s *Server) AddPullRequest(pr PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pr.State == "" {
		pr.State = "open"
	}
	s.pulls = append(s.pulls, pr)
}

// AddComment stores a comment written by someone (another account than
// the token's when user.Login is not BotLogin).
func (s *Server) AddComment(issue int, user User, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addComment(issue, user, body).ID
}

func (s *Server) addComment(issue int, user User, body string) *Comment {
	s.nextID++
	s.comments = append(s.comments, Comment{ID: s.nextID, Body: body, User: user, Issue: issue,
		HTMLURL: fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", s.Repo, issue, s.nextID)})
	return &s.comments[len(s.comments)-1]
}

// Statuses returns the statuses set on sha, oldest first.
func (s *Server) Statuses(sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return filter(s.statuses, func(st Status) bool { return st.SHA == sha })
}

// CheckRuns returns every check run.
func (s *Server) CheckRuns() []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.checks)
}

// Comments returns the comments of issue, oldest first.
func (s *Server) Comments(issue int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return filter(s.comments, func(c Comment) bool { return c.Issue == issue })
}

func filter[T any](all []T, keep func(T) bool) []T {
	var out []T
	for _, v := range all {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// Requests returns every request received.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// maxBody bounds a request body read.
const maxBody = 1 << 20

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), APIVersion: r.Header.Get("X-GitHub-Api-Version"), Body: string(body)})
	if len(body) > maxBody {
		fail(w, http.StatusRequestEntityTooLarge, "Payload too large")
		return
	}
	if s.injected(w, r) || !s.authorized(w, r) {
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/repos/"+s.Repo+"/")
	if !ok {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	s.route(w, r, strings.Split(rest, "/"), body)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	m := r.Method
	switch {
	case m == http.MethodPost && len(p) == 2 && p[0] == "statuses":
		s.createStatus(w, p[1], body)
	case m == http.MethodGet && len(p) == 3 && p[0] == "commits" && p[2] == "statuses":
		s.listStatuses(w, p[1])
	case m == http.MethodPost && len(p) == 1 && p[0] == "check-runs":
		s.createCheckRun(w, body)
	case m == http.MethodPatch && len(p) == 2 && p[0] == "check-runs":
		s.updateCheckRun(w, p[1], body)
	case m == http.MethodGet && len(p) == 3 && p[0] == "issues" && p[2] == "comments":
		s.listComments(w, r, p[1])
	case m == http.MethodPost && len(p) == 3 && p[0] == "issues" && p[2] == "comments":
		s.createComment(w, p[1], body)
	case m == http.MethodPatch && len(p) == 3 && p[0] == "issues" && p[1] == "comments":
		s.updateComment(w, p[2], body)
	case m == http.MethodGet && len(p) == 1 && p[0] == "pulls":
		s.listPulls(w, r)
	default:
		fail(w, http.StatusNotFound, "Not Found")
	}
}

func (s *Server) injected(w http.ResponseWriter, r *http.Request) bool {
	for i := range s.failures {
		f := &s.failures[i]
		if f.remaining > 0 && (f.method == "" || f.method == r.Method) && strings.HasPrefix(r.URL.Path, f.prefix) {
			f.remaining--
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			msg := http.StatusText(f.status)
			if f.status == http.StatusForbidden || f.status == http.StatusTooManyRequests {
				msg = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
			}
			fail(w, f.status, msg)
			return true
		}
	}
	return false
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		fail(w, http.StatusUnauthorized, "Requires authentication")
		return false
	}
	if auth != "Bearer "+s.Token && auth != "token "+s.Token {
		fail(w, http.StatusUnauthorized, "Bad credentials")
		return false
	}
	return true
}

func (s *Server) allowed(w http.ResponseWriter, perm string) bool {
	if slices.Contains(s.Perms, perm) {
		return true
	}
	fail(w, http.StatusForbidden, "Resource not accessible by integration")
	return false
}

func (s *Server) createStatus(w http.ResponseWriter, sha string, body []byte) {
	if !s.allowed(w, PermStatuses) {
		return
	}
	var in struct {
		State       string  `json:"state"`
		TargetURL   *string `json:"target_url"`
		Description *string `json:"description"`
		Context     *string `json:"context"`
	}
	if !decode(w, body, &in) {
		return
	}
	if !validSHA(sha) {
		invalid(w, "Status", "sha", "No commit found for SHA: "+sha)
		return
	}
	switch in.State {
	case "error", "failure", "pending", "success":
	default:
		invalid(w, "Status", "state", "state is not included in the list")
		return
	}
	st := Status{State: in.State, Context: "default", SHA: sha, CreatedAt: time.Now().UTC()}
	if in.Description != nil {
		if utf8.RuneCountInString(*in.Description) > 140 {
			invalid(w, "Status", "description", "description is too long (maximum is 140 characters)")
			return
		}
		st.Description = *in.Description
	}
	if in.TargetURL != nil {
		st.TargetURL = *in.TargetURL
	}
	if in.Context != nil && *in.Context != "" {
		st.Context = *in.Context
	}
	s.nextID++
	st.ID = s.nextID
	s.statuses = append(s.statuses, st)
	reply(w, http.StatusCreated, st)
}

func (s *Server) listStatuses(w http.ResponseWriter, sha string) {
	var out []Status
	for i := len(s.statuses) - 1; i >= 0; i-- {
		if s.statuses[i].SHA == sha {
			out = append(out, s.statuses[i])
		}
	}
	reply(w, http.StatusOK, append([]Status{}, out...))
}

type checkRunIn struct {
	Name        *string         `json:"name"`
	HeadSHA     *string         `json:"head_sha"`
	Status      *string         `json:"status"`
	Conclusion  *string         `json:"conclusion"`
	DetailsURL  *string         `json:"details_url"`
	StartedAt   *time.Time      `json:"started_at"`
	CompletedAt *time.Time      `json:"completed_at"`
	Output      *CheckRunOutput `json:"output"`
}

func (s *Server) createCheckRun(w http.ResponseWriter, body []byte) {
	if !s.allowed(w, PermChecks) {
		return
	}
	var in checkRunIn
	if !decode(w, body, &in) {
		return
	}
	if in.Name == nil || *in.Name == "" || in.HeadSHA == nil || !validSHA(*in.HeadSHA) {
		invalid(w, "CheckRun", "head_sha", "name and a valid head_sha are required")
		return
	}
	cr := CheckRun{Name: *in.Name, HeadSHA: *in.HeadSHA, Status: "queued"}
	if !applyCheckRun(w, &cr, &in) {
		return
	}
	s.nextID++
	cr.ID = s.nextID
	s.checks = append(s.checks, cr)
	reply(w, http.StatusCreated, cr)
}

func (s *Server) updateCheckRun(w http.ResponseWriter, idText string, body []byte) {
	if !s.allowed(w, PermChecks) {
		return
	}
	i, ok := byID(w, s.checks, idText, func(c CheckRun) int64 { return c.ID })
	if !ok {
		return
	}
	var in checkRunIn
	if !decode(w, body, &in) {
		return
	}
	cr := s.checks[i]
	if in.Name != nil {
		cr.Name = *in.Name
	}
	if !applyCheckRun(w, &cr, &in) {
		return
	}
	s.checks[i] = cr
	reply(w, http.StatusOK, cr)
}

// applyCheckRun applies the fields of a create or update, with the API's
// rules: a conclusion completes the run, and a completed run needs one.
func applyCheckRun(w http.ResponseWriter, cr *CheckRun, in *checkRunIn) bool {
	if in.Status != nil {
		switch *in.Status {
		case "queued", "in_progress", "completed", "waiting", "requested", "pending":
			cr.Status = *in.Status
		default:
			invalid(w, "CheckRun", "status", "status is not included in the list")
			return false
		}
	}
	if in.Conclusion != nil {
		switch *in.Conclusion {
		case "action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out":
			cr.Conclusion, cr.Status = in.Conclusion, "completed"
		default:
			invalid(w, "CheckRun", "conclusion", "conclusion is not included in the list")
			return false
		}
	}
	if cr.Status == "completed" && cr.Conclusion == nil {
		invalid(w, "CheckRun", "conclusion", "conclusion is required when status is completed")
		return false
	}
	if in.Output != nil {
		if in.Output.Title == "" || in.Output.Summary == "" {
			invalid(w, "CheckRun", "output", "output requires a title and a summary")
			return false
		}
		if utf8.RuneCountInString(in.Output.Summary) > 65535 || utf8.RuneCountInString(in.Output.Text) > 65535 {
			invalid(w, "CheckRun", "output", "output summary or text is too long (maximum is 65535 characters)")
			return false
		}
		cr.Output = in.Output
	}
	if in.DetailsURL != nil {
		cr.DetailsURL = *in.DetailsURL
	}
	if in.StartedAt != nil {
		cr.StartedAt = in.StartedAt
	}
	if in.CompletedAt != nil {
		cr.CompletedAt = in.CompletedAt
	}
	return true
}

func (s *Server) issue(w http.ResponseWriter, text string) (int, bool) {
	n, err := strconv.Atoi(text)
	if err != nil || !slices.ContainsFunc(s.pulls, func(p PullRequest) bool { return p.Number == n }) {
		fail(w, http.StatusNotFound, "Not Found")
		return 0, false
	}
	return n, true
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, number string) {
	n, ok := s.issue(w, number)
	if !ok {
		return
	}
	perPage, page := 30, 1
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	all := filter(s.comments, func(c Comment) bool { return c.Issue == n })
	lo := min((page-1)*perPage, len(all))
	hi := min(lo+perPage, len(all))
	if hi < len(all) {
		w.Header().Set("Link", fmt.Sprintf(`<%s/repos/%s/issues/%d/comments?per_page=%d&page=%d>; rel="next"`, s.URL, s.Repo, n, perPage, page+1))
	}
	reply(w, http.StatusOK, append([]Comment{}, all[lo:hi]...))
}

func (s *Server) commentBody(w http.ResponseWriter, body []byte) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if !decode(w, body, &in) {
		return "", false
	}
	if in.Body == nil || *in.Body == "" {
		invalid(w, "IssueComment", "body", "body is missing")
		return "", false
	}
	if utf8.RuneCountInString(*in.Body) > 65536 {
		invalid(w, "IssueComment", "body", "body is too long (maximum is 65536 characters)")
		return "", false
	}
	return *in.Body, true
}

func (s *Server) createComment(w http.ResponseWriter, number string, body []byte) {
	if !s.allowed(w, PermPullRequests) {
		return
	}
	n, ok := s.issue(w, number)
	if !ok {
		return
	}
	text, ok := s.commentBody(w, body)
	if !ok {
		return
	}
	reply(w, http.StatusCreated, s.addComment(n, User{Login: BotLogin, Type: "Bot"}, text))
}

func (s *Server) updateComment(w http.ResponseWriter, idText string, body []byte) {
	if !s.allowed(w, PermPullRequests) {
		return
	}
	i, ok := byID(w, s.comments, idText, func(c Comment) int64 { return c.ID })
	if !ok {
		return
	}
	if s.comments[i].User.Login != BotLogin {
		fail(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	text, ok := s.commentBody(w, body)
	if !ok {
		return
	}
	s.comments[i].Body = text
	reply(w, http.StatusOK, s.comments[i])
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	type head struct {
		SHA  string `json:"sha"`
		Ref  string `json:"ref"`
		Repo struct {
			FullName string `json:"full_name"`
		} `json:"repo"`
	}
	type pr struct {
		Number int    `json:"number"`
		State  string `json:"state"`
		Head   head   `json:"head"`
	}
	out := []pr{}
	for _, p := range s.pulls {
		if state != "all" && p.State != state {
			continue
		}
		if h := q.Get("head"); h != "" && h != p.HeadOwner+":"+p.Branch {
			continue
		}
		x := pr{Number: p.Number, State: p.State, Head: head{SHA: p.SHA, Ref: p.Branch}}
		x.Head.Repo.FullName = p.HeadRepo
		out = append(out, x)
	}
	reply(w, http.StatusOK, out)
}

func validSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

func decode(w http.ResponseWriter, body []byte, v any) bool {
	if err := json.Unmarshal(body, v); err != nil {
		fail(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

const docs = "https://docs.github.com/rest"

func fail(w http.ResponseWriter, code int, msg string) {
	reply(w, code, map[string]string{"message": msg, "documentation_url": docs, "status": strconv.Itoa(code)})
}

func invalid(w http.ResponseWriter, resource, field, msg string) {
	reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "documentation_url": docs, "status": "422",
		"errors": []map[string]string{{"resource": resource, "field": field, "code": "custom", "message": msg}}})
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// byID finds the item whose id is idText (from the URL), or answers 404.
func byID[T any](w http.ResponseWriter, items []T, idText string, id func(T) int64) (int, bool) {
	want, err := strconv.ParseInt(idText, 10, 64)
	i := slices.IndexFunc(items, func(t T) bool { return id(t) == want })
	if err != nil || i < 0 {
		fail(w, http.StatusNotFound, "Not Found")
		return 0, false
	}
	return i, true
}
