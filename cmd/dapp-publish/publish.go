package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

func publishCommand() *cli.Command {
	return &cli.Command{
		Name:      "publish",
		Usage:     "pack, store on every holder at once, verify every copy, point the ENS name, record it",
		ArgsUsage: "[DIR]",
		Description: "The whole job, in order, refusing to move the name unless enough copies were checked:\n" +
			"  1. pack DIR (or site: from the config) and lint it, like `pack`;\n" +
			"  2. store the CAR on every provider of the config at once, like `pin` (a holder that\n" +
			"     still has the last published version is sent only the new blocks);\n" +
			"  3. fetch the bundle back from every holder (its gateway:, or a Kubo node's RPC) and\n" +
			"     from every verify.gateways entry, and hash every block, like `verify`;\n" +
			"  4. the quorum: per network, at least quorum.<network> holders (default: all of them)\n" +
			"     must have served every block; otherwise stop, exit 4, the name untouched;\n" +
			"  5. point ens.name at the root: a transaction (via key), a Safe proposal (via safe) or\n" +
			"     calldata for review (via calldata), after the checks of `ens set`, which run first,\n" +
			"     before any upload; exit 5 if this fails after the copies were verified. With\n" +
			"     ens.content: arweave the name points at ar://<manifest> of the first verified\n" +
			"     Arweave copy instead (none verified: exit 4, the name untouched);\n" +
			"  6. write a Record (JSON: CID, profile, commit, every receipt and verification, the\n" +
			"     ENS transaction, timings) into --state-dir/records, and print it with --json.\n\n" +
			"With no config file and no providers, the embedded default runs on this machine alone:\n" +
			"the bundle goes into a local block store under --state-dir, is verified through an\n" +
			"in-process trustless gateway, and the ENS contenthash to set is printed. `dapp-publish\n" +
			"serve` then serves it. No account, no network.\n\n" +
			"--dry-run packs (hashing only) and checks everything it can without storing or sending\n" +
			"anything: the config, every holder reachable with its credentials, and the ENS name\n" +
			"(chain, resolver, authorisation, simulated call). Publishing what the name already\n" +
			"points at, when every holder already has it, does nothing and says so.\n\n" +
			"The ENS key comes from $" + envENSKey + ", --key-file or ens.key_file, never a flag.\n\n" +
			"DIR may also be a CAR written by `pack` (checked block by block first). --preview publishes\n" +
			"a pull request's preview: IPFS holders only, never the name. In GitHub Actions it also\n" +
			"writes step outputs and a job summary, annotates lint findings, sets a commit status and\n" +
			"keeps one pull-request comment (--github), and, for a fork's code or CAR, refuses to do\n" +
			"more than a preview.\n\n" +
			"Exit status: 0 published (or nothing to do), 1 failed, 2 bad command line or config,\n" +
			"3 a check failed (lint --strict, ENS authorisation), 4 quorum not met (name untouched),\n" +
			"5 the name update failed after the copies were verified, 75 the name's transaction was\n" +
			"sent but not confirmed within ens.confirm_timeout (run again later: nothing is sent twice),\n" +
			"130/143 stopped by SIGINT/SIGTERM.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "config `FILE` (default: " + config.DefaultFile + " in the current folder, if any)", EnvVars: []string{"DAPP_PUBLISH_CONFIG"}},
			&cli.BoolFlag{Name: "dry-run", Usage: "check everything, store and send nothing"},
			&cli.BoolFlag{Name: "json", Usage: "print the Record as JSON (the schema is in the README)"},
			&cli.BoolFlag{Name: "strict", Usage: "fail (exit 3) on any lint warning, before anything is stored"},
			&cli.StringFlag{Name: "state-dir", Usage: "keep the local store and the Records in `DIR` (default .dapp-publish; env DAPP_PUBLISH_STATE_DIR)"},
			&cli.StringFlag{Name: "key-file", Usage: "read the ENS signing key from `PATH` (instead of $" + envENSKey + " or ens.key_file)"},
			&cli.StringFlag{Name: "commit", EnvVars: []string{"GITHUB_SHA"}, Usage: "source `COMMIT` to record (default: the git checkout's HEAD)"},
		}, append(append(append(siteFlags(), lintFlags()...), publishInputFlags()...), githubFlags()...)...),
		Action: publishAction,
	}
}

func publishAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usageErr("usage: dapp-publish publish [DIR] [--config FILE] [--dry-run] [--json]", "publish takes at most one folder, got %d arguments", c.NArg())
	}
	gh, err := startGitHub(c) // GitHub Actions: its token is masked before anything is printed
	if err != nil {
		return err
	}
	if err := gh.checkTrust(); err != nil {
		return err
	}
	if err := checkPublishInput(c); err != nil {
		return err
	}
	lo, err := lintOptions(c)
	if err != nil {
		return err
	}
	ctx := c.Context // cancelled by SIGINT and SIGTERM (runContext)
	stateDir := stateDirOf(c)
	setup, err := setupHolders(c, stateDir, "")
	if err != nil {
		return err
	}
	defer setup.close()
	if err := applyPreview(c, setup); err != nil {
		return err
	}
	var set *ensSettings
	if sec := setup.ensSection(); sec != nil && !skipName(c) {
		if set, err = publishENSSettings(c, sec, setup.holders); err != nil {
			return err
		}
	}
	dir, opts, err := publishSite(c, setup.cfg)
	if err != nil {
		return err
	}
	for _, h := range setup.holders {
		if ph, ok := h.(*pinHolder); ok {
			ph.name = "dapp-publish " + filepath.Base(filepath.Clean(dir))
		}
	}
	ps, quorum, v, err := setup.checked()
	if err != nil {
		return err
	}
	commit := commitOf(c, dir)
	out := newPublishOutput(c)
	p := &publish.Pipeline{
		Holders: setup.holders, Gateways: ps.Gateways, Gate: quorum, Verify: v,
		Records: scrubbedRecords{recordsOf(stateDir), setup.redact}, PreviousBlocks: setup.previousBlocks,
		DryRun: c.Bool("dry-run"), Tool: "dapp-publish " + toolVersion(), Commit: commit,
		Events: out.event, Progress: out.sent,
	}
	packer, err := newPublishPacker(c, dir, opts, lo)
	if err != nil {
		return err
	}
	defer packer.cleanup()
	p.Pack = out.packer(packer)
	if set != nil {
		n, err := newENSNamer(c, set, commit, out.prog)
		if err != nil {
			return err
		}
		defer n.close()
		p.Name = n
	}
	gh.start(ctx)
	rec, err := p.Run(ctx)
	out.done()
	carPath, kerr := keepCAR(c, packer, rec)
	if kerr != nil && err == nil {
		err = kerr
	}
	if rec != nil {
		scrubRecord(rec, setup.redact)
		if rerr := reportPublish(c, rec, out.recordPath, setup); rerr != nil && err == nil {
			err = rerr
		}
	}
	gh.finish(ctx, rec, ghInfo{recordPath: out.recordPath, carPath: carPath, local: setup.local != nil, preview: c.Bool("preview")}, err)
	return publishError(err)
}

// publishENSSettings is the ens: section's settings for publish, which
// needs the name and the RPC from it (flags do not name them). With
// content: arweave the name is pointed at an Arweave copy, so one of the
// holders must make one.
func publishENSSettings(c *cli.Context, sec *config.ENS, holders []publish.Holder) (*ensSettings, error) {
	for _, k := range [][2]string{{"name", "the name to point at the site, e.g. app.eth"}, {"rpc", `an Ethereum JSON-RPC URL, e.g. "${ETH_RPC_URL}"`}} {
		if err := sec.Need(k[0], k[1]); err != nil {
			return nil, usageErr("complete the ens: section of the config file, or remove it to publish without pointing a name", "%v", err)
		}
	}
	set, err := resolveENSSettingsFrom(c, sec)
	if err != nil {
		return nil, err
	}
	if set.content == "arweave" && !slices.ContainsFunc(holders, func(h publish.Holder) bool { return h.Network() == publish.NetworkArweave }) {
		return nil, usageErr("add a provider of type arweave, or remove ens.content to point the name at the IPFS root",
			"%v", sec.Err("content", "ens.content: arweave points the name at an Arweave copy, and no provider makes one"))
	}
	return set, nil
}

// scrubbedRecords saves Records with every secret of the run scrubbed from
// their texts: errors quote what holders and RPCs answered, and a Record
// file is written where no output scrubbing reaches.
type scrubbedRecords struct {
	publish.Recorder
	redact func(string) string
}

func (r scrubbedRecords) Save(rec *publish.Record) (string, error) {
	scrubRecord(rec, r.redact)
	return r.Recorder.Save(rec)
}

// publishSite is the site folder (DIR, or site: from the config) and the
// pack options (the config's profile unless --profile is given).
func publishSite(c *cli.Context, cfg *config.Config) (string, bundle.Options, error) {
	dir := c.Args().First()
	if dir == "" && cfg != nil && cfg.Site != "" {
		dir = cfg.Site
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(cfg.Path), dir)
		}
	}
	if dir == "" {
		return "", bundle.Options{}, usageErr("pass the built site folder (e.g. dapp-publish publish dist/) or set site: in "+config.DefaultFile,
			"publish needs the site folder")
	}
	opts, err := packOptions(c)
	if err != nil {
		return "", opts, err
	}
	if !c.IsSet("profile") && cfg != nil && cfg.Profile != "" {
		if opts.Profile, err = bundle.LookupProfile(cfg.Profile); err != nil {
			return "", opts, usageErr("fix profile: in the config file", "%s: %v", cfg.Path, err)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		_, _, err := openSite(dir)
		return "", opts, err
	}
	return dir, opts, nil
}

// commitOf is --commit ($GITHUB_SHA), or the HEAD of the git checkout the
// site is in, or "".
func commitOf(c *cli.Context, dir string) string {
	if s := c.String("commit"); s != "" {
		return s
	}
	if dir == "" {
		dir = "."
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "--quiet", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// scrubRecord passes every text a holder, a gateway or the RPC sent
// through the run's redaction (internal/redact: every secret, in every
// encoding): holders sometimes echo a token back.
func scrubRecord(r *publish.Record, redact func(string) string) {
	r.Error = redact(r.Error)
	for i := range r.Receipts {
		rc := &r.Receipts[i]
		rc.Error = redact(rc.Error)
		for j := range rc.Warnings {
			rc.Warnings[j] = redact(rc.Warnings[j])
		}
		for j := range rc.Endpoints {
			rc.Endpoints[j] = redact(rc.Endpoints[j])
		}
	}
	for i := range r.Verification {
		r.Verification[i].Error = redact(r.Verification[i].Error)
		r.Verification[i].Source = redact(r.Verification[i].Source)
	}
	for i := range r.Quorum.Networks {
		for j := range r.Quorum.Networks[i].Failed {
			f := &r.Quorum.Networks[i].Failed[j]
			f.Holder, f.Reason = redact(f.Holder), redact(f.Reason)
		}
		for j, v := range r.Quorum.Networks[i].Verified {
			r.Quorum.Networks[i].Verified[j] = redact(v)
		}
	}
	if r.ENS != nil {
		r.ENS.Error = redact(r.ENS.Error)
	}
}

// publishOutput prints a run's steps: on stderr, above the upload bars (a
// terminal) or as plain lines; nothing with --json.
type publishOutput struct {
	c          *cli.Context
	quiet      bool
	prog       *progress
	mu         sync.Mutex
	bars       map[string]*bar
	total      int64
	recordPath string
}

func newPublishOutput(c *cli.Context) *publishOutput {
	o := &publishOutput{c: c, quiet: c.Bool("json"), bars: map[string]*bar{}}
	if !o.quiet {
		o.prog = newProgress(c.App.ErrWriter, "uploading")
	}
	return o
}

func (o *publishOutput) event(e publish.Event) {
	if e.Stage == "record" {
		o.mu.Lock()
		o.recordPath = strings.TrimPrefix(e.Text, "record ")
		o.mu.Unlock()
	}
	if o.quiet || e.Text == "" || e.Stage == "record" {
		return
	}
	o.mu.Lock()
	if b := o.bars[e.Holder]; b != nil && e.Stage == "store" {
		b.done()
	}
	o.mu.Unlock()
	o.prog.println(e.Stage + ": " + safetext.Term(e.Text))
}

// sent feeds the upload bar of a holder.
func (o *publishOutput) sent(holder string, n int64) {
	if o.quiet {
		return
	}
	o.mu.Lock()
	b := o.bars[holder]
	if b == nil {
		b = o.prog.bar(holder, o.total)
		o.bars[holder] = b
	}
	o.mu.Unlock()
	b.add(n)
}

func (o *publishOutput) done() {
	if o.prog != nil {
		o.prog.wait()
	}
}

// packer wraps the pack stage to learn the CAR's size for the bars.
func (o *publishOutput) packer(p publish.Packer) publish.Packer {
	return packerFunc(func(ctx context.Context, onlyHash bool) (*publish.Bundle, error) {
		b, err := p.Pack(ctx, onlyHash)
		if b != nil {
			o.mu.Lock()
			o.total = b.CARSize
			o.mu.Unlock()
		}
		return b, err
	})
}

type packerFunc func(ctx context.Context, onlyHash bool) (*publish.Bundle, error)

func (f packerFunc) Pack(ctx context.Context, onlyHash bool) (*publish.Bundle, error) {
	return f(ctx, onlyHash)
}

// reportPublish prints the Record (--json) or a summary. (The GitHub
// Actions outputs and job summary are ghRun.finish's.)
func reportPublish(c *cli.Context, rec *publish.Record, recordPath string, setup *holderSetup) error {
	if c.Bool("json") {
		return rec.WriteJSON(c.App.Writer)
	}
	w := c.App.Writer
	printRecordSummary(w, rec, recordPath)
	root, err := cid.Decode(rec.CID)
	ok := rec.Outcome == publish.OutcomePublished || rec.Outcome == publish.OutcomeUnchanged
	if err == nil && rec.ENS == nil && (ok || rec.Outcome == publish.OutcomeDryRun) {
		printNoName(w, root, rec.Outcome == publish.OutcomeDryRun, c.String("calldata-for"))
	}
	if recordPath != "" {
		fmt.Fprintf(w, "  record    %s\n", recordPath)
	}
	if err == nil && ok {
		printLinks(w, root, setup.local != nil)
	}
	return nil
}

func printRecordSummary(w io.Writer, rec *publish.Record, recordPath string) {
	what := map[string]string{
		publish.OutcomePublished: "published", publish.OutcomeUnchanged: "already published, nothing to do:",
		publish.OutcomeDryRun: "dry run (nothing stored or sent):", publish.OutcomeQuorumNotMet: "NOT published (quorum not met):",
		publish.OutcomeNameFailed:  "stored and verified, but the name was NOT updated:",
		publish.OutcomeNamePending: "stored and verified; the name's transaction is sent but NOT confirmed yet:",
		publish.OutcomeFailed:      "NOT published (the name's checks failed, nothing was stored):",
	}[rec.Outcome]
	if rec.Kind == publish.KindRollback && rec.Outcome == publish.OutcomePublished {
		what = "rolled back to"
	}
	fmt.Fprintf(w, "%s %s", what, rec.CID)
	if rec.Site != nil {
		fmt.Fprintf(w, " (%s, %d files, %s)", rec.Profile, rec.Site.Files, humanBytes(rec.Site.Bytes))
	}
	fmt.Fprintln(w)
	counted := "verified"
	if rec.Outcome == publish.OutcomeDryRun {
		counted = "reachable"
	}
	for _, l := range rec.Quorum.SummaryAs(counted) {
		fmt.Fprintf(w, "  copies    %s\n", safetext.Term(l))
	}
	for _, n := range rec.Quorum.Networks {
		for _, f := range n.Failed {
			fmt.Fprintf(w, "  failed    %s: %s\n", safetext.Term(f.Holder), safetext.Term(f.Reason))
		}
	}
	for _, r := range rec.Receipts {
		if r.Quote != "" {
			fmt.Fprintf(w, "  cost      %s: %s\n", r.Holder, safetext.Term(r.Quote))
		}
	}
	if e := rec.ENS; e != nil {
		fmt.Fprintf(w, "  name      %s\n", ensLine(e))
	}
}

// ensLine says what happened to the name. Values that come from the chain
// or the RPC (the old value, an error) are escaped.
func ensLine(e *publish.ENSResult) string {
	t := safetext.Term
	switch {
	case e.Error != "" && e.Tx != "":
		return fmt.Sprintf("%s: transaction %s: %s (was %s)", t(e.Name), e.Tx, t(e.Error), t(e.Old))
	case e.Error != "":
		return fmt.Sprintf("%s: FAILED: %s (still %s)", t(e.Name), t(e.Error), t(e.Old))
	case e.DryRun && e.NoOp:
		return fmt.Sprintf("%s already points at %s", t(e.Name), t(e.New))
	case e.DryRun:
		return fmt.Sprintf("%s: %s -> %s may be sent via %s (authorisation and simulation passed)", t(e.Name), t(e.Old), t(e.New), e.Via)
	case e.NoOp:
		return fmt.Sprintf("%s already points at %s", t(e.Name), t(e.New))
	case e.Tx != "":
		return fmt.Sprintf("%s now points at %s (was %s; transaction %s, block %d)", t(e.Name), t(e.New), t(e.Old), e.Tx, e.Block)
	case e.SafeTxHash != "":
		return fmt.Sprintf("%s: %s -> %s proposed to Safe %s (safeTxHash %s): confirm and execute it in the Safe app", t(e.Name), t(e.Old), t(e.New), e.Safe, e.SafeTxHash)
	}
	return fmt.Sprintf("%s: %s -> %s: sign and send this call to the resolver %s:\n            %s\n            (written to %s)", t(e.Name), t(e.Old), t(e.New), e.Resolver, e.Calldata, t(strings.Join(e.Files, ", ")))
}

// printNoName says how to point a name at the root when none is configured.
// With --calldata-for NAME it prints the whole call for that name.
func printNoName(w io.Writer, root cid.Cid, dryRun bool, calldataFor string) {
	ch, _ := contenthashOf(root)
	if calldataFor != "" { // normalising loads ENSIP-15's tables: only when asked
		if norm, node, err := ens.NormalizedNode(calldataFor); err == nil {
			data, err := ens.SetContenthashCalldata(node, ens.Content{Namespace: ens.IPFS, CID: cid.NewCidV1(root.Type(), root.Hash())})
			if err == nil {
				fmt.Fprintf(w, "  name      none configured; to point %s at this site, send to its resolver the calldata\n", safetext.Term(norm))
				fmt.Fprintf(w, "            %s\n", hexutil.Encode(data))
				fmt.Fprintf(w, "            (setContenthash(%s, %s))\n", node.Hex(), ch)
				return
			}
		}
	}
	fmt.Fprintf(w, "  name      none configured; to point an ENS name at this site, its resolver needs\n")
	fmt.Fprintf(w, "            setContenthash(namehash(NAME), %s)\n", ch)
	fmt.Fprintf(w, "            (--calldata-for NAME prints the whole call)\n")
	if !dryRun {
		fmt.Fprintf(w, "            e.g. dapp-publish ens set NAME %s --via calldata, or an ens: section in %s\n", root, config.DefaultFile)
	}
}

// printLinks: where to open the site. Only in the local store, it is on
// this machine alone: `serve` shows it. Elsewhere, public gateways find it
// once the holders announce it.
func printLinks(w io.Writer, root cid.Cid, local bool) {
	v1 := cid.NewCidV1(root.Type(), root.Hash())
	fmt.Fprintf(w, "  open      http://%s.ipfs.localhost:8080/   (run `dapp-publish serve` first: it verifies every block it serves)\n", v1)
	if local {
		return
	}
	_, links := contenthashOf(root)
	for _, l := range links {
		fmt.Fprintf(w, "  open      %s\n", l)
	}
}

// publishError maps the pipeline's errors to exit codes and hints.
func publishError(err error) error {
	var ce *cliError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, publish.ErrNamePending):
		return &cliError{err: err, code: exitPending, hint: "the copies are stored and verified and the transaction may still be mined: nothing will be sent again. " +
			"Run the same command later: it reports the name set, or sends nothing while the transaction waits. Raise ens.confirm_timeout to wait longer"}
	case errors.Is(err, publish.ErrQuorumNotMet):
		return &cliError{err: err, code: exitQuorum, hint: "the name was not changed; see above (or the record) which holder failed and why, fix it or lower quorum:, and run again"}
	case errors.Is(err, publish.ErrNameFailed):
		hint := "the copies are stored and verified; fix the ENS problem and run again (uploads already done are skipped)"
		if errors.As(ensError(err), &ce) && ce.hint != "" {
			hint = ce.hint + "; " + hint
		}
		return &cliError{err: err, code: exitName, hint: hint}
	case errors.Is(err, publish.ErrNoPrevious):
		return checkErr(err, "pass --to CID to choose the version, or publish one first")
	case errors.As(err, &ce):
		return err
	case errors.Is(err, publish.ErrNameCheck):
		return ensError(err)
	}
	return err
}
