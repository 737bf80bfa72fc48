package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPublishCAR: publish takes a CAR made by pack (a fork's pull request
// packed it) and publishes the same root; a CAR with a flipped byte, a
// missing block or two roots is refused (exit 3) before anything is
// stored; --keep-car keeps the CAR of a folder where asked.
func TestPublishCAR(t *testing.T) {
	dir := t.TempDir()
	example, _ := filepath.Abs("../../templates/example-site")
	run := func(args ...string) binResult {
		t.Helper()
		return runBinaryOpts(t, dir, time.Minute, nil, args...)
	}
	res := run("pack", example, "-o", "site.car")
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	root := rootCID(res.stdout)

	res = run("publish", "site.car", "--state-dir", "st")
	if res.code != 0 || !strings.Contains(res.stdout, "published "+root) {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// The folder publishes the same root, and --keep-car keeps its CAR,
	// byte for byte the one pack wrote.
	res = run("publish", example, "--state-dir", "st2", "--keep-car", "kept.car")
	if res.code != 0 || !strings.Contains(res.stdout, "published "+root) {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "site.car"))
	b, err := os.ReadFile(filepath.Join(dir, "kept.car"))
	if err != nil || string(a) != string(b) {
		t.Errorf("--keep-car: %v, same bytes %v", err, string(a) == string(b))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "dapp-publish-*.car")); len(left) != 0 {
		t.Errorf("temporary CARs left: %v", left)
	}

	// A flipped byte in the last block; the CAR cut short (a missing
	// block).
	flipped := append([]byte(nil), a...)
	flipped[len(flipped)-3] ^= 1
	os.WriteFile(filepath.Join(dir, "flipped.car"), flipped, 0o644)
	os.WriteFile(filepath.Join(dir, "short.car"), a[:len(a)-200], 0o644)
	for _, bad := range []string{"flipped.car", "short.car"} {
		res = run("publish", bad, "--state-dir", "st3")
		if res.code != exitCheck {
			t.Errorf("%s: exit %d, want %d\n%s", bad, res.code, exitCheck, res.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "st3", "pins.json")); err == nil {
			if data, _ := os.ReadFile(filepath.Join(dir, "st3", "pins.json")); strings.Contains(string(data), "bafy") {
				t.Errorf("%s: stored", bad)
			}
		}
	}
}

// TestPreviewLeavesOutSpendingAndTheName: --preview stores only on IPFS
// holders, drops the quorum of the networks it leaves out, and reads none
// of the ens: section (its ${ETH_RPC_URL} need not be set); with only
// spending holders it refuses.
func TestPreviewLeavesOutSpendingAndTheName(t *testing.T) {
	w := newGHWorld(t)
	w.write(t, "dapp-publish.yaml", `site: web/dist
providers:
  - {name: pinata, type: pinata, endpoint: "`+w.pinata.URL+`", gateway: "`+w.pinata.URL+`", token: "${PINATA_JWT}"}
  - {name: foc, type: filecoin, endpoint: "http://127.0.0.1:9/rpc", network: calibration, key: "${FOC_KEY}", max_per_run: "1"}
quorum: {filecoin: 1}
ens: {name: app.eth, rpc: "${ETH_RPC_URL}"}
`)
	env := []string{"GITHUB_ACTIONS=", "FOC_KEY=0x" + strings.Repeat("cd", 32)}
	res, _, _ := w.run(t, env, "publish", "--preview", "--state-dir", "st")
	if res.code != 0 || !strings.Contains(res.stderr, "preview: leaving out foc (filecoin)") || !regexp.MustCompile(`(?m)^published bafy`).MatchString(res.stdout) {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout, "app.eth") {
		t.Errorf("the preview touched the name:\n%s", res.stdout)
	}
	// --no-name alone keeps the filecoin holder (and fails on it here),
	// but does not read the ens: section either.
	res, _, _ = w.run(t, env, "publish", "--no-name", "--state-dir", "st")
	if strings.Contains(res.stderr, "ETH_RPC_URL") || !strings.Contains(res.stdout+res.stderr, "foc") {
		t.Errorf("--no-name: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	w.write(t, "dapp-publish.yaml", `site: web/dist
providers:
  - {name: foc, type: filecoin, endpoint: "http://127.0.0.1:9/rpc", network: calibration, key: "${FOC_KEY}", max_per_run: "1"}
`)
	res, _, _ = w.run(t, env, "publish", "--preview", "--state-dir", "st")
	if res.code != exitUsage || !strings.Contains(res.stderr, "every holder of the config spends") {
		t.Errorf("only spending holders: exit %d\n%s", res.code, res.stderr)
	}
}
