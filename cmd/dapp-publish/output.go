package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// printJSON writes v as indented JSON: the stable machine interface of --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// inGitHubActions reports whether we run as a GitHub Actions step.
func inGitHubActions() bool { return os.Getenv("GITHUB_ACTIONS") == "true" }

// ghOutput appends name=value to the step's outputs ($GITHUB_OUTPUT).
func ghOutput(name, value string) error {
	return ghAppend("GITHUB_OUTPUT", fmt.Sprintf("%s=%s\n", name, value))
}

// ghSummary appends Markdown to the job summary ($GITHUB_STEP_SUMMARY).
func ghSummary(md string) error { return ghAppend("GITHUB_STEP_SUMMARY", md) }

func ghAppend(env, text string) error {
	path := os.Getenv(env)
	if !inGitHubActions() || path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", env, err)
	}
	defer f.Close()
	_, err = f.WriteString(text)
	return err
}

// ghWarning prints a GitHub Actions warning annotation (file may be "").
func ghWarning(w io.Writer, file, title, msg string) {
	if !inGitHubActions() {
		return
	}
	loc := ""
	if file != "" {
		loc = " file=" + escapeAnnotationProp(file) + ","
	} else {
		loc = " "
	}
	fmt.Fprintf(w, "::warning%stitle=%s::%s\n", loc, escapeAnnotationProp(title), escapeAnnotation(msg))
}

func escapeAnnotationProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// isTerminal reports whether w is an interactive terminal, for progress bars
// and colour. NO_COLOR and CI runs get plain lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == "" && !inGitHubActions()
}

// byteProgress shows a progress bar on a terminal and nothing elsewhere.
type byteProgress struct {
	bar  *progressbar.ProgressBar
	done atomic.Int64
}

func newByteProgress(w io.Writer, total int64, label string) *byteProgress {
	p := &byteProgress{}
	if !isTerminal(w) || total <= 0 {
		return p
	}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return p
}

func (p *byteProgress) add(n int64) {
	p.done.Add(n)
	if p.bar != nil {
		_ = p.bar.Add64(n)
	}
}

func (p *byteProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// humanBytes formats n as B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}
