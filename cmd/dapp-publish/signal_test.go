package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalLeavesNothingBehind interrupts `pack` (the real binary) while it
// writes a large CAR, with SIGINT and with SIGTERM: the temporary CAR is
// removed, no output appears, and the exit code names the signal.
func TestSignalLeavesNothingBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a few hundred MiB")
	}
	bin, err := exec.LookPath("dapp-publish")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{{syscall.SIGINT, exitInterrupted, "interrupt"}, {syscall.SIGTERM, exitTerminated, "terminated"}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			site := filepath.Join(dir, "site")
			os.Mkdir(site, 0o755)
			os.WriteFile(filepath.Join(site, "index.html"), []byte("<!doctype html>"), 0o644)
			// A sparse file: packing it takes long enough to be interrupted,
			// and it costs no disk until the CAR is written.
			f, _ := os.Create(filepath.Join(site, "big.bin"))
			f.Truncate(768 << 20)
			f.Close()
			out := filepath.Join(dir, "out")
			os.Mkdir(out, 0o755)
			cmd := exec.Command(bin, "pack", site, "-o", filepath.Join(out, "site.car"))
			cmd.Env = append(os.Environ(), "NO_COLOR=1", "GITHUB_ACTIONS=")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if !waitForTemp(out, 30*time.Second) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no temporary CAR appeared\n%s", stderr.String())
			}
			cmd.Process.Signal(tt.sig)
			err := cmd.Wait()
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != tt.code {
				t.Errorf("exit %d (%v), want %d\n%s", code, err, tt.code, stderr.String())
			}
			left, _ := os.ReadDir(out)
			for _, e := range left {
				t.Errorf("left behind: %s", e.Name())
			}
			if !strings.Contains(stderr.String(), "interrupted by "+tt.name) {
				t.Errorf("stderr:\n%s", stderr.String())
			}
		})
	}
}

// waitForTemp waits until dir holds a temporary file of atomicfile.
func waitForTemp(dir string, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if strings.Contains(e.Name(), ".tmp-") {
				return true
			}
		}
	}
	return false
}
