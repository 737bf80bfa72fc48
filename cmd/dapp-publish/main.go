// Command dapp-publish packs a static DApp frontend into a content-addressed
// bundle, stores it on independent networks, verifies every copy and points
// an ENS name at it. See README.md for the commands.
package main

import (
	"os"
	"runtime/pprof"
)

func main() {
	ctx, stop := signalContext()
	// DAPP_PUBLISH_CPUPROFILE=file writes a CPU profile of the run, for
	// performance reports (`go tool pprof bin/dapp-publish file`).
	if p := os.Getenv("DAPP_PUBLISH_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			code := runContext(ctx, os.Args, os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			stop()
			os.Exit(code)
		}
	}
	code := runContext(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
