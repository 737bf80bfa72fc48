package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
)

// stillWaitingEvery is how often a plain (non-terminal) log says that the
// wait goes on, so a CI log never looks hung.
const stillWaitingEvery = 30 * time.Second

// ensWaitProgress tells, while ens set waits for its transaction, what it
// waits for: a line for each step (sent with the hash, mined, each
// confirmation) and, on a terminal, a spinner with the time waited; in CI
// and other non-terminals a plain line every stillWaitingEvery instead.
type ensWaitProgress struct {
	w        io.Writer
	name     string
	deadline time.Duration
	prog     *progress              // the display the spinner is on; nil when not a terminal
	own      bool                   // prog was started here, and is stopped here
	spin     *bar                   // the spinner
	status   atomic.Pointer[string] // the spinner's text
	last     ens.Progress
	lastLine time.Time
}

func newENSWaitProgress(w io.Writer, name string, deadline time.Duration) *ensWaitProgress {
	return newENSWaitProgressOn(w, nil, name, deadline)
}

// newENSWaitProgressOn is newENSWaitProgress on prog, the run's display,
// when it has one (publish shows its uploads there): two displays on one
// terminal would draw over each other.
func newENSWaitProgressOn(w io.Writer, prog *progress, name string, deadline time.Duration) *ensWaitProgress {
	p := &ensWaitProgress{w: w, name: safetext.Term(name), deadline: deadline}
	switch {
	case prog != nil && prog.mp != nil:
		p.prog = prog
	case prog == nil && isTerminal(w):
		p.prog, p.own = newProgress(w), true
	}
	if p.prog != nil {
		p.spin = p.prog.spinner(func() string {
			if s := p.status.Load(); s != nil {
				return *s
			}
			return ""
		})
	}
	return p
}

// update is ens.SendOptions.Progress.
func (p *ensWaitProgress) update(s ens.Progress) {
	newStage := s.Stage != p.last.Stage
	if newStage || s.Confirmations != p.last.Confirmations {
		switch {
		case newStage && s.Stage == ens.StageSent && s.Needed > 1:
			p.line("transaction %s sent; waiting for it to be mined and confirmed by %d blocks%s", s.TxHash.Hex(), s.Needed, p.limit())
		case newStage && s.Stage == ens.StageSent:
			p.line("transaction %s sent; waiting for it to be mined%s", s.TxHash.Hex(), p.limit())
		case newStage && s.Stage == ens.StageMined:
			p.line("mined in block %d; %s reads back as written; confirmations: 1 of %d", s.Block, p.name, s.Needed)
		case s.Confirmations > p.last.Confirmations && s.Confirmations > 1:
			p.line("confirmations: %d of %d", s.Confirmations, s.Needed)
		}
		p.last = s
	}
	if s.Stage == ens.StageConfirmed {
		return
	}
	status := fmt.Sprintf("waiting for %s to be mined (%s)", shortHash(s.TxHash.Hex()), s.Waited.Round(time.Second))
	if s.Stage == ens.StageMined {
		status = fmt.Sprintf("waiting for confirmations: %d of %d (%s)", s.Confirmations, s.Needed, s.Waited.Round(time.Second))
	}
	if p.prog != nil {
		p.status.Store(&status)
		return
	}
	if time.Since(p.lastLine) >= stillWaitingEvery {
		p.line("still %s", status)
	}
}

func (p *ensWaitProgress) limit() string {
	if p.deadline <= 0 {
		return ""
	}
	return fmt.Sprintf(" (at most %s)", p.deadline)
}

// line prints a line (above the spinner on a terminal).
func (p *ensWaitProgress) line(format string, a ...any) {
	if p.prog != nil {
		p.prog.println(fmt.Sprintf(format, a...))
	} else {
		fmt.Fprintf(p.w, format+"\n", a...)
	}
	p.lastLine = time.Now()
}

func (p *ensWaitProgress) stop() {
	if p.spin != nil {
		p.spin.done()
	}
	if p.own {
		p.prog.wait()
	}
}

// shortHash abbreviates a transaction hash for a status line (the full hash is
// on the line above).
func shortHash(h string) string {
	if len(h) < 14 {
		return h
	}
	return h[:10] + "…" + h[len(h)-4:]
}
