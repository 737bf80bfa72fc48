package github

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Event is what dapp-publish needs of the event that started a workflow
// run ($GITHUB_EVENT_NAME and the payload at $GITHUB_EVENT_PATH).
type Event struct {
	Name string // push, pull_request, workflow_run, ...
	// Repository is the repository the workflow runs in.
	Repository string
	// PR is the pull request the run is about (0: none, or not known from
	// the payload: a fork's workflow_run lists none, see HeadOwner).
	PR int
	// HeadSHA is the commit the run is about: a pull request's head, the
	// head of the run a workflow_run follows; "" for other events (use
	// $GITHUB_SHA).
	HeadSHA string
	// HeadRepository, HeadOwner and HeadBranch name where the code came
	// from, for pull requests and workflow_run.
	HeadRepository, HeadOwner, HeadBranch string
	// BaseRepository is the repository the pull request is for, or the one
	// the followed run ran in.
	BaseRepository string
	// RunEvent is, for workflow_run, the event of the run it follows.
	RunEvent string
	// Untrusted says why the code or the artifacts the run works on may
	// come from outside the repository ("" when they do not): a pull
	// request from a fork, a workflow_run that follows a fork's run, or a
	// payload that does not say where they came from (fail closed).
	Untrusted string
}

// maxPayload bounds the event payload read (GitHub caps webhook payloads
// at 25 MB).
const maxPayload = 32 << 20

// ReadEvent reads the event of a run: name is $GITHUB_EVENT_NAME, path
// $GITHUB_EVENT_PATH. With neither, there is no event (not a workflow run):
// nil, nil. A payload that cannot be read is an error; the caller should
// treat the run as untrusted.
func ReadEvent(name, path string) (*Event, error) {
	if name == "" && path == "" {
		return nil, nil
	}
	if path == "" {
		return ParseEvent(name, nil)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read the event payload: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, errors.New("failed to read the event payload: not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read the event payload: %w", err)
	}
	if len(data) > maxPayload {
		return nil, fmt.Errorf("the event payload is over %d bytes", maxPayload)
	}
	return ParseEvent(name, data)
}

type repoJSON struct {
	FullName string `json:"full_name"`
	Owner    struct {
		Login string `json:"login"`
	} `json:"owner"`
}

func (r *repoJSON) name() string {
	if r == nil {
		return ""
	}
	return r.FullName
}

type payload struct {
	Repository  *repoJSON `json:"repository"`
	PullRequest *struct {
		Number int `json:"number"`
		Head   struct {
			SHA  string    `json:"sha"`
			Ref  string    `json:"ref"`
			Repo *repoJSON `json:"repo"`
		} `json:"head"`
		Base struct {
			Repo *repoJSON `json:"repo"`
		} `json:"base"`
	} `json:"pull_request"`
	WorkflowRun *struct {
		Event          string    `json:"event"`
		HeadSHA        string    `json:"head_sha"`
		HeadBranch     string    `json:"head_branch"`
		HeadRepository *repoJSON `json:"head_repository"`
		Repository     *repoJSON `json:"repository"`
		PullRequests   []struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_requests"`
	} `json:"workflow_run"`
}

// ParseEvent decodes an event payload. Which repository the code came
// from decides trust, the way filecoin-pin's upload action decides it: a
// workflow_run is trusted only when its head repository is the repository
// itself; a pull request only when its head and base repositories are the
// same; anything that does not say is untrusted.
func ParseEvent(name string, data []byte) (*Event, error) {
	var p payload
	if len(data) > 0 {
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("failed to decode the event payload: %w", err)
		}
	}
	e := &Event{Name: name, Repository: p.Repository.name()}
	switch {
	case name == "workflow_run" || (name == "" && p.WorkflowRun != nil):
		e.workflowRun(&p)
	case isPullRequest(name) || (name == "" && p.PullRequest != nil):
		e.pullRequest(&p)
	}
	return e, nil
}

func isPullRequest(name string) bool {
	return name == "pull_request" || name == "pull_request_target" || name == "pull_request_review" || name == "pull_request_review_comment"
}

func (e *Event) workflowRun(p *payload) {
	wr := p.WorkflowRun
	if wr == nil {
		e.Untrusted = "the workflow_run payload has no workflow_run"
		return
	}
	e.RunEvent, e.HeadSHA, e.HeadBranch = wr.Event, wr.HeadSHA, wr.HeadBranch
	head, base := wr.HeadRepository.name(), wr.Repository.name()
	if base == "" {
		base = e.Repository
	}
	e.HeadRepository, e.BaseRepository = head, base
	if wr.HeadRepository != nil {
		e.HeadOwner = wr.HeadRepository.Owner.Login
	}
	for _, pr := range wr.PullRequests {
		if pr.Head.SHA == wr.HeadSHA && pr.Number > 0 {
			e.PR = pr.Number
			break
		}
	}
	switch {
	case head == "" || base == "":
		e.Untrusted = "the workflow_run payload does not say which repository the run's code came from"
	case !strings.EqualFold(head, base):
		e.Untrusted = "the workflow_run follows a run on code from the fork " + head
	}
}

func (e *Event) pullRequest(p *payload) {
	pr := p.PullRequest
	if pr == nil {
		e.Untrusted = "the " + e.Name + " payload has no pull_request"
		return
	}
	e.PR, e.HeadSHA, e.HeadBranch = pr.Number, pr.Head.SHA, pr.Head.Ref
	head, base := pr.Head.Repo.name(), pr.Base.Repo.name()
	e.HeadRepository, e.BaseRepository = head, base
	if pr.Head.Repo != nil {
		e.HeadOwner = pr.Head.Repo.Owner.Login
	}
	switch {
	case head == "" || base == "":
		e.Untrusted = "the pull request's payload does not say which repository its code came from (a deleted fork?)"
	case !strings.EqualFold(head, base):
		e.Untrusted = "the pull request comes from the fork " + head
	}
}
