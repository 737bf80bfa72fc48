// Package github is a small client of the GitHub REST API for what
// dapp-publish reports from a GitHub Actions run: a commit status or a check
// run, and one pull-request comment that every run updates rather than
// adds to; and a reader of the event payload that started the run
// (event.go), which tells a fork's pull request from the repository's own.
//
// It talks only to https://api.github.com or the GITHUB_API_URL the runner
// sets (GitHub Enterprise Server), never follows a redirect to another host,
// and never puts the token into an error. Calls that the API refused for
// the moment (429, 5xx, secondary rate limits) are retried a few times,
// within the caller's context; requests that create something are retried
// only when the API says it did not process them.
//
// Endpoints (docs.github.com/rest, API version 2022-11-28):
//
//	POST  /repos/{owner}/{repo}/statuses/{sha}            commit status
//	POST  /repos/{owner}/{repo}/check-runs                 check run
//	PATCH /repos/{owner}/{repo}/check-runs/{id}
//	GET   /repos/{owner}/{repo}/issues/{number}/comments   pull-request comments
//	POST  /repos/{owner}/{repo}/issues/{number}/comments
//	PATCH /repos/{owner}/{repo}/issues/comments/{id}
//	GET   /repos/{owner}/{repo}/pulls?head=owner:branch   the pull request of a fork's branch
//
// A hand-written client rather than go-github: these seven calls are all we
// need, and go-github would add a large dependency to a binary that users
// build in their workflows.
package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/dapp-publish/dapp-publish/internal/ctxtime"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultAPIURL is the REST API of github.com.
const DefaultAPIURL = "https://api.github.com"

// APIVersion is the REST API version every request asks for.
const APIVersion = "2022-11-28"

// Limits of the API (docs.github.com/rest): longer values are refused
// with 422, so the client cuts them first.
const (
	MaxStatusDescription = 140   // characters of a commit status description
	MaxCheckText         = 65535 // characters of a check run's output.summary and output.text
	MaxCommentBody       = 65536 // characters of an issue comment
)

// maxResponse bounds what is read of any answer: a page of 100 comments of
// at most 65,536 characters each fits.
const maxResponse = 32 << 20

// Client calls the REST API with one token.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	// Attempts is how many times a call the API refused for the moment is
	// made in all (default 3); RetryDelay the first wait between them
	// (default 1s, doubled each time), unless the API says how long.
	Attempts   int
	RetryDelay time.Duration
	// MaxWait caps a Retry-After the API asks for (default 10s): a report
	// is not worth holding a release up for longer.
	MaxWait time.Duration
}

// New returns a client of the API at apiURL (DefaultAPIURL when empty)
// that authenticates with token. apiURL must be https, or http on a
// loopback address (tests); it must not hold credentials, a query or a
// fragment. hc may be nil.
func New(apiURL, token string, hc *http.Client) (*Client, error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	u, err := checkAPIURL(apiURL)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errors.New("no token")
	}
	c := &http.Client{Timeout: 30 * time.Second}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	host := u.Host
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host || req.URL.Scheme != u.Scheme {
			return fmt.Errorf("refusing to follow a redirect to %s://%s", req.URL.Scheme, req.URL.Host)
		}
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return nil
	}
	return &Client{base: u, token: token, http: c, Attempts: 3, RetryDelay: time.Second, MaxWait: 10 * time.Second}, nil
}

func checkAPIURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("API URL %q is not a URL with a host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("API URL must not hold credentials, a query or a fragment")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("API URL %s://%s: only https (or http on a loopback address) carries the token", u.Scheme, u.Host)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Error is an answer of the API other than 2xx.
type Error struct {
	Method, Path string // the call, without the host
	Status       int
	Message      string   // the API's "message"
	Details      []string // the "errors" of a 422, as text
	// RateLimited: a primary or secondary rate limit refused the call.
	RateLimited bool
	retryAfter  time.Duration
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("GitHub API %s %s: %d", e.Method, e.Path, e.Status)
	if e.Message != "" {
		msg += " " + e.Message
	}
	if len(e.Details) > 0 {
		msg += " (" + strings.Join(e.Details, "; ") + ")"
	}
	return msg
}

// Repo is a repository, "owner/name".
type Repo struct{ Owner, Name string }

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// ParseRepo parses "owner/name" ($GITHUB_REPOSITORY).
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !validName(owner) || !validName(name) {
		return Repo{}, fmt.Errorf("%q is not a repository (owner/name)", s)
	}
	return Repo{owner, name}, nil
}

// validName: GitHub owner and repository names are ASCII letters, digits,
// '-', '_' and '.', at most 100 characters.
func validName(s string) bool {
	if s == "" || len(s) > 100 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// ValidSHA reports whether s is a full commit id (SHA-1 or SHA-256, hex).
func ValidSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// Truncate cuts s to at most n characters, ending with "…" when cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// call is one request. idempotent: safe to send again after an answer
// that may mean it was processed (5xx, a dropped connection).
type call struct {
	method, path string
	query        url.Values
	body         any
	out          any
	idempotent   bool
}

func (c *Client) do(ctx context.Context, k call) error {
	attempts := max(c.Attempts, 1)
	delay := c.RetryDelay
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			wait := delay
			var ae *Error
			if errors.As(err, &ae) && ae.retryAfter > 0 {
				wait = min(ae.retryAfter, c.maxWait())
			}
			if serr := ctxtime.Sleep(ctx, wait); serr != nil {
				return err
			}
			delay *= 2
		}
		var retry bool
		retry, err = c.once(ctx, k)
		if err == nil || !retry {
			return err
		}
	}
	return err
}

func (c *Client) maxWait() time.Duration {
	if c.MaxWait > 0 {
		return c.MaxWait
	}
	return 10 * time.Second
}

// once sends the request once; retry says whether another attempt may help.
func (c *Client) once(ctx context.Context, k call) (retry bool, err error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + k.path // k.path's segments are escaped
	u.Path, _ = url.PathUnescape(u.RawPath)
	if len(k.query) > 0 {
		u.RawQuery = k.query.Encode()
	}
	var body io.Reader
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return false, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", APIVersion)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", "dapp-publish")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL holds nothing secret (no credentials, no query secrets).
		return k.idempotent && ctx.Err() == nil, fmt.Errorf("GitHub API %s %s: %w", k.method, k.path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return k.idempotent, fmt.Errorf("GitHub API %s %s: reading the answer: %w", k.method, k.path, err)
	}
	if len(data) > maxResponse {
		return false, fmt.Errorf("GitHub API %s %s: answer over %d bytes", k.method, k.path, maxResponse)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := apiError(k, resp, data)
		// A rate limit refused the call: it was not processed, so even a
		// create may be sent again. A 5xx may have been processed.
		retry := ae.RateLimited || (k.idempotent && resp.StatusCode >= 500)
		return retry, ae
	}
	if k.out != nil {
		if err := json.Unmarshal(data, k.out); err != nil {
			return false, fmt.Errorf("GitHub API %s %s: unexpected answer: %w", k.method, k.path, err)
		}
	}
	return false, nil
}

// unwrapURLError drops *url.Error's quoting of the whole URL: the path is
// said once by the caller.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func apiError(k call, resp *http.Response, data []byte) *Error {
	e := &Error{Method: k.method, Path: k.path, Status: resp.StatusCode}
	var body struct {
		Message string `json:"message"`
		Errors  []struct {
			Resource string `json:"resource"`
			Field    string `json:"field"`
			Code     string `json:"code"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(data, &body) == nil {
		e.Message = Truncate(body.Message, 300)
		for _, d := range body.Errors {
			text := d.Message
			if text == "" {
				text = strings.TrimSpace(d.Field + " " + d.Code)
			}
			e.Details = append(e.Details, Truncate(text, 200))
			if len(e.Details) == 5 {
				break
			}
		}
	} else {
		e.Message = Truncate(strings.TrimSpace(string(data)), 300)
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.retryAfter = time.Duration(n) * time.Second
			e.RateLimited = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusForbidden
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RateLimited = true
	}
	if resp.StatusCode == http.StatusForbidden && resp.Header.Get("X-RateLimit-Remaining") == "0" {
		e.RateLimited = true
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			e.retryAfter = max(time.Until(time.Unix(reset, 0)), 0)
		}
	}
	return e
}

// repoPath is /repos/{owner}/{repo} followed by more segments, each escaped.
func repoPath(r Repo, segs ...string) string {
	p := "/repos/" + url.PathEscape(r.Owner) + "/" + url.PathEscape(r.Name)
	for _, s := range segs {
		p += "/" + url.PathEscape(s)
	}
	return p
}
