package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
)

// signalGrace is how long a command has, after SIGINT or SIGTERM cancelled
// its context, to stop and remove what it had half-written before the
// process removes the pending temporary files itself and exits. A second
// signal cuts it short.
const signalGrace = 10 * time.Second

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "interrupted by " + e.sig.String() }

// signalContext returns a context cancelled by SIGINT or SIGTERM, and a
// function that stops listening. Every command that writes removes its
// temporary files when its context ends (internal/atomicfile: Abort in a
// defer); if it has not returned within signalGrace, or on a second signal,
// the pending temporary files are removed here and the process exits.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	stopped := make(chan struct{})
	go func() {
		var sig os.Signal
		select {
		case sig = <-ch:
		case <-stopped:
			return
		}
		cancel(&signalError{sig})
		select {
		case <-ch:
		case <-time.After(signalGrace):
		case <-stopped:
			return
		}
		atomicfile.RemovePending()
		code := exitInterrupted
		if sig == syscall.SIGTERM {
			code = exitTerminated
		}
		os.Exit(code)
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(stopped)
		cancel(nil)
	}
}

// interruptedBy reports the signal that cancelled ctx, if one did.
func interruptedBy(ctx context.Context) (os.Signal, bool) {
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.sig, true
	}
	return nil, false
}
