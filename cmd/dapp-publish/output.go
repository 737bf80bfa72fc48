package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
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

// progress reports long-running work on w (stderr): bars drawn by mpb on an
// interactive terminal, one per task (a pack, each provider's upload); and
// elsewhere (CI logs, pipes, NO_COLOR) a plain line every plainEvery while
// anything runs, so a long upload is not silent and logs stay readable.
// Every command uses this one type, so every command looks the same.
type progress struct {
	w     io.Writer
	title string
	mp    *mpb.Progress // nil: plain lines

	mu   sync.Mutex
	bars []*bar
	stop chan struct{}
	wg   sync.WaitGroup
}

// plainEvery is how often the plain status line is printed.
var plainEvery = 10 * time.Second

// newProgress starts a progress display on w; title prefixes plain lines.
func newProgress(w io.Writer, title ...string) *progress {
	p := &progress{w: w, stop: make(chan struct{})}
	if len(title) > 0 {
		p.title = title[0]
	}
	if isTerminal(w) {
		p.mp = mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(150*time.Millisecond))
		return p
	}
	p.wg.Add(1)
	go p.plainLoop()
	return p
}

// bar is one task's progress in bytes; total <= 0 means unknown.
type bar struct {
	label string
	total int64
	n     atomic.Int64
	over  atomic.Bool
	mb    *mpb.Bar
}

// bar adds a task.
func (p *progress) bar(label string, total int64) *bar {
	b := &bar{label: label, total: total}
	if p.mp != nil {
		counter := decor.Current(decor.SizeB1024(0), "% .1f")
		if total > 0 {
			counter = decor.Counters(decor.SizeB1024(0), "% .1f / % .1f")
		}
		b.mb = p.mp.AddBar(max(total, 0),
			mpb.PrependDecorators(decor.Name(label, decor.WCSyncSpaceR)),
			mpb.AppendDecorators(counter, decor.Name(" "), decor.AverageSpeed(decor.SizeB1024(0), "% .1f")),
			mpb.BarRemoveOnComplete())
	}
	p.mu.Lock()
	p.bars = append(p.bars, b)
	p.mu.Unlock()
	return b
}

// add counts n more bytes done. Safe for concurrent use.
func (b *bar) add(n int64) {
	b.n.Add(n)
	if b.mb != nil {
		b.mb.IncrInt64(n)
	}
}

// done marks the task finished.
func (b *bar) done() {
	if b.over.Swap(true) || b.mb == nil {
		return
	}
	b.mb.SetTotal(-1, true) // complete at the current count
}

// println prints a line above the bars on a terminal, or as it is.
func (p *progress) println(line string) {
	if p.mp != nil {
		if _, err := fmt.Fprintln(p.mp, line); err == nil {
			return
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, line)
}

// wait finishes every task and stops the display.
func (p *progress) wait() {
	p.mu.Lock()
	bars := p.bars
	p.mu.Unlock()
	for _, b := range bars {
		b.done()
	}
	if p.mp != nil {
		p.mp.Wait()
		return
	}
	close(p.stop)
	p.wg.Wait()
}

func (p *progress) plainLoop() {
	defer p.wg.Done()
	t := time.NewTicker(plainEvery)
	defer t.Stop()
	last := ""
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if l := p.plainLine(); l != "" && l != last {
				p.println(l)
				last = l
			}
		}
	}
}

// plainLine is "title: label 1.0 MiB/2.0 MiB | label2 ..." for the tasks
// still running, or "" when none is.
func (p *progress) plainLine() string {
	p.mu.Lock()
	bars := p.bars
	p.mu.Unlock()
	var parts []string
	for _, b := range bars {
		if b.over.Load() {
			continue
		}
		s := b.label + " " + humanBytes(b.n.Load())
		if b.total > 0 {
			s += "/" + humanBytes(b.total)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	line := strings.Join(parts, " | ")
	if p.title != "" {
		line = p.title + ": " + line
	}
	return line
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
