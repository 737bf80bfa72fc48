package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/urfave/cli/v2"
)

// defaultGateways are asked when no --gateway is given: public trustless
// gateways run by different operators. Nothing they send is trusted.
var defaultGateways = []string{"https://trustless-gateway.link", "https://ipfs.io", "https://dweb.link"}

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "fetch a site back from each gateway and check every block against its CID",
		ArgsUsage: "CID|ar://TXID|NAME",
		Description: "Asks every --gateway for the whole DAG under CID through the trustless gateway\n" +
			"protocol (GET /ipfs/CID?format=car; block by block with ?format=raw when a gateway\n" +
			"does not serve CARs), all at once, and hashes every block as it streams in. A source\n" +
			"passes only if it served the complete DAG and every block matched: a 200 response\n" +
			"with a truncated CAR, a missing block, a flipped byte, a block of another DAG or\n" +
			"another root all fail, with the reason. NAME (e.g. app.eth) is resolved through ENS\n" +
			"(--rpc) to its contenthash first. With --dir or --manifest, the paths and file CIDs\n" +
			"found are compared with the local folder (packed with the same settings as `pack`)\n" +
			"or a manifest written by `pack`.\n\n" +
			"--piece URL checks a Filecoin copy: the storage provider's /piece/<piece CID> must\n" +
			"serve the CAR of CID (every block checked, as a gateway's) and, in the same pass,\n" +
			"hash to the piece CID the URL names.\n\n" +
			"ar://TXID (or a name pointing there) is checked through each --arweave-gateway,\n" +
			"trusting none: " + arweaveVerifyHelp + "\n\n" +
			"Exit status: 0 if every source verified (and the comparison found no difference),\n" +
			"3 if any did not, 2 for bad usage, 1 for other errors.",
		Flags: append(append([]cli.Flag{
			&cli.StringSliceFlag{Name: "gateway", Aliases: []string{"g"}, Usage: "trustless gateway `URL` to check (repeatable; default: " + strings.Join(defaultGateways, ", ") + ")"},
			&cli.StringFlag{Name: "dir", Usage: "compare with the site folder `DIR`"},
			&cli.StringFlag{Name: "manifest", Usage: "compare with the manifest `FILE` written by pack"},
			&cli.StringSliceFlag{Name: "piece", Usage: "a Filecoin copy: the storage provider's piece `URL` (/piece/<piece CID>, a filecoin receipt's piece_url), which must serve the CAR of CID and hash to that piece CID (repeatable; alone, no public gateway is asked)"},
			&cli.StringSliceFlag{Name: "arweave-gateway", Usage: "Arweave gateway `URL` for ar:// content (repeatable; default: " + defaultArweaveGateway + ")"},
			&cli.StringFlag{Name: "mode", Value: "auto", Usage: "how to fetch: auto (CAR, raw blocks if refused), car or raw"},
			redirectsFlag(),
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "give each source at most this long for the whole DAG"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		}, nameFlags()...), siteFlags()...),
		Action: verifyAction,
	}
}

// verifyResult is the --json output of verify.
type verifyResult struct {
	Root    string         `json:"root"` // an IPFS CID, or ar://TXID
	What    string         `json:"-"`
	Name    string         `json:"name,omitempty"`
	OK      bool           `json:"ok"`
	Sources []sourceResult `json:"sources"`
	Compare *compareResult `json:"compare,omitempty"`
}

type sourceResult struct {
	Source    string   `json:"source"`
	OK        bool     `json:"ok"`
	Mode      string   `json:"mode"`
	Reachable bool     `json:"reachable"`
	Complete  bool     `json:"complete"`
	Verified  bool     `json:"verified"`
	LatencyMS float64  `json:"latency_ms"`
	Seconds   float64  `json:"seconds"`
	Bytes     int64    `json:"bytes"`
	Blocks    int      `json:"blocks"`
	Via       []string `json:"via,omitempty"`       // other hosts the gateway redirected to, which served bytes
	Files     int      `json:"files,omitempty"`     // Arweave: files that matched
	Missing   []string `json:"missing,omitempty"`   // Arweave: expected paths not served
	Different []string `json:"different,omitempty"` // Arweave: paths served with other bytes
	Error     string   `json:"error,omitempty"`
}

type compareResult struct {
	With      string       `json:"with"`
	LocalRoot string       `json:"local_root,omitempty"`
	Source    string       `json:"source,omitempty"` // whose verified tree was compared
	Same      bool         `json:"same"`
	Diff      *verify.Diff `json:"diff,omitempty"`
	Error     string       `json:"error,omitempty"`
}

func verifyAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish verify CID|NAME [--gateway URL]... [--dir DIR]", "verify takes exactly one CID or name, got %d arguments", c.NArg())
	}
	var wants []piece.Commitment
	for _, u := range c.StringSlice("piece") {
		want, err := parsePieceURL(u)
		if err != nil {
			return err
		}
		wants = append(wants, want)
	}
	var gws []*verify.Gateway
	if len(wants) == 0 || len(c.StringSlice("gateway")) > 0 { // --piece alone asks no public gateway
		var err error
		if gws, err = gatewayList(c.StringSlice("gateway"), c.Bool("allow-redirects")); err != nil {
			return err
		}
	}
	mode, err := parseMode(c.String("mode"))
	if err != nil {
		return err
	}
	expect, err := loadExpectation(c) // before any network: bad input fails fast
	if err != nil {
		return err
	}
	t, err := parseTarget(c, c.Args().First(), true)
	if err != nil {
		return err
	}
	if t.Arweave != "" {
		if len(wants) > 0 {
			return usageErr("check a Filecoin copy (--piece) against the IPFS root it stores", "%s is Arweave content; --piece checks a Filecoin copy of an IPFS root", t.what())
		}
		return verifyArweave(c, t, expect)
	}
	if err := trustless.CheckCID(t.Root); err != nil {
		return checkErr(fmt.Errorf("%s: %w", t.what(), err), "no bytes can prove such a CID: publish the site under a CID made with sha2-256 (every IPFS tool's default)")
	}
	opts := verify.CheckOptions{Timeout: c.Duration("timeout"), Mode: mode, Tree: expect != nil}
	reps := verify.Check(c.Context, t.Root, gws, opts)
	reps = append(reps, checkPieces(c.Context, t.Root, c.StringSlice("piece"), wants, opts)...)
	res := verifyResult{Root: t.Root.String(), Name: t.Name, What: t.what(), OK: true}
	for _, r := range reps {
		res.Sources = append(res.Sources, toSourceResult(r))
		res.OK = res.OK && r.OK()
	}
	if expect != nil {
		res.Compare = compareWith(expect, reps)
		res.OK = res.OK && res.Compare.Same
	}
	if err := printVerify(c, res); err != nil {
		return err
	}
	if err := reportVerifyToGitHub(c.App.ErrWriter, res); err != nil {
		return err
	}
	return verifyOutcome(res)
}

// defaultArweaveGateway serves ar:// content when no --arweave-gateway is given.
const defaultArweaveGateway = "https://arweave.net"

func parseMode(s string) (verify.Mode, error) {
	switch s {
	case "auto", "":
		return verify.ModeAuto, nil
	case "car":
		return verify.ModeCAR, nil
	case "raw":
		return verify.ModeRaw, nil
	}
	return "", usageErr("use --mode auto, car or raw", "unknown --mode %q", s)
}

// redirectsFlag lets gateways redirect to other hosts (verify, serve).
func redirectsFlag() cli.Flag {
	return &cli.BoolFlag{Name: "allow-redirects", Usage: "follow a gateway's redirects to other hosts (each is then named in the result); by default only redirects within its own host and subdomains are followed, since the bytes must come from the gateway named"}
}

// gatewayList checks the --gateway URLs (or takes the defaults).
func gatewayList(urls []string, allowRedirects bool) ([]*verify.Gateway, error) {
	if len(urls) == 0 {
		urls = defaultGateways
	}
	var gws []*verify.Gateway
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usageErr("pass the gateway's base URL, e.g. https://trustless-gateway.link", "--gateway %q is not an http(s) URL", s)
		}
		gws = append(gws, &verify.Gateway{URL: strings.TrimRight(s, "/"), AllowRedirects: allowRedirects})
	}
	return gws, nil
}

// expectation is the local side of a comparison.
type expectation struct {
	with     string
	manifest *bundle.Manifest
}

func loadExpectation(c *cli.Context) (*expectation, error) {
	dir, mf := c.String("dir"), c.String("manifest")
	switch {
	case dir != "" && mf != "":
		return nil, usageErr("compare with one of them", "--dir and --manifest cannot be used together")
	case mf != "":
		f, err := os.Open(mf)
		if err != nil {
			return nil, withHint(fmt.Errorf("failed to open manifest: %w", err), "pass the .manifest.json that `dapp-publish pack` wrote")
		}
		defer f.Close()
		m, err := bundle.ReadManifest(f)
		if err != nil {
			return nil, usageErr("pass the .manifest.json that `dapp-publish pack` wrote", "%s: %v", mf, err)
		}
		return &expectation{with: mf, manifest: m}, nil
	case dir != "":
		return packExpectation(c, dir)
	}
	return nil, nil
}

// packExpectation packs dir (CIDs and every file's SHA-256, nothing
// written) with the site flags. Arweave copies are compared file by file
// through the SHA-256s.
func packExpectation(c *cli.Context, dir string) (*expectation, error) {
	opts, err := packOptions(c)
	if err != nil {
		return nil, err
	}
	opts.FileHashes = true
	fsys, closeFS, err := openSite(dir)
	if err != nil {
		return nil, err
	}
	defer closeFS()
	b, err := bundle.Pack(c.Context, fsys, opts)
	if err != nil {
		return nil, siteError(dir, err)
	}
	return &expectation{with: dir, manifest: b.Manifest}, nil
}

// compareWith compares the expectation with the first source that verified.
func compareWith(e *expectation, reps []verify.Report) *compareResult {
	cmp := verify.CompareReports(e.manifest, reps)
	res := &compareResult{With: e.with, LocalRoot: e.manifest.Root, Source: cmp.Source, Same: cmp.Same()}
	switch {
	case errors.Is(cmp.Err, verify.ErrNoVerifiedSource):
		res.Error = "no source served the complete, verified DAG, so there is nothing to compare"
	case cmp.Err != nil:
		res.Error = cmp.Err.Error()
	case !res.Same:
		res.Diff = &cmp.Diff
	}
	return res
}

func toSourceResult(r verify.Report) sourceResult {
	s := sourceResult{
		Source: r.Source, OK: r.OK(), Mode: string(r.Mode), Reachable: r.Reachable, Complete: r.Complete, Verified: r.Verified,
		LatencyMS: float64(r.Latency.Microseconds()) / 1000, Seconds: r.Duration.Seconds(), Bytes: r.Bytes, Blocks: r.Blocks,
		Via: r.Via,
	}
	if r.Err != nil {
		s.Error = sourceError(r.Err)
	}
	return s
}

// sourceError words a source's failure for people.
func sourceError(err error) string {
	var se *verify.StatusError
	switch {
	case errors.As(err, &se) && se.Status == 404:
		return "the gateway does not have it (" + err.Error() + ")"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out (raise --timeout for large sites or slow gateways): " + err.Error()
	}
	return err.Error()
}

func printVerify(c *cli.Context, res verifyResult) error {
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, res)
	}
	fmt.Fprintf(w, "verify %s\n\n", safetext.Term(res.What))
	printSourceTable(w, res.Sources)
	if res.Compare != nil {
		printCompare(w, res.Compare)
	}
	return nil
}

func printSourceTable(w io.Writer, srcs []sourceResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tREACHABLE\tCOMPLETE\tVERIFIED\tLATENCY\tBYTES\tBLOCKS\tMODE")
	for _, s := range srcs {
		n := s.Blocks
		if s.Mode == "arweave" {
			n = s.Files // files, for Arweave
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", safetext.Term(s.Source), yesNo(s.Reachable), yesNo(s.Complete), yesNo(s.Verified),
			time.Duration(s.LatencyMS*float64(time.Millisecond)).Round(time.Millisecond), humanBytes(s.Bytes), n, s.Mode)
	}
	tw.Flush()
	for _, s := range srcs {
		for _, v := range s.Via {
			fmt.Fprintf(w, "\n%s redirected to %s: bytes came from there\n", safetext.Term(s.Source), safetext.Term(v))
		}
		printSourceProblems(w, s)
	}
}

// printSourceProblems prints why a source failed and the paths it lacked
// or served with other bytes.
func printSourceProblems(w io.Writer, s sourceResult) {
	if s.Error != "" {
		fmt.Fprintf(w, "\n%s: FAILED: %s\n", safetext.Term(s.Source), safetext.Term(s.Error))
	}
	for _, p := range s.Missing {
		fmt.Fprintf(w, "  missing    %s\n", safetext.Term(p))
	}
	for _, p := range s.Different {
		fmt.Fprintf(w, "  different  %s\n", safetext.Term(p))
	}
}

func printCompare(w io.Writer, cr *compareResult) {
	fmt.Fprintf(w, "\ncompared with %s (root %s)", safetext.Term(cr.With), cr.LocalRoot)
	switch {
	case cr.Error != "":
		fmt.Fprintf(w, ": %s\n", safetext.Term(cr.Error))
	case cr.Same:
		fmt.Fprintf(w, ": same paths and file contents\n")
	default:
		fmt.Fprintf(w, ": DIFFERENT (%s)\n", safetext.Term(cr.Diff.String()))
		for _, l := range []struct {
			label string
			paths []string
		}{{"missing", cr.Diff.Missing}, {"different", cr.Diff.Different}, {"extra", cr.Diff.Extra}, {"missing folder", cr.Diff.MissingDirs}, {"extra folder", cr.Diff.ExtraDirs}} {
			for _, p := range l.paths {
				fmt.Fprintf(w, "  %-15s %s\n", l.label, safetext.Term(p))
			}
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

// verifyOutcome maps the result to the exit status.
func verifyOutcome(res verifyResult) error {
	if res.OK {
		return nil
	}
	bad := 0
	for _, s := range res.Sources {
		if !s.OK {
			bad++
		}
	}
	if bad > 0 {
		return checkErr(fmt.Errorf("%d of %d sources did not serve the complete, verified content %s", bad, len(res.Sources), res.Root),
			"see the reason per source above; re-pin the site where it is missing, and drop gateways that serve bad data")
	}
	return checkErr(fmt.Errorf("the verified DAG %s differs from %s", res.Root, res.Compare.With),
		"the published CID is not this folder's build: publish again, or check the build is reproducible")
}

// reportVerifyToGitHub adds, in a GitHub Actions step, an error annotation
// per failed source, the outputs `verified` and `cid`, and a summary table.
func reportVerifyToGitHub(w io.Writer, res verifyResult) error {
	if !inGitHubActions() {
		return nil
	}
	var md strings.Builder
	fmt.Fprintf(&md, "### dapp-publish verify `%s`\n\n| source | complete | verified | latency | bytes | reason |\n|---|---|---|---|---|---|\n", res.Root)
	for _, s := range res.Sources {
		if !s.OK {
			ghCommand(w, "error", [][2]string{{"title", "verify " + s.Source}}, s.Error)
		}
		fmt.Fprintf(&md, "| %s | %s | %s | %.0f ms | %s | %s |\n", safetext.MarkdownCell(s.Source), yesNo(s.Complete), yesNo(s.Verified), s.LatencyMS, humanBytes(s.Bytes), safetext.MarkdownCell(s.Error))
	}
	if err := ghOutput("verified", fmt.Sprint(res.OK)); err != nil {
		return err
	}
	if err := ghOutput("cid", res.Root); err != nil {
		return err
	}
	return ghSummary(md.String() + "\n")
}
