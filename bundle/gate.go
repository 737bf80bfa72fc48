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
// Findings is never nil (empty with LintOff).
func PackChecked(ctx context.Context, t *Tree, opts Options, policy LintPolicy) (*Bundle, []Finding, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lint := make(chan lintResult, 1)
	if policy == LintOff {
		lint <- lintResult{findings: []Finding{}}
	} else {
		go func() { lint <- runLint(t, policy, cancel) }()
	}
	b, err := PackTree(ctx, t, opts)
	lr := <-lint
	if lr.err != nil {
		return nil, lr.findings, lr.err
	}
	if err != nil {
		return nil, lr.findings, err
	}
	return b, lr.findings, nil
}

type lintResult struct {
	findings []Finding
	err      error
}

func runLint(t *Tree, policy LintPolicy, cancel func()) lintResult {
	findings, err := LintTree(t)
	if findings == nil {
		findings = []Finding{}
	}
	if err == nil && policy == LintStrict && len(findings) > 0 {
		err = &LintFailure{Findings: findings}
	}
	if err != nil {
		cancel()
	}
	return lintResult{findings: findings, err: err}
}
