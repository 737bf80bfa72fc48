package main

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multibase"
)

// ghInfo is what the GitHub outputs and summary say besides the Record.
type ghInfo struct {
	recordPath string
	carPath    string
	local      bool // the only holder is this machine's store: no public gateway can serve it
	preview    bool
	source     string   // why the run's input is from outside the repository ("" when it is not)
	runURL     string   // this workflow run
	notes      []string // what could not be reported to GitHub
}

// githubPublish sets the step outputs and writes the job summary of a
// publish or rollback Record.
func githubPublish(rec *publish.Record, info ghInfo) {
	if !inGitHubActions() {
		return
	}
	githubOutputs(rec, info)
	_ = ghSummary(publishSummary(rec, info))
}

// githubOutputs writes the step outputs (the action maps them to its own,
// with hyphens): every one is written, empty when it does not apply, so a
// later step never reads a stale value.
func githubOutputs(rec *publish.Record, info ghInfo) {
	links := []string{}
	if published(rec) && !info.local {
		links = siteLinks(rec.CID)
	}
	first := ""
	if len(links) > 0 {
		first = links[0]
	}
	out := [][2]string{
		{"cid", rec.CID}, {"outcome", rec.Outcome}, {"record", info.recordPath}, {"car", info.carPath},
		{"piece_cid", rec.PieceCID}, {"gateway_url", first}, {"gateway_urls", strings.Join(links, "\n")},
	}
	var e publish.ENSResult
	if rec.ENS != nil {
		e = *rec.ENS
	}
	out = append(out, [][2]string{{"ens_name", e.Name}, {"ens_old", e.Old}, {"ens_new", e.New}, {"ens_tx", e.Tx},
		{"ens_safe_tx_hash", e.SafeTxHash}, {"ens_safe_url", safeURL(&e)}, {"ens_files", strings.Join(e.Files, "\n")}}...)
	for _, kv := range out {
		_ = ghOutput(kv[0], kv[1])
	}
}

// published: the copies are stored and verified (the name aside).
func published(rec *publish.Record) bool {
	switch rec.Outcome {
	case publish.OutcomePublished, publish.OutcomeUnchanged, publish.OutcomeNameFailed, publish.OutcomeNamePending:
		return true
	}
	return false
}

// siteLinks are public gateway URLs of root: two subdomain gateways (one
// origin per site, _redirects honoured) and a path gateway.
func siteLinks(root string) []string {
	c, err := cid.Decode(root)
	if err != nil {
		return nil
	}
	v1 := cid.NewCidV1(c.Type(), c.Hash())
	label := v1.String()
	if len(label) > 63 { // a DNS label's limit: base36 is shorter
		label, _ = v1.StringOfBase(multibase.Base36)
	}
	return []string{
		"https://" + label + ".ipfs.dweb.link/",
		"https://" + label + ".ipfs.w3s.link/",
		"https://ipfs.io/ipfs/" + v1.String() + "/",
	}
}

// nameLink is the ENS gateway URL of name (eth.limo serves .eth names).
func nameLink(name string) string {
	if strings.HasSuffix(name, ".eth") && !strings.ContainsAny(name, "/?#@: ") {
		return "https://" + name + ".limo/"
	}
	return ""
}

// txLink is a block explorer's page of a transaction, on the chains whose
// explorer we know.
func txLink(chainID uint64, tx string) string {
	switch chainID {
	case 1:
		return "https://etherscan.io/tx/" + tx
	case 11155111:
		return "https://sepolia.etherscan.io/tx/" + tx
	}
	return ""
}

// safeURL is the Safe{Wallet} page of a proposed transaction, where the
// owners confirm and execute it.
func safeURL(e *publish.ENSResult) string {
	if e.Safe == "" || e.SafeTxHash == "" {
		return ""
	}
	svc, err := ens.SafeServiceURL(e.ChainID)
	if err != nil {
		return ""
	}
	short := path.Base(svc) // https://api.safe.global/tx-service/{shortName}
	q := url.Values{"safe": {short + ":" + e.Safe}, "id": {"multisig_" + e.Safe + "_" + e.SafeTxHash}}
	return "https://app.safe.global/transactions/tx?" + q.Encode()
}

var outcomeTitles = map[string]string{
	publish.OutcomePublished:    "published",
	publish.OutcomeUnchanged:    "already published, nothing to do",
	publish.OutcomeDryRun:       "dry run (nothing stored or sent)",
	publish.OutcomeQuorumNotMet: "NOT published: quorum not met, the name was not touched",
	publish.OutcomeNameFailed:   "stored and verified, but the name was NOT updated",
	publish.OutcomeNamePending:  "stored and verified; the name's transaction is NOT confirmed yet",
	publish.OutcomeFailed:       "NOT published: the name's checks failed, nothing was stored",
}

// publishSummary is the job summary of a Record, in Markdown. Every text
// that came from outside (a holder's answer, a gateway's URL, a file name)
// is in a code span, where Markdown, HTML and @mentions are inert.
func publishSummary(rec *publish.Record, info ghInfo) string {
	var b strings.Builder
	what := rec.Kind
	if info.preview {
		what = "preview"
	}
	title := outcomeTitles[rec.Outcome]
	if rec.Kind == publish.KindRollback && rec.Outcome == publish.OutcomePublished {
		title = "rolled back"
	}
	fmt.Fprintf(&b, "### dapp-publish %s: %s\n\n", what, title)
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Root CID | %s |\n", mdCode(rec.CID))
	if rec.Profile != "" {
		fmt.Fprintf(&b, "| Profile | %s |\n", rec.Profile)
	}
	if s := rec.Site; s != nil {
		fmt.Fprintf(&b, "| Site | %d files, %s", s.Files, humanBytes(s.Bytes))
		if s.CARSize > 0 {
			fmt.Fprintf(&b, "; CAR %s, %d blocks", humanBytes(s.CARSize), s.Blocks)
		}
		b.WriteString(" |\n")
	}
	if rec.PieceCID != "" {
		fmt.Fprintf(&b, "| Filecoin piece CID | %s |\n", mdCode(rec.PieceCID))
	}
	if rec.Commit != "" {
		fmt.Fprintf(&b, "| Commit | %s |\n", mdCode(rec.Commit))
	}
	if info.source != "" {
		fmt.Fprintf(&b, "| Source | from outside the repository, so a preview only: %s |\n", mdCode(info.source))
	}
	counted := "verified"
	if rec.Outcome == publish.OutcomeDryRun {
		counted = "reachable"
	}
	for _, l := range rec.Quorum.SummaryAs(counted) {
		fmt.Fprintf(&b, "| Quorum | %s |\n", safetext.MarkdownCell(l))
	}
	if rec.Error != "" {
		fmt.Fprintf(&b, "| Error | %s |\n", mdCode(rec.Error))
	}
	b.WriteString("\n")
	writeHolders(&b, rec)
	writeVerification(&b, rec)
	writeOpen(&b, rec, info)
	writeENS(&b, rec.ENS)
	writeLint(&b, rec)
	if info.recordPath != "" || info.carPath != "" {
		b.WriteString("**Files:**")
		if info.recordPath != "" {
			fmt.Fprintf(&b, " Record %s", mdCode(info.recordPath))
		}
		if info.carPath != "" {
			fmt.Fprintf(&b, " · CAR %s", mdCode(info.carPath))
		}
		b.WriteString("\n\n")
	}
	if len(info.notes) > 0 {
		b.WriteString(notesMarkdown(info.notes))
	}
	return b.String()
}

func writeHolders(b *strings.Builder, rec *publish.Record) {
	if len(rec.Receipts) == 0 {
		return
	}
	b.WriteString("| holder | type | network | stored | sent | verified |\n|---|---|---|---|---|---|\n")
	dry := rec.Outcome == publish.OutcomeDryRun
	for _, r := range rec.Receipts {
		stored := r.Status
		switch {
		case dry && r.Status == publish.StatusPinned:
			stored = "holds it already"
		case dry && r.Status == publish.StatusNotFound:
			stored = "reachable; would store it"
		case r.Skipped:
			stored += " (already held)"
		case r.Incremental != nil && !r.Incremental.Fallback:
			stored += fmt.Sprintf(" (only the new blocks: %d)", r.Incremental.Blocks)
		}
		if r.Error != "" {
			stored += " " + mdCode(r.Error)
		}
		if r.Quote != "" {
			stored += " cost " + mdCode(r.Quote)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", safetext.MarkdownCell(r.Holder), safetext.MarkdownCell(r.Type), r.Network,
			stored, humanBytes(r.BytesSent), verifiedCell(rec, r.Holder))
	}
	b.WriteString("\n")
}

// verifiedCell: how many of a holder's sources served every block, hashed.
func verifiedCell(rec *publish.Record, holder string) string {
	ok, n := 0, 0
	for _, v := range rec.Verification {
		if v.Holder == holder {
			n++
			if v.OK {
				ok++
			}
		}
	}
	switch {
	case rec.Outcome == publish.OutcomeDryRun:
		return "(dry run)"
	case n == 0:
		return "❌ not fetched back"
	case ok > 0:
		return fmt.Sprintf("✅ %d of %d sources", ok, n)
	}
	return fmt.Sprintf("❌ 0 of %d sources", n)
}

func writeVerification(b *strings.Builder, rec *publish.Record) {
	if len(rec.Verification) == 0 {
		return
	}
	b.WriteString("<details><summary>Verification: every block fetched back and hashed</summary>\n\n")
	b.WriteString("| source | holder | mode | result | blocks | bytes | time |\n|---|---|---|---|---|---|---|\n")
	for _, v := range rec.Verification {
		result := "✅ verified"
		if !v.OK {
			result = "❌ " + mdCode(v.Error)
		}
		holder := safetext.MarkdownCell(v.Holder)
		if holder == "" {
			holder = "(gateway)"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %d | %s | %.1f s |\n", mdCode(v.Source), holder, v.Mode, result, v.Blocks, humanBytes(v.Bytes), v.Seconds)
	}
	b.WriteString("\n</details>\n\n")
}

func writeOpen(b *strings.Builder, rec *publish.Record, info ghInfo) {
	if !published(rec) {
		return
	}
	c, err := cid.Decode(rec.CID)
	if err != nil {
		return
	}
	v1 := cid.NewCidV1(c.Type(), c.Hash())
	b.WriteString("**Open the site**\n\n")
	if !info.local {
		for _, l := range siteLinks(rec.CID) {
			fmt.Fprintf(b, "- <%s>\n", l)
		}
		if e := rec.ENS; e != nil && (e.Tx != "" || e.NoOp) && e.Error == "" && !e.DryRun {
			if l := nameLink(e.Name); l != "" {
				fmt.Fprintf(b, "- <%s> (the name)\n", l)
			}
		}
	}
	fmt.Fprintf(b, "- on your own machine, every block verified: `dapp-publish serve %s`, then <http://%s.ipfs.localhost:8080/>\n\n", v1, v1)
	if info.local {
		b.WriteString("(Stored only in this runner's local store: add providers to `dapp-publish.yaml` to publish it.)\n\n")
	}
}

func writeENS(b *strings.Builder, e *publish.ENSResult) {
	if e == nil {
		return
	}
	fmt.Fprintf(b, "**ENS** %s\n\n| | |\n|---|---|\n", mdCode(e.Name))
	fmt.Fprintf(b, "| before | %s |\n| after | %s |\n", mdCode(orNone(e.Old)), mdCode(e.New))
	if e.ChainID != 0 {
		fmt.Fprintf(b, "| chain | %d |\n", e.ChainID)
	}
	how := ""
	switch {
	case e.Error != "":
		how = "FAILED: " + mdCode(e.Error)
		if e.Tx != "" {
			how += " (transaction " + mdCode(e.Tx) + ")"
		}
	case e.DryRun && e.NoOp, e.NoOp:
		how = "already points at it: nothing sent"
	case e.DryRun:
		how = "dry run: authorisation and simulation passed via " + e.Via
	case e.Tx != "":
		how = fmt.Sprintf("transaction %s, block %d", mdCode(e.Tx), e.Block)
		if l := txLink(e.ChainID, e.Tx); l != "" {
			how += " ([explorer](" + l + "))"
		}
	case e.SafeTxHash != "":
		how = "proposed to the Safe " + mdCode(e.Safe) + ", safeTxHash " + mdCode(e.SafeTxHash)
		if l := safeURL(e); l != "" {
			how += ": [confirm and execute it](" + l + ")"
		}
	default:
		how = "calldata for review: " + mdCode(e.Calldata)
		if len(e.Files) > 0 {
			how += " (files " + mdCode(strings.Join(e.Files, ", ")) + ")"
		}
	}
	fmt.Fprintf(b, "| how | %s |\n\n", how)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// maxLintListed bounds the findings listed in the summary (all of them are
// annotations and in the Record).
const maxLintListed = 20

func writeLint(b *strings.Builder, rec *publish.Record) {
	if rec.Site == nil || len(rec.Site.Lint) == 0 {
		return
	}
	fmt.Fprintf(b, "<details><summary>Lint: %d finding(s)</summary>\n\n", len(rec.Site.Lint))
	for i, f := range rec.Site.Lint {
		if i == maxLintListed {
			fmt.Fprintf(b, "- and %d more (in the Record)\n", len(rec.Site.Lint)-i)
			break
		}
		loc := f.Path
		if f.Line > 0 {
			loc += fmt.Sprintf(":%d", f.Line)
		}
		fmt.Fprintf(b, "- %s %s %s\n", f.Code, mdCode(orNone(loc)), mdCode(f.Message))
	}
	b.WriteString("\n</details>\n\n")
}

// commentBody is the pull-request comment: where to open the build, and
// whether enough copies verified.
func commentBody(rec *publish.Record, info ghInfo, sha string) string {
	var b strings.Builder
	what := "dapp-publish"
	if info.preview {
		what = "dapp-publish preview"
	}
	short := sha
	if len(short) > 7 {
		short = short[:7]
	}
	fmt.Fprintf(&b, "### %s of %s: %s\n\n", what, mdCode(short), outcomeTitles[rec.Outcome])
	fmt.Fprintf(&b, "%s %s.\n\n", mdCode(rec.CID), copiesLine(rec))
	if published(rec) && !info.local {
		b.WriteString("Open it:")
		for _, l := range siteLinks(rec.CID) {
			fmt.Fprintf(&b, " <%s>", l)
		}
		fmt.Fprintf(&b, "\n\nOr on your own machine, every block verified: `dapp-publish serve %s`\n\n", rec.CID)
	}
	if e := rec.ENS; e != nil {
		fmt.Fprintf(&b, "ENS %s: %s → %s\n\n", mdCode(e.Name), mdCode(orNone(e.Old)), mdCode(e.New))
	}
	if rec.Error != "" {
		fmt.Fprintf(&b, "Error: %s\n\n", mdCode(rec.Error))
	}
	if info.runURL != "" {
		fmt.Fprintf(&b, "<sub>Updated by [this run](%s) (its job summary has every holder and check).</sub>\n", info.runURL)
	}
	return b.String()
}

// mdCode puts s in a Markdown code span, which shows it as it is: no
// emphasis, links, HTML or @mentions. It is escaped as by safetext.Term
// first, line breaks become spaces, '|' is escaped (a table cell would end
// there, even inside a code span), and the fence is longer than any run of
// backticks inside.
func mdCode(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	s = strings.ReplaceAll(safetext.Term(s), "|", `\|`)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		s = " " + s + " "
	}
	return fence + s + fence
}
