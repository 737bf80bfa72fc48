package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/ethereum/go-ethereum/common"
)

func TestStreamScrubsAndGuards(t *testing.T) {
	var set redact.Set
	set.Add("sentinel-secret-value")
	var b bytes.Buffer
	s := &stream{w: &b, secrets: &set, gha: true, lineStart: true}
	in := "token sentinel-secret-value\n::stop-commands::x\n  ::error::y\nname ##[add-mask]z\nok a::b\n"
	if n, err := s.Write([]byte(in)); err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	s.Write([]byte("partial "))
	s.Write([]byte("::not at a line start\n"))
	s.command("::warning::ours sentinel-secret-value\n")
	want := "token [REDACTED]\n\\x3a:stop-commands::x\n  \\x3a:error::y\nname #\\u0023[add-mask]z\nok a::b\npartial ::not at a line start\n::warning::ours [REDACTED]\n"
	if b.String() != want {
		t.Errorf("wrote\n%s\nwant\n%s", b.String(), want)
	}
}

func TestGitHubOutputCannotBeForged(t *testing.T) {
	out := filepath.Join(t.TempDir(), "output")
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_OUTPUT", out)
	if err := ghOutput("car", "site.car\nverified=true"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "car<<") || lines[3] != strings.TrimPrefix(lines[0], "car<<") {
		t.Errorf("GITHUB_OUTPUT:\n%s", data)
	}
}

func TestENSWaitProgressInCI(t *testing.T) {
	var b bytes.Buffer
	p := newENSWaitProgress(&b, "app.eth", time.Minute)
	h := common.HexToHash("0x01")
	p.update(ens.Progress{Stage: ens.StageSent, TxHash: h, Needed: 2})
	p.update(ens.Progress{Stage: ens.StageSent, TxHash: h, Needed: 2, Waited: 5 * time.Second})
	p.lastLine = time.Now().Add(-stillWaitingEvery) // half a minute without a line
	p.update(ens.Progress{Stage: ens.StageSent, TxHash: h, Needed: 2, Waited: 35 * time.Second})
	p.update(ens.Progress{Stage: ens.StageMined, TxHash: h, Block: 9, Confirmations: 1, Needed: 2})
	p.update(ens.Progress{Stage: ens.StageMined, TxHash: h, Block: 9, Confirmations: 2, Needed: 2})
	p.update(ens.Progress{Stage: ens.StageConfirmed, TxHash: h, Block: 9, Confirmations: 2, Needed: 2})
	p.stop()
	want := []string{
		"transaction " + h.Hex() + " sent; waiting for it to be mined and confirmed by 2 blocks (at most 1m0s)",
		"still waiting for 0x00000000…0001 to be mined (35s)",
		"mined in block 9; app.eth reads back as written; confirmations: 1 of 2",
		"confirmations: 2 of 2",
	}
	if got := strings.Split(strings.TrimSpace(b.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", b.String(), strings.Join(want, "\n"))
	}
}
