// Package testpeers starts and stops the real peers that integration tests
// talk to: Kubo (IPFS RPC and gateway), and the helpers other packages add
// (IPFS Cluster, anvil with the ENS contracts).
//
// Peers are found through environment variables that `make test` sets
// (DAPP_PUBLISH_IPFS, DAPP_PUBLISH_CLUSTER_SERVICE, DAPP_PUBLISH_NPM, ...).
// When one is missing the test is skipped, unless DAPP_PUBLISH_REQUIRE_PEERS=1,
// in which case it fails: CI never silently skips a real-peer test.
//
// Every server binds 127.0.0.1 and is stopped by the test that started it,
// by its process id (t.Cleanup).
package testpeers

import (
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Require reports whether missing peers must fail tests instead of skipping them.
func Require() bool { return os.Getenv("DAPP_PUBLISH_REQUIRE_PEERS") == "1" }

// Path returns the value of the environment variable env, which names a peer
// binary or folder. It skips the test (or fails it, see Require) when the
// variable is unset or names nothing that exists.
func Path(t testing.TB, env string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		missing(t, "%s is not set (run the tests with `make test`, which builds the peers)", env)
	}
	if _, err := os.Stat(p); err != nil {
		missing(t, "%s=%s: %v (run `make peers`)", env, p, err)
	}
	return p
}

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Require() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// RequireIsolated fails or skips the test unless the process runs in a network
// namespace that has only loopback interfaces (see scripts/netns-exec). Peers
// that may reach out by themselves (IPFS Cluster probes NAT gateways) must only
// ever start after this check.
func RequireIsolated(t testing.TB) {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatalf("listing network interfaces: %v", err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback == 0 {
			missing(t, "not in a loopback-only network namespace (interface %s present); run through `make test`", ifc.Name)
			return
		}
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for
// servers that cannot be told to listen on port 0.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stopOnCleanup arranges for the process started by cmd to be stopped, by
// process id, when the test ends, and returns a function that stops it now.
// Stopping twice is harmless.
func stopOnCleanup(t testing.TB, cmd *exec.Cmd) func() {
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// StopOnCleanup arranges for a process a test started (cmd.Start done) to be
// stopped by its process id when the test ends: an interrupt, then a kill
// after 5s. The returned function stops it now; it returns once the process
// has exited.
func StopOnCleanup(t testing.TB, cmd *exec.Cmd) func() { return stopOnCleanup(t, cmd) }
