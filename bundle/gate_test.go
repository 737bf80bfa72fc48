package bundle_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
)

// TestPackChecked: the lint beside the pack decides per policy; a strict
// finding cancels the pack and is reported as a LintFailure.
func TestPackChecked(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": `<script src="/app.js"></script>`, "app.js": "x", "big.bin": string(pattern(3<<20, 2))})
	tests := []struct {
		policy   bundle.LintPolicy
		findings int
		fail     bool
	}{
		{bundle.LintOff, 0, false},
		{bundle.LintWarn, 1, false},
		{bundle.LintStrict, 1, true},
	}
	for _, tt := range tests {
		tree, err := bundle.Walk(os.DirFS(dir), bundle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, report, err := bundle.PackChecked(context.Background(), tree, bundle.Options{}, bundle.LintOptions{}, tt.policy)
		if report == nil || report.Findings == nil || len(report.Findings) != tt.findings {
			t.Errorf("policy %d: report %+v, want %d findings", tt.policy, report, tt.findings)
		}
		var lf *bundle.LintFailure
		if got := errors.As(err, &lf) && errors.Is(err, bundle.ErrLintFindings); got != tt.fail {
			t.Errorf("policy %d: err %v, want a lint failure: %v", tt.policy, err, tt.fail)
		}
		if tt.fail != (b == nil) {
			t.Errorf("policy %d: bundle %v with err %v", tt.policy, b, err)
		}
	}
}

// TestPackCheckedCancelled: the caller's cancellation stops the pack.
func TestPackCheckedCancelled(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"index.html": "ok", "big.bin": string(pattern(8<<20, 3))})
	tree, err := bundle.Walk(os.DirFS(dir), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := bundle.PackChecked(ctx, tree, bundle.Options{}, bundle.LintOptions{}, bundle.LintWarn); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
