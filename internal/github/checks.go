package github

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Commit status states.
const (
	StatePending = "pending"
	StateSuccess = "success"
	StateFailure = "failure"
	StateError   = "error"
)

// Status is a commit status: one line beside a commit and in a pull
// request's checks, a state with a short text and a link.
type Status struct {
	State       string `json:"state"`
	TargetURL   string `json:"target_url,omitempty"`
	Description string `json:"description,omitempty"` // cut to MaxStatusDescription
	Context     string `json:"context,omitempty"`     // the line's name: a new status of the same context replaces the old
}

// CreateStatus sets a commit status on sha (the token needs statuses:
// write). Setting it again is harmless, so it is retried like a read.
func (c *Client) CreateStatus(ctx context.Context, r Repo, sha string, s Status) error {
	if !ValidSHA(sha) {
		return fmt.Errorf("commit status: %q is not a commit id", sha)
	}
	s.Description = Truncate(s.Description, MaxStatusDescription)
	return c.do(ctx, call{method: http.MethodPost, path: repoPath(r, "statuses", sha), body: s, idempotent: true})
}

// Check run states and conclusions.
const (
	CheckInProgress = "in_progress"
	CheckCompleted  = "completed"

	ConclusionSuccess = "success"
	ConclusionFailure = "failure"
	ConclusionNeutral = "neutral"
)

// CheckRun is a check run: like a status, with a Markdown report of its own
// on the pull request's Checks tab.
type CheckRun struct {
	Name        string       `json:"name,omitempty"`
	HeadSHA     string       `json:"head_sha,omitempty"`
	Status      string       `json:"status,omitempty"`
	Conclusion  string       `json:"conclusion,omitempty"` // required with status completed
	DetailsURL  string       `json:"details_url,omitempty"`
	StartedAt   *time.Time   `json:"started_at,omitempty"`
	CompletedAt *time.Time   `json:"completed_at,omitempty"`
	Output      *CheckOutput `json:"output,omitempty"`
}

// CheckOutput is a check run's report: title and summary are required.
type CheckOutput struct {
	Title   string `json:"title"`
	Summary string `json:"summary"` // Markdown, cut to MaxCheckText
	Text    string `json:"text,omitempty"`
}

// CreateCheckRun starts a check run on run.HeadSHA (the token needs
// checks: write) and returns its id.
func (c *Client) CreateCheckRun(ctx context.Context, r Repo, run CheckRun) (int64, error) {
	if !ValidSHA(run.HeadSHA) {
		return 0, fmt.Errorf("check run: %q is not a commit id", run.HeadSHA)
	}
	cut(run.Output)
	var out struct {
		ID int64 `json:"id"`
	}
	err := c.do(ctx, call{method: http.MethodPost, path: repoPath(r, "check-runs"), body: run, out: &out})
	return out.ID, err
}

// UpdateCheckRun changes a check run (typically to completed, with its
// conclusion and report).
func (c *Client) UpdateCheckRun(ctx context.Context, r Repo, id int64, run CheckRun) error {
	cut(run.Output)
	return c.do(ctx, call{method: http.MethodPatch, path: repoPath(r, "check-runs", strconv.FormatInt(id, 10)), body: run, idempotent: true})
}

func cut(o *CheckOutput) {
	if o != nil {
		o.Summary = Truncate(o.Summary, MaxCheckText)
		o.Text = Truncate(o.Text, MaxCheckText)
	}
}
