package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/github"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/urfave/cli/v2"
)

// In GitHub Actions, publish reports to GitHub itself besides the step's
// outputs and job summary (publish_summary.go): a commit status or a check
// run, and one pull-request comment that every run updates, through the
// REST API with $GITHUB_TOKEN (internal/github). A call that fails never
// fails the publish: it is reported as a warning, on stderr, as an
// annotation and in the job summary.
//
// It also reads the event that started the run, and refuses to spend or
// to point a name when the code or the artifacts come from a fork
// (checkTrust).

func githubFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "github", Value: "status,comment", EnvVars: []string{"DAPP_PUBLISH_GITHUB"},
			Usage: "in GitHub Actions, what to report through the REST API with $GITHUB_TOKEN: status (a commit status), " +
				"check (a check run instead), comment (one pull-request comment, updated by every run), or none"},
	}
}

// ghReport is what --github asks for.
type ghReport struct{ status, check, comment bool }

func parseGitHubReport(s string) (ghReport, error) {
	var r ghReport
	for _, w := range strings.Split(s, ",") {
		switch strings.TrimSpace(w) {
		case "status":
			r.status = true
		case "check":
			r.check = true
		case "comment":
			r.comment = true
		case "none", "":
		default:
			return r, usageErr("use --github status, check, comment, none, or a comma-separated list such as status,comment", "unknown --github %q", w)
		}
	}
	if r.status && r.check {
		return r, usageErr("choose one of status and check", "--github %q: a commit status and a check run would report the same thing twice", s)
	}
	return r, nil
}

// ghRun is a publish run's link to GitHub. Outside GitHub Actions it does
// nothing.
type ghRun struct {
	c        *cli.Context
	active   bool // GITHUB_ACTIONS=true
	event    *github.Event
	eventErr error
	report   ghReport
	client   *github.Client // nil: nothing is reported through the API
	repo     github.Repo
	sha      string // the commit the status or check run is set on
	name     string // the status context or check run name
	runURL   string
	checkID  int64
	notes    []string // what could not be reported, for the job summary
	unsaid   []string // notes not printed yet
}

// startGitHub reads the run's GitHub context. The token becomes a secret of
// the run (masked, scrubbed) before anything else is printed.
func startGitHub(c *cli.Context) (*ghRun, error) {
	g := &ghRun{c: c, active: inGitHubActions()}
	if !g.active {
		return g, nil
	}
	token := os.Getenv("GITHUB_TOKEN")
	if token != "" {
		addSecret(c, token)
	}
	var err error
	if g.report, err = parseGitHubReport(c.String("github")); err != nil {
		return g, err
	}
	g.event, g.eventErr = github.ReadEvent(os.Getenv("GITHUB_EVENT_NAME"), os.Getenv("GITHUB_EVENT_PATH"))
	g.name = "dapp-publish"
	if c.Bool("preview") {
		g.name = "dapp-publish/preview"
	}
	g.sha = os.Getenv("GITHUB_SHA")
	if g.event != nil && g.event.HeadSHA != "" {
		g.sha = g.event.HeadSHA // a pull request's head, not the merge commit
	}
	repo := os.Getenv("GITHUB_REPOSITORY")
	if server, id := os.Getenv("GITHUB_SERVER_URL"), os.Getenv("GITHUB_RUN_ID"); server != "" && repo != "" && id != "" {
		g.runURL = strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + id
	}
	if g.report == (ghReport{}) {
		return g, nil
	}
	switch {
	case token == "":
		g.note("no GITHUB_TOKEN: no commit status, check run or pull-request comment (the action passes github.token)")
	case g.eventErr != nil:
		g.note("not reported to GitHub: " + g.eventErr.Error())
	case g.event != nil && g.event.Untrusted != "" && isPullRequestEvent(g.event.Name):
		g.note("not reported to GitHub: a pull request from a fork gets a read-only token; the workflow_run that publishes its preview reports it")
	default:
		if g.repo, err = github.ParseRepo(repo); err != nil {
			g.note("not reported to GitHub: GITHUB_REPOSITORY " + err.Error())
		} else if g.client, err = github.New(os.Getenv("GITHUB_API_URL"), token, nil); err != nil {
			g.note("not reported to GitHub: GITHUB_API_URL: " + err.Error())
		}
	}
	return g, nil
}

func isPullRequestEvent(name string) bool {
	return name == "pull_request" || name == "pull_request_target"
}

// untrusted says why the run works on code or artifacts from outside the
// repository ("" when it does not). A payload that cannot be read counts
// as outside: the check fails closed.
func (g *ghRun) untrusted() string {
	switch {
	case !g.active:
		return ""
	case g.eventErr != nil:
		return g.eventErr.Error()
	case g.event != nil:
		return g.event.Untrusted
	}
	return ""
}

// checkTrust refuses to spend or to point a name from a run on a fork's
// code or artifacts (a fork's pull request, or the workflow_run after it):
// only a preview (IPFS holders, no name) or a dry run.
func (g *ghRun) checkTrust() error {
	why := g.untrusted()
	if why == "" || g.c.Bool("preview") || g.c.Bool("dry-run") {
		return nil
	}
	return usageErr("from such a run publish only a preview: pass --preview (the action's `preview: true`), which stores on IPFS holders only and never touches the name",
		"refusing to spend or to point a name in a run on code or artifacts from outside the repository: %s", why)
}

// note records something not reported to GitHub, for stderr and the job
// summary at the end (not at once: the config's secrets are not masked
// yet when startGitHub runs).
func (g *ghRun) note(s string) { g.notes = append(g.notes, s); g.unsaid = append(g.unsaid, s) }

// warn reports a GitHub call that failed: never an error of the run.
func (g *ghRun) warn(what string, err error) {
	msg := what + ": " + err.Error()
	var ae *github.Error
	if errors.As(err, &ae) {
		switch {
		case ae.Status == http.StatusForbidden && !ae.RateLimited:
			msg += " (give the job `permissions:` " + g.permissionFor(what) + ")"
		case ae.Status == http.StatusUnauthorized:
			msg += " (check the github-token input / GITHUB_TOKEN)"
		}
	}
	g.notes = append(g.notes, msg)
	fmt.Fprintf(g.c.App.ErrWriter, "dapp-publish: warning: %s\n", safetext.Term(msg))
	ghWarning(g.c.App.ErrWriter, "", "dapp-publish: GitHub", msg)
}

func (g *ghRun) permissionFor(what string) string {
	switch {
	case strings.Contains(what, "check run"):
		return "`checks: write`"
	case strings.Contains(what, "comment"), strings.Contains(what, "pull request"):
		return "`pull-requests: write`"
	}
	return "`statuses: write`"
}

// callTimeout bounds all the calls of one report: a report is not worth
// holding a release up for.
const callTimeout = 60 * time.Second

// start marks the commit as being published (a pending status, or a check
// run in progress).
func (g *ghRun) start(ctx context.Context) {
	if g.client == nil || !(g.report.status || g.report.check) {
		return
	}
	if !github.ValidSHA(g.sha) {
		g.note(fmt.Sprintf("no commit status: %q is not a commit id (GITHUB_SHA)", g.sha))
		g.report.status, g.report.check = false, false
		return
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	desc := "publishing: pack, store, verify"
	if g.report.status {
		if err := g.client.CreateStatus(ctx, g.repo, g.sha, github.Status{State: github.StatePending, Context: g.name, Description: desc, TargetURL: g.runURL}); err != nil {
			g.warn("could not set the commit status", err)
			g.report.status = false
		}
		return
	}
	now := time.Now().UTC()
	id, err := g.client.CreateCheckRun(ctx, g.repo, github.CheckRun{Name: g.name, HeadSHA: g.sha, Status: github.CheckInProgress, StartedAt: &now,
		DetailsURL: g.runURL, Output: &github.CheckOutput{Title: "Publishing", Summary: desc}})
	if err != nil {
		g.warn("could not create the check run", err)
		g.report.check = false
		return
	}
	g.checkID = id
}

// finish reports the run's end: the step outputs and job summary, the
// final status or check run, and the pull-request comment. runErr is the
// run's error (the Record may be nil when it failed before packing).
func (g *ghRun) finish(ctx context.Context, rec *publish.Record, info ghInfo, runErr error) {
	if !g.active {
		return
	}
	// Reported even when the run was interrupted, briefly.
	limit := callTimeout
	if ctx.Err() != nil {
		limit = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	info.runURL = g.runURL
	info.source = g.untrusted()
	md := ""
	if rec != nil {
		md = publishSummary(rec, info)
	}
	if g.client != nil {
		g.finishStatus(ctx, rec, info, md, runErr)
		if rec != nil && g.report.comment && rec.Outcome != publish.OutcomeDryRun {
			g.comment(ctx, rec, info)
		}
	}
	for _, n := range g.unsaid {
		fmt.Fprintf(g.c.App.ErrWriter, "dapp-publish: note: %s\n", safetext.Term(n))
	}
	g.unsaid = nil
	info.notes = g.notes
	if rec != nil {
		githubOutputs(rec, info)
		_ = ghSummary(publishSummary(rec, info))
	} else if len(g.notes) > 0 {
		_ = ghSummary("### dapp-publish\n\n" + notesMarkdown(g.notes))
	}
}

func (g *ghRun) finishStatus(ctx context.Context, rec *publish.Record, info ghInfo, md string, runErr error) {
	state, desc := statusOf(rec, runErr)
	target := g.runURL
	if rec != nil && (rec.Outcome == publish.OutcomePublished || rec.Outcome == publish.OutcomeUnchanged) && !info.local {
		if links := siteLinks(rec.CID); len(links) > 0 {
			target = links[0]
		}
	}
	switch {
	case g.report.status:
		if err := g.client.CreateStatus(ctx, g.repo, g.sha, github.Status{State: state, Context: g.name, Description: desc, TargetURL: target}); err != nil {
			g.warn("could not set the commit status", err)
		}
	case g.report.check && g.checkID != 0:
		conclusion := github.ConclusionSuccess
		if state != github.StateSuccess {
			conclusion = github.ConclusionFailure
		}
		if md == "" {
			md = desc
		}
		now := time.Now().UTC()
		err := g.client.UpdateCheckRun(ctx, g.repo, g.checkID, github.CheckRun{Status: github.CheckCompleted, Conclusion: conclusion, CompletedAt: &now,
			DetailsURL: target, Output: &github.CheckOutput{Title: desc, Summary: md}})
		if err != nil {
			g.warn("could not complete the check run", err)
		}
	}
}

// statusOf is the commit status of a run and its one-line description.
func statusOf(rec *publish.Record, runErr error) (state, desc string) {
	if rec == nil {
		msg := "failed"
		if runErr != nil {
			msg = "failed: " + runErr.Error()
		}
		return github.StateError, github.Truncate(msg, github.MaxStatusDescription)
	}
	short := shortCID(rec.CID)
	copies := copiesLine(rec)
	switch rec.Outcome {
	case publish.OutcomePublished, publish.OutcomeUnchanged:
		desc = short + " " + copies
		if e := rec.ENS; e != nil && !e.DryRun {
			switch {
			case e.Tx != "" || e.NoOp:
				desc += "; " + e.Name + " points at it"
			case e.SafeTxHash != "":
				desc += "; " + e.Name + " proposed to the Safe"
			default:
				desc += "; " + e.Name + " calldata ready"
			}
		}
		state = github.StateSuccess
	case publish.OutcomeDryRun:
		state, desc = github.StateSuccess, "dry run: "+short+" "+strings.Replace(copies, "verified", "reachable", 1)
	case publish.OutcomeQuorumNotMet:
		state, desc = github.StateFailure, "quorum not met: "+short+" "+copies+"; name untouched"
	case publish.OutcomeNameFailed:
		state, desc = github.StateFailure, short+" "+copies+"; the name update FAILED"
	case publish.OutcomeNamePending:
		state, desc = github.StateError, short+" "+copies+"; the name's transaction is not confirmed yet: run again"
	default:
		state, desc = github.StateFailure, "not published: "+rec.Error
	}
	return state, github.Truncate(desc, github.MaxStatusDescription)
}

// copiesLine is "verified on 2 of 3 holders" (for a dry run, the holders
// counted are the reachable ones), from the quorum's count.
func copiesLine(rec *publish.Record) string {
	ok, all := 0, 0
	for _, n := range rec.Quorum.Networks {
		if n.Network != publish.QuorumGateways {
			ok += len(n.Verified)
			all += len(n.Verified) + len(n.Failed)
		}
	}
	if all == 0 {
		all = len(rec.Receipts)
	}
	return fmt.Sprintf("verified on %d of %d holders", ok, all)
}

func shortCID(c string) string {
	if len(c) <= 16 {
		return c
	}
	return c[:10] + "…" + c[len(c)-6:]
}

// commentMarker starts the one comment dapp-publish keeps per pull request.
const commentMarker = "<!-- dapp-publish -->"

// comment writes (or updates) the pull request's comment.
func (g *ghRun) comment(ctx context.Context, rec *publish.Record, info ghInfo) {
	pr := 0
	if g.event != nil {
		pr = g.event.PR
		e := g.event
		if pr == 0 && e.Name == "workflow_run" && isPullRequestEvent(e.RunEvent) && e.HeadOwner != "" {
			n, err := g.client.FindPullRequest(ctx, g.repo, e.HeadOwner, e.HeadBranch, e.HeadSHA)
			if err != nil {
				g.warn("could not find the pull request of the run", err)
				return
			}
			pr = n
		}
	}
	if pr == 0 {
		return // not about a pull request
	}
	if _, _, err := g.client.UpsertComment(ctx, g.repo, pr, commentMarker, commentBody(rec, info, g.sha)); err != nil {
		g.warn(fmt.Sprintf("could not write the comment on pull request #%d", pr), err)
	}
}

// notesMarkdown lists what could not be reported.
func notesMarkdown(notes []string) string {
	var b strings.Builder
	b.WriteString("**GitHub reporting:**\n\n")
	for _, n := range slices.Compact(slices.Clone(notes)) {
		fmt.Fprintf(&b, "- %s\n", mdCode(n))
	}
	return b.String() + "\n"
}
