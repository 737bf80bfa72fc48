package testpeers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// KuboRepo is an initialised Kubo repository (`ipfs init --profile test`)
// that commands can run against offline, without a daemon.
type KuboRepo struct {
	Bin  string // the ipfs binary
	Path string // IPFS_PATH
}

// NewKuboRepo initialises a fresh Kubo repo in a temporary folder. The test
// profile has no bootstrap peers and no NAT port mapping; every address is
// set to loopback and swarm listening is turned off.
func NewKuboRepo(t testing.TB) *KuboRepo {
	t.Helper()
	r := &KuboRepo{Bin: Path(t, "DAPP_PUBLISH_IPFS"), Path: filepath.Join(t.TempDir(), "ipfs")}
	r.MustRun(t, nil, "init", "--profile", "test", "--empty-repo")
	r.MustRun(t, nil, "config", "--json", "Addresses.Swarm", "[]")
	r.MustRun(t, nil, "config", "Addresses.API", "/ip4/127.0.0.1/tcp/0")
	r.MustRun(t, nil, "config", "Addresses.Gateway", "/ip4/127.0.0.1/tcp/0")
	return r
}

// Command returns an exec.Cmd for `ipfs args...` on this repo.
func (r *KuboRepo) Command(args ...string) *exec.Cmd {
	cmd := exec.Command(r.Bin, args...)
	cmd.Env = append(os.Environ(), "IPFS_PATH="+r.Path)
	return cmd
}

// Run runs `ipfs args...` with stdin and returns its standard output.
func (r *KuboRepo) Run(stdin io.Reader, args ...string) ([]byte, error) {
	cmd := r.Command(args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("ipfs %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// MustRun is Run that fails the test on error.
func (r *KuboRepo) MustRun(t testing.TB, stdin io.Reader, args ...string) []byte {
	t.Helper()
	out, err := r.Run(stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Kubo is a running `ipfs daemon --offline` on loopback.
type Kubo struct {
	*KuboRepo
	API     string // RPC base URL, e.g. http://127.0.0.1:40123
	Gateway string // gateway base URL
	stop    func()
}

var listenRE = regexp.MustCompile(`^(RPC API|Gateway \(HTTP\)|Gateway) server listening on /ip4/127\.0\.0\.1/tcp/(\d+)`)

// StartKubo initialises a repo and starts an offline daemon on it, with the
// RPC API and the gateway on free loopback ports. The daemon is stopped by
// process id when the test ends.
func StartKubo(t testing.TB) *Kubo {
	t.Helper()
	return NewKuboRepo(t).Start(t)
}

// Start starts an offline daemon on the repo.
func (r *KuboRepo) Start(t testing.TB) *Kubo {
	t.Helper()
	cmd := r.Command("daemon", "--offline")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ipfs daemon: %v", err)
	}
	k := &Kubo{KuboRepo: r, stop: stopOnCleanup(t, cmd)}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := listenRE.FindStringSubmatch(line); m != nil {
				url := "http://127.0.0.1:" + m[2]
				if m[1] == "RPC API" {
					k.API = url
				} else {
					k.Gateway = url
				}
			}
			if strings.Contains(line, "Daemon is ready") {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("ipfs daemon exited before it was ready: %s", stderr.String())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("ipfs daemon not ready after 30s: %s", stderr.String())
	}
	if k.API == "" || k.Gateway == "" {
		t.Fatalf("ipfs daemon did not report its RPC and gateway addresses (api=%q gateway=%q)", k.API, k.Gateway)
	}
	return k
}

// Stop stops the daemon now (tests that simulate a holder going away).
// It is safe to call more than once.
func (k *Kubo) Stop() { k.stop() }
