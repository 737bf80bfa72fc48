package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/publish"
)

// summaryRecord is a publish to two holders, one of which failed with an
// answer full of what must not reach Markdown as markup: a pipe, backticks,
// HTML, an @mention, a line break and a workflow command.
func summaryRecord() *publish.Record {
	nonce := uint64(7)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hostile := "boom | `x` <script>alert(1)</script> @mallory\n::error::forged"
	return &publish.Record{
		Schema: publish.RecordSchema, Kind: publish.KindPublish, Outcome: publish.OutcomePublished, Tool: "dapp-publish test",
		CID: "bafybeigmqzrufsnwuypncgxkmhsmky5mv6wt3qhzokmxjkm4pf42s33zyy", Profile: "unixfs-v1-2025",
		PieceCID: "bafkzcibdrunaroesrzosxtsvjejuzdygw6py7ijvh3jsybyxeqbakimqx3udc4ax", Commit: mainSHA,
		Site: &publish.Site{Files: 6, Bytes: 3891, CARSize: 4787, Blocks: 9, Lint: []publish.LintFinding{
			{Code: "absolute-url", Path: "index.html", Line: 12, Message: "root-absolute URL /assets/x.js"},
			{Code: "leak-env", Path: "a`b|<i>@x.env", Message: hostile},
		}},
		Receipts: []publish.Receipt{
			{Holder: "own-node", Type: "kubo", Network: "ipfs", Status: publish.StatusPinned, BytesSent: 60568, Started: t0, Finished: t0,
				Incremental: &publish.Incremental{Base: "bafyold", CARSize: 60568, Blocks: 4}},
			{Holder: "pinata", Type: "pinata", Network: "ipfs", Status: publish.StatusFailed, Error: hostile, Started: t0, Finished: t0},
		},
		Verification: []publish.Verification{
			{Holder: "own-node", Source: "http://127.0.0.1:5001 (rpc)", Mode: "rpc", OK: true, Reachable: true, Complete: true, Verified: true, Bytes: 4787, Blocks: 9, Seconds: 0.2},
			{Source: "https://trustless-gateway.link", Mode: "car", Reachable: true, Error: hostile, Seconds: 1.5},
		},
		Quorum: publish.QuorumResult{OK: true, Networks: []publish.NetworkQuorum{
			{Network: "ipfs", Required: 1, Verified: []string{"own-node"}, Failed: []publish.HolderFailure{{Holder: "pinata", Reason: hostile}}},
		}},
		ENS: &publish.ENSResult{Name: "app.eth", ChainID: 1, Via: "key", Old: "ipfs://bafybeiold", New: "ipfs://bafybeigmqzrufsnwuypncgxkmhsmky5mv6wt3qhzokmxjkm4pf42s33zyy",
			Resolver: "0x231b0Ee14048e9dCcD1d247744d114a4EB5E8E63", SafeNonce: &nonce},
	}
}

// TestSummaryNameChanges: the outputs and job summary of each way the name
// can move, or fail to (golden files), with outside text kept inert.
func TestSummaryNameChanges(t *testing.T) {
	cases := map[string]func(r *publish.Record){
		"ens-key": func(r *publish.Record) {
			r.ENS.Tx, r.ENS.Block = "0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 21000000
		},
		"ens-safe": func(r *publish.Record) {
			r.ENS.Via, r.ENS.Safe = "safe", "0x5FbDB2315678afecb367f032d93F642f64180aa3"
			r.ENS.SafeTxHash = "0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
		},
		"ens-calldata": func(r *publish.Record) {
			r.ENS.Via, r.ENS.Calldata = "calldata", "0x304e6ade0000"
			r.ENS.Files = []string{"ens-calldata/app.eth-safe-tx.json", "ens-calldata/app.eth-summary.md"}
		},
		"ens-failed": func(r *publish.Record) {
			r.Outcome, r.ENS.Error = publish.OutcomeNameFailed, "execution reverted: not authorised"
			r.Error = "name update failed"
		},
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("GITHUB_ACTIONS", "true")
			t.Setenv("GITHUB_OUTPUT", filepath.Join(dir, "output"))
			t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(dir, "summary"))
			rec := summaryRecord()
			mod(rec)
			githubPublish(rec, ghInfo{recordPath: "/tmp/state/records/r.json", carPath: "/tmp/site.car", runURL: "https://github.com/acme/dapp/actions/runs/1"})
			out, _ := os.ReadFile(filepath.Join(dir, "output"))
			sum, _ := os.ReadFile(filepath.Join(dir, "summary"))
			re := regexp.MustCompile(`dapp_publish_[0-9a-f]{32}`)
			golden(t, name+".output", re.ReplaceAllString(string(out), "DELIMITER"))
			golden(t, name+".summary.md", string(sum))
			checkInert(t, string(sum))
			if name == "ens-key" {
				checkInert(t, commentBody(rec, ghInfo{preview: true}, headSHA))
			}
		})
	}
}

// checkInert fails if outside text escaped a code span: raw HTML, an
// @mention, a forged workflow command or a broken table row.
func checkInert(t *testing.T, md string) {
	t.Helper()
	outside := withoutCodeSpans(md)
	for _, bad := range []string{"<script>", "<i>", "@mallory", "\n::error"} {
		if strings.Contains(outside, bad) {
			t.Errorf("the Markdown holds %q outside a code span:\n%s", bad, outside)
		}
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "|") {
			cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
			if cells != 3 && cells != 7 && cells != 8 {
				t.Errorf("a table row with %d pipes: %s", cells, line)
			}
		}
	}
}

// withoutCodeSpans removes the code spans of md, as CommonMark finds them:
// a run of backticks opens one, closed by the next run of the same length.
func withoutCodeSpans(md string) string {
	var b strings.Builder
	for i := 0; i < len(md); {
		if md[i] != '`' {
			b.WriteByte(md[i])
			i++
			continue
		}
		n := 0
		for i+n < len(md) && md[i+n] == '`' {
			n++
		}
		fence := strings.Repeat("`", n)
		rest := md[i+n:]
		end := -1
		for j := 0; j < len(rest); {
			k := strings.Index(rest[j:], fence)
			if k < 0 {
				break
			}
			k += j
			m := 0
			for k+m < len(rest) && rest[k+m] == '`' {
				m++
			}
			if m == n && (k == 0 || rest[k-1] != '`') {
				end = k
				break
			}
			j = k + m
		}
		if end < 0 {
			b.WriteString(fence)
			i += n
			continue
		}
		b.WriteString("CODE")
		i += n + end + n
	}
	return b.String()
}

func TestMarkdownCode(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "`plain`",
		"a`b":              "``a`b``",
		"`start":           "`` `start ``",
		"x|y":              "`x\\|y`",
		"line\nbreak":      "`line break`",
		"esc\x1b[31m":      "`esc\\x1b[31m`",
		"":                 "`  `",
		"``double`` twice": "``` ``double`` twice ```",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
}
