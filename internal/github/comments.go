package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Comment is an issue or pull-request comment.
type Comment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
	User    struct {
		Login string `json:"login"`
		Type  string `json:"type"` // "Bot" for github-actions[bot], "User" for a person's token
	} `json:"user"`
}

// maxCommentPages bounds the listing: 20 pages of 100 comments.
const maxCommentPages = 20

// Comments lists the comments of issue (or pull request) number, oldest
// first, at most 2,000.
func (c *Client) Comments(ctx context.Context, r Repo, number int) ([]Comment, error) {
	var all []Comment
	for page := 1; page <= maxCommentPages; page++ {
		var batch []Comment
		q := url.Values{"per_page": {"100"}, "page": {strconv.Itoa(page)}}
		if err := c.do(ctx, call{method: http.MethodGet, path: repoPath(r, "issues", strconv.Itoa(number), "comments"), query: q, out: &batch, idempotent: true}); err != nil {
			return nil, err
		}
		all = append(all, batch...)
		if len(batch) < 100 {
			break
		}
	}
	return all, nil
}

// CreateComment adds a comment to issue (or pull request) number (the
// token needs pull-requests: write, or issues: write for an issue).
func (c *Client) CreateComment(ctx context.Context, r Repo, number int, body string) (*Comment, error) {
	var out Comment
	err := c.do(ctx, call{method: http.MethodPost, path: repoPath(r, "issues", strconv.Itoa(number), "comments"),
		body: map[string]string{"body": Truncate(body, MaxCommentBody)}, out: &out})
	return &out, err
}

// UpdateComment replaces the body of comment id.
func (c *Client) UpdateComment(ctx context.Context, r Repo, id int64, body string) (*Comment, error) {
	var out Comment
	err := c.do(ctx, call{method: http.MethodPatch, path: repoPath(r, "issues", "comments", strconv.FormatInt(id, 10)),
		body: map[string]string{"body": Truncate(body, MaxCommentBody)}, out: &out, idempotent: true})
	return &out, err
}

// UpsertComment keeps one comment per pull request for marker (an HTML
// comment such as "<!-- dapp-publish -->", invisible once rendered): the
// body is written as marker, a line break and body, into the first comment
// that starts with marker (a bot's before a person's), or into a new
// comment when there is none or it cannot be edited (someone else's). It
// reports whether an existing comment was updated.
func (c *Client) UpsertComment(ctx context.Context, r Repo, number int, marker, body string) (*Comment, bool, error) {
	if !strings.HasPrefix(marker, "<!--") || !strings.HasSuffix(marker, "-->") {
		return nil, false, fmt.Errorf("comment marker %q is not an HTML comment", marker)
	}
	full := marker + "\n" + body
	comments, err := c.Comments(ctx, r, number)
	if err != nil {
		return nil, false, err
	}
	if old := ours(comments, marker); old != nil {
		cm, err := c.UpdateComment(ctx, r, old.ID, full)
		var ae *Error
		switch {
		case err == nil:
			return cm, true, nil
		case errors.As(err, &ae) && (ae.Status == http.StatusForbidden || ae.Status == http.StatusNotFound) && !ae.RateLimited:
			// Not ours to edit (another account wrote the marker), or gone.
		default:
			return nil, false, err
		}
	}
	cm, err := c.CreateComment(ctx, r, number, full)
	return cm, false, err
}

// ours is the comment to update: the first that starts with marker,
// a bot's first (GITHUB_TOKEN writes as github-actions[bot]).
func ours(comments []Comment, marker string) *Comment {
	var first *Comment
	for i := range comments {
		cm := &comments[i]
		if !strings.HasPrefix(cm.Body, marker) {
			continue
		}
		if cm.User.Type == "Bot" {
			return cm
		}
		if first == nil {
			first = cm
		}
	}
	return first
}

// PullRequest is the part of a pull request we read.
type PullRequest struct {
	Number int    `json:"number"`
	State  string `json:"state"`
	Head   struct {
		SHA  string `json:"sha"`
		Ref  string `json:"ref"`
		Repo *struct {
			FullName string `json:"full_name"`
		} `json:"repo"`
	} `json:"head"`
}

// FindPullRequest returns the number of the open pull request whose head is
// headOwner:headBranch at commit headSHA, or 0 when there is none (the
// branch has moved on, or the pull request was closed). A workflow_run
// event lists the pull requests of a fork's branch only this way.
func (c *Client) FindPullRequest(ctx context.Context, r Repo, headOwner, headBranch, headSHA string) (int, error) {
	if !validName(headOwner) || headBranch == "" {
		return 0, fmt.Errorf("pull request head %q:%q is not a branch", headOwner, headBranch)
	}
	var prs []PullRequest
	q := url.Values{"state": {"open"}, "head": {headOwner + ":" + headBranch}, "per_page": {"100"}}
	if err := c.do(ctx, call{method: http.MethodGet, path: repoPath(r, "pulls"), query: q, out: &prs, idempotent: true}); err != nil {
		return 0, err
	}
	for _, pr := range prs {
		if pr.Head.SHA == headSHA && pr.Number > 0 {
			return pr.Number, nil
		}
	}
	return 0, nil
}
