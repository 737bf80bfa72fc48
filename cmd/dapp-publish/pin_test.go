package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/fakes/faults"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// runCLI runs the real command line in-process and returns exit code, stdout
// and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"dapp-publish"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dapp-publish.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// recursivePins lists Kubo's recursive pins, through its own CLI, leaving
// out those a fresh repo already has (baseline).
func recursivePins(t *testing.T, k *testpeers.Kubo, baseline ...string) string {
	t.Helper()
	var out []string
	for _, c := range strings.Fields(string(k.MustRun(t, nil, "pin", "ls", "--type=recursive", "--quiet"))) {
		if !slices.Contains(baseline, c) {
			out = append(out, c)
		}
	}
	return strings.Join(out, " ")
}

func startKubo(t *testing.T) (*testpeers.Kubo, []string) {
	k := testpeers.StartKubo(t)
	return k, strings.Fields(recursivePins(t, k))
}

type pinJSON struct {
	CID      string `json:"cid"`
	Receipts []struct {
		Provider, Type, CID, Status, Error string
		BytesSent                          int64 `json:"bytes_sent"`
		Skipped                            bool
	} `json:"receipts"`
}

func decodePinJSON(t *testing.T, s string) pinJSON {
	t.Helper()
	var out pinJSON
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, s)
	}
	return out
}

// TestPinCommandKubo: `pin site.car --json` against a real Kubo stores the
// bundle (Kubo's own CLI lists the root as a recursive pin), a re-run sends
// nothing, and a site folder is packed and pinned to the same root.
func TestPinCommandKubo(t *testing.T) {
	k, base := startKubo(t)
	b := pintest.NewBundle(t, 99, 1<<20)
	cfg := writeConfig(t, fmt.Sprintf("providers:\n  - {name: own-node, type: kubo, endpoint: %q, gateway: %q}\n", k.API, k.Gateway))

	code, stdout, stderr := runCLI(t, "pin", b.Path, "--config", cfg, "--json")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	out := decodePinJSON(t, stdout)
	if pins := recursivePins(t, k, base...); pins != out.CID || out.CID != b.Root.String() {
		t.Fatalf("Kubo pins %q; --json cid %s; bundle root %s", pins, out.CID, b.Root)
	}
	r := out.Receipts[0]
	if r.Provider != "own-node" || r.Type != "kubo" || r.Status != "pinned" || r.CID != out.CID || r.BytesSent != b.Size {
		t.Errorf("receipt = %+v", r)
	}

	code, stdout, _ = runCLI(t, "pin", b.Path, "--config", cfg, "--json")
	if r := decodePinJSON(t, stdout).Receipts[0]; code != exitOK || !r.Skipped || r.BytesSent != 0 {
		t.Errorf("re-run: exit %d, receipt %+v; want skipped with 0 bytes sent", code, r)
	}

	site := t.TempDir()
	for name, f := range pintest.Site(99, 1<<20) {
		p := filepath.Join(site, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr = runCLI(t, "pin", site, "--config", cfg)
	if code != exitOK || !strings.Contains(stdout, "pinned  own-node (kubo) "+b.Root.String()) {
		t.Errorf("pin DIR: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// TestPinCommandBadConfigUploadsNothing: one valid entry followed by a bad
// one: exit 2, and the valid holder received nothing.
func TestPinCommandBadConfigUploadsNothing(t *testing.T) {
	k, base := startKubo(t)
	b := pintest.NewBundle(t, 5, 10)
	for name, second := range map[string]string{
		"unknown type":  `{name: b, type: nosuch}`,
		"missing token": `{name: b, type: kubo, endpoint: "http://127.0.0.1:9", token: "${DAPP_PUBLISH_TEST_UNSET_TOKEN}"}`,
		"malformed url": `{name: b, type: kubo, endpoint: "http//127.0.0.1:9"}`,
		"duplicate":     `{name: a, type: kubo, endpoint: "http://127.0.0.1:9"}`,
	} {
		t.Run(name, func(t *testing.T) {
			cfg := writeConfig(t, fmt.Sprintf("providers:\n  - {name: a, type: kubo, endpoint: %q}\n  - %s\n", k.API, second))
			code, _, stderr := runCLI(t, "pin", b.Path, "--config", cfg)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\nstderr: %s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, "dapp-publish.yaml:3:") {
				t.Errorf("error does not point at line 3: %s", stderr)
			}
			if pins := recursivePins(t, k, base...); pins != "" {
				t.Errorf("Kubo received a pin despite the bad config: %s", pins)
			}
		})
	}
}

// TestPinCommandPartialFailure: one holder works, one is down and one
// rejects its token. Exit 1; the working one is pinned; the failures say
// why; the token never appears in any output.
func TestPinCommandPartialFailure(t *testing.T) {
	k := testpeers.StartKubo(t)
	repo := testpeers.NewKuboRepo(t)
	repo.MustRun(t, nil, "config", "--json", "API.Authorizations", `{"ci":{"AuthSecret":"bearer:the-right-one","AllowedPaths":["/api/v0"]}}`)
	locked := repo.Start(t)
	t.Setenv("DAPP_PUBLISH_TEST_KUBO_TOKEN", "wrong-secret-xyz")
	down := fmt.Sprintf("http://127.0.0.1:%d", testpeers.FreePort(t))
	cfg := writeConfig(t, fmt.Sprintf(`providers:
  - {name: good, type: kubo, endpoint: %q}
  - {name: down, type: kubo, endpoint: %q, retries: 1}
  - {name: locked, type: kubo, endpoint: %q, token: "${DAPP_PUBLISH_TEST_KUBO_TOKEN}"}
`, k.API, down, locked.API))
	b := pintest.NewBundle(t, 6, 10)
	code, stdout, stderr := runCLI(t, "pin", b.Path, "--config", cfg, "--json")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailed, stdout, stderr)
	}
	out := decodePinJSON(t, stdout)
	want := map[string]string{"good": "pinned", "down": "failed", "locked": "failed"}
	for _, r := range out.Receipts {
		if r.Status != want[r.Provider] {
			t.Errorf("%s: status %s, want %s (%s)", r.Provider, r.Status, want[r.Provider], r.Error)
		}
	}
	if e := out.Receipts[2].Error; !strings.Contains(e, "locked") || !strings.Contains(e, "DAPP_PUBLISH_TEST_KUBO_TOKEN") {
		t.Errorf("401 error does not name the provider and the variable: %s", e)
	}
	if e := out.Receipts[1].Error; !strings.Contains(e, "connection refused") || !strings.Contains(e, "2 attempts") {
		t.Errorf("down holder error: %s", e)
	}
	if strings.Contains(stdout+stderr, "wrong-secret-xyz") {
		t.Errorf("the token leaked into the output")
	}
	if !strings.Contains(stderr, "2 of 3 providers do not hold the bundle: down, locked") {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestPinCommandCorruptCAR: a CAR with one flipped byte in its last block
// is caught while it uploads: exit 3, and Kubo (which verifies too) holds
// no pin of it.
func TestPinCommandCorruptCAR(t *testing.T) {
	k, base := startKubo(t)
	b := pintest.NewBundle(t, 21, 3<<20)
	data := b.Bytes(t)
	data[len(data)-1] ^= 0x01
	bad := filepath.Join(t.TempDir(), "bad.car")
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("providers:\n  - {name: own-node, type: kubo, endpoint: %q}\n", k.API))
	code, stdout, stderr := runCLI(t, "pin", bad, "--config", cfg, "--json")
	if code != exitCheck {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitCheck, stdout, stderr)
	}
	if !strings.Contains(stderr, "bad.car is not a valid CAR") || !strings.Contains(stderr, "does not match") && !strings.Contains(stderr, "mismatch") {
		t.Errorf("stderr: %s", stderr)
	}
	if pins := recursivePins(t, k, base...); pins != "" {
		t.Errorf("Kubo pinned %s from a corrupt CAR", pins)
	}
}

// TestPinSummary: on GitHub Actions the job summary gets one row per
// provider, and the error text cannot break the table.
func TestPinSummary(t *testing.T) {
	b := pintest.NewBundle(t, 31, 10)
	md := pinSummary(b.Bundle, []pin.Receipt{
		{Provider: "a", Type: "kubo", Status: pin.StatusPinned, BytesSent: 2048, Endpoints: []string{"http://gw/ipfs/x"}},
		{Provider: "b", Type: "pinata", Status: pin.StatusFailed, Error: "x | y\nz"},
	})
	for _, want := range []string{b.Root.String(), "| a | kubo | pinned | 2.0 KiB | http://gw/ipfs/x |", `| b | pinata | failed | 0 B | x \| y z |`} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
}

// TestPinCommandLyingCARPinsNothing: a CAR whose blocks all hash right but
// whose DAG lies (a folder with two entries of one name, a misplaced HAMT
// entry, a bomb of 24^64 paths) is refused with exit 3 before any byte is
// uploaded, so no holder (a real Kubo here, which checks only hashes; an
// Arweave copy would be permanent) is ever left holding it. The last case
// is a 48 MiB CAR behind a proxy that counts requests: while the check ran
// beside the upload, dag/import had started before the check refused it.
func TestPinCommandLyingCARPinsNothing(t *testing.T) {
	k, base := startKubo(t)
	proxy := faults.New(t, k.API)
	cfg := writeConfig(t, fmt.Sprintf("providers:\n  - {name: own-node, type: kubo, endpoint: %q, retries: 0}\n", proxy.URL))
	big := filepath.Join(t.TempDir(), "big-dup-name.car")
	if err := os.WriteFile(big, bigLyingCAR(48), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, car := range []string{trustlesstest.Path("dup-name"), trustlesstest.Path("hamt-misplaced"), trustlesstest.Path("diamond"), big} {
		code, stdout, stderr := runCLI(t, "pin", car, "--config", cfg, "--json")
		if code != exitCheck || !strings.Contains(stderr, "is not a valid CAR") {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", car, code, exitCheck, stdout, stderr)
		}
		if n := proxy.Hits("/api/v0/dag/import"); n != 0 {
			t.Fatalf("%s: %d dag/import requests reached Kubo for a CAR that was refused", filepath.Base(car), n)
		}
		if pins := recursivePins(t, k, base...); pins != "" {
			t.Fatalf("%s: Kubo pinned %s from a CAR that was refused", filepath.Base(car), pins)
		}
	}
}

// bigLyingCAR is a CAR of mib 1 MiB raw blocks under a folder that names
// every one of them "index.html": each block hashes right, the folder lies.
func bigLyingCAR(mib int) []byte {
	var links []trustlesstest.Link
	var blocks []trustlesstest.Block
	for i := range mib {
		data := bytes.Repeat([]byte{byte(i)}, 1<<20)
		b := trustlesstest.Sum(cid.Raw, data, multihash.SHA2_256, -1)
		links, blocks = append(links, trustlesstest.L("index.html", b)), append(blocks, b)
	}
	root := trustlesstest.Dir(links...)
	return trustlesstest.CAR([]cid.Cid{root.Cid}, append([]trustlesstest.Block{root}, blocks...)...)
}
