package main

import (
	"crypto/rand"
	"encoding/hex"
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

// ghOutput appends name=value to the step's outputs ($GITHUB_OUTPUT). A
// value with a line break is written in the delimiter form, so it cannot
// add outputs of its own.
func ghOutput(name, value string) error {
	if !strings.ContainsAny(value, "\r\n") {
		return ghAppend("GITHUB_OUTPUT", fmt.Sprintf("%s=%s\n", name, value))
	}
	delim := "dapp_publish_" + randomHex(16)
	return ghAppend("GITHUB_OUTPUT", fmt.Sprintf("%s<<%s\n%s\n%s\n", name, delim, value, delim))
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
	_, err = f.WriteString(scrubForGitHub(text))
	return err
}

// ghWarning prints a GitHub Actions warning annotation (file may be "").
func ghWarning(w io.Writer, file, title, msg string) {
	var props [][2]string
	if file != "" {
		props = append(props, [2]string{"file", file})
	}
	ghCommand(w, "warning", append(props, [2]string{"title", title}), msg)
}

// isTerminal reports whether w is an interactive terminal, for progress bars
// and colour. NO_COLOR and CI runs get plain lines. Streams that wrap a
// file (the scrubbing stdout and stderr) are looked through.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == "" && !inGitHubActions()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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
