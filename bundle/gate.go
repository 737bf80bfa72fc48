package bundle

import (
	"context"
	"errors"
	"fmt"
)

// LintPolicy says what PackChecked does with the lint that runs beside the pack.
type LintPolicy int

const (
	// LintOff skips the lint (only hashing, where the CID is all that is wanted).
	LintOff LintPolicy = iota
	// LintWarn lints and reports the findings; they do not stop the pack.
	LintWarn
	// LintStrict fails on any finding: the pack is cancelled as soon as the
	// lint finds something, and PackChecked returns a *LintFailure.
	LintStrict
)

// ErrLintFindings is wrapped by the error PackChecked returns when a strict
// lint found problems (see LintFailure).
var ErrLintFindings = errors.New("lint found problems")

// LintFailure is a strict lint's verdict: the pack was cancelled, and
// nothing the caller wrote for it should be committed.
type LintFailure struct{ Findings []Finding }

func (e *LintFailure) Error() string {
	return fmt.Sprintf("lint found %d problem(s)", len(e.Findings))
}

// Unwrap makes errors.Is(err, ErrLintFindings) true.
func (e *LintFailure) Unwrap() error { return ErrLintFindings }

// PackChecked packs t while LintTree reads the same walked tree beside it,
// and returns both results once both are done: a caller that writes the CAR
// to a temporary file commits it only when err is nil. With LintStrict a
// finding cancels the pack early. A lint error (an unreadable file, a strict
// failure) wins over the pack's error, because it explains a cancelled pack.
// The report is never nil (no findings with LintOff); lo says which gateway
// styles and route style the lint judges for.
func PackChecked(ctx context.Context, t *Tree, opts Options, lo LintOptions, policy LintPolicy) (*Bundle, *LintReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lint := make(chan lintResult, 1)
	if policy == LintOff {
		lint <- lintResult{report: &LintReport{Findings: []Finding{}}}
	} else {
		go func() { lint <- runLint(t, lo, policy, cancel) }()
	}
	b, err := PackTree(ctx, t, opts)
	lr := <-lint
	if lr.err != nil {
		return nil, lr.report, lr.err
	}
	if err != nil {
		return nil, lr.report, err
	}
	return b, lr.report, nil
}

type lintResult struct {
	report *LintReport
	err    error
}

func runLint(t *Tree, lo LintOptions, policy LintPolicy, cancel func()) lintResult {
	report, err := LintTree(t, lo)
	if report == nil {
		report = &LintReport{}
	}
	if report.Findings == nil {
		report.Findings = []Finding{}
	}
	if err == nil && policy == LintStrict && len(report.Findings) > 0 {
		err = &LintFailure{Findings: report.Findings}
	}
	if err != nil {
		cancel()
	}
	return lintResult{report: report, err: err}
}
