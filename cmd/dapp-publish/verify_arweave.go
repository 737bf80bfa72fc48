package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// arweaveVerifyHelp is verify --help's account of ar:// checks.
const arweaveVerifyHelp = "the path manifest's transaction and every file's must be\n" +
	"signed (their headers' RSA-PSS signatures) and the bytes served must hash to the\n" +
	"signed data roots; the site's CAR copy (the manifest's IPFS-CAR tag) must hash\n" +
	"block by block to its IPFS root, and each of its files must be the file the\n" +
	"manifest lists at that path. A copy uploaded as data items (Turbo) is checked\n" +
	"the same way through each item's header from the gateway's GraphQL (its id is its\n" +
	"signature's hash; the signature must cover the bytes served); where a gateway\n" +
	"indexes none, the bytes are checked against the CAR copy only (listed unsigned).\n" +
	"With --dir or --manifest every file must also match the local build's SHA-256."

// arweaveSource is one gateway's result for ar:// content (--json).
type arweaveSource struct {
	sourceResult
	CAR        string   `json:"car,omitempty"`
	IPFSRoot   string   `json:"ipfs_root,omitempty"`
	Owner      string   `json:"owner,omitempty"`
	Signatures int      `json:"signatures"`
	Unsigned   []string `json:"unsigned,omitempty"`
}

type arweaveResult struct {
	Root    string          `json:"root"` // ar://TXID
	Name    string          `json:"name,omitempty"`
	OK      bool            `json:"ok"`
	With    string          `json:"compared_with,omitempty"`
	Sources []arweaveSource `json:"sources"`
}

// verifyArweave checks ar:// content through each --arweave-gateway; expect
// (the local build) is optional.
func verifyArweave(c *cli.Context, t target, expect *expectation) error {
	gws, err := arweaveGatewayList(c.StringSlice("arweave-gateway"))
	if err != nil {
		return err
	}
	var want *bundle.Manifest
	what := t.what()
	res := arweaveResult{Root: "ar://" + t.Arweave, Name: t.Name, OK: true}
	if expect != nil {
		want, res.With = expect.manifest, expect.with
		what += " (files compared with " + expect.with + ")"
	}
	reps := verify.CheckArweave(c.Context, t.Arweave, want, gws, verify.CheckOptions{Timeout: c.Duration("timeout")})
	plain := verifyResult{Root: res.Root, Name: t.Name, What: what, OK: true}
	for _, r := range reps {
		s := arweaveSource{sourceResult: sourceResult{
			Source: r.Source, OK: r.OK(), Mode: "arweave", Reachable: r.Reachable, Complete: r.Complete, Verified: r.Verified,
			LatencyMS: float64(r.Latency.Microseconds()) / 1000, Seconds: r.Duration.Seconds(), Bytes: r.Bytes, Files: r.Files,
			Missing: r.Missing, Different: r.Different,
		}, CAR: r.CAR, IPFSRoot: r.Root, Owner: r.Owner, Signatures: r.Signatures, Unsigned: r.Unsigned}
		if r.Err != nil {
			s.Error = sourceError(r.Err)
		}
		res.Sources = append(res.Sources, s)
		plain.Sources = append(plain.Sources, s.sourceResult)
		res.OK = res.OK && r.OK()
	}
	plain.OK = res.OK
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, res); err != nil {
			return err
		}
	} else {
		printArweave(c.App.Writer, what, res)
	}
	if err := reportVerifyToGitHub(c.App.ErrWriter, plain); err != nil {
		return err
	}
	return verifyOutcome(plain)
}

func printArweave(w io.Writer, what string, res arweaveResult) {
	fmt.Fprintf(w, "verify %s\n\n", safetext.Term(what))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tREACHABLE\tCOMPLETE\tVERIFIED\tLATENCY\tBYTES\tFILES\tSIGNATURES")
	for _, s := range res.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", safetext.Term(s.Source), yesNo(s.Reachable), yesNo(s.Complete), yesNo(s.Verified),
			time.Duration(s.LatencyMS*float64(time.Millisecond)).Round(time.Millisecond), humanBytes(s.Bytes), s.Files, s.Signatures)
	}
	tw.Flush()
	for _, s := range res.Sources {
		if s.IPFSRoot != "" {
			fmt.Fprintf(w, "\n%s: the CAR copy %s holds ipfs://%s, every block checked", safetext.Term(s.Source), safetext.Term(s.CAR), safetext.Term(s.IPFSRoot))
			if s.Owner != "" {
				fmt.Fprintf(w, "; signed by wallet %s", safetext.Term(s.Owner))
			}
			fmt.Fprintln(w)
		}
		if n := len(s.Unsigned); n > 0 {
			fmt.Fprintf(w, "%s: %d data items (%s) have no header this gateway serves (not even in GraphQL): their bytes were checked, their signatures were not\n",
				safetext.Term(s.Source), n, safetext.Term(strings.Join(s.Unsigned[:min(n, 3)], ", "))+map[bool]string{true: ", ...", false: ""}[n > 3])
		}
		printSourceProblems(w, s.sourceResult)
	}
}

func arweaveGatewayList(urls []string) ([]*verify.ArweaveGateway, error) {
	if len(urls) == 0 {
		urls = []string{defaultArweaveGateway}
	}
	gws, err := gatewayList(urls, false)
	if err != nil {
		return nil, err
	}
	var out []*verify.ArweaveGateway
	for _, g := range gws {
		out = append(out, &verify.ArweaveGateway{URL: g.URL})
	}
	return out, nil
}

// viaArweave is publish's verify stage for an Arweave copy: the manifest,
// the CAR and the gateway named by the receipt, checked as `verify ar://`
// checks them (signatures, data roots, the CAR copy's blocks against the
// root, every file against the CAR copy), trusting no gateway.
func (v *verifier) viaArweave(ctx context.Context, root cid.Cid, holder string, r publish.Receipt) []publish.Verification {
	c, gws, err := verify.ArweaveCopyOf(root, r.Endpoints, r.IDs)
	if err != nil {
		return []publish.Verification{{Holder: holder, Source: "(none)", Mode: "arweave", Error: v.redact(err.Error())}}
	}
	var out []publish.Verification
	for _, rep := range verify.CheckArweaveCopy(ctx, c, nil, gws, verify.CheckOptions{Timeout: v.timeout}) {
		ver := publish.Verification{
			Holder: holder, Source: rep.Source, Mode: "arweave", OK: rep.OK(), Reachable: rep.Reachable, Complete: rep.Complete,
			Verified: rep.Verified, Bytes: rep.Bytes, Blocks: rep.Files, LatencyMS: float64(rep.Latency.Microseconds()) / 1000, Seconds: rep.Duration.Seconds(),
		}
		if rep.Err != nil {
			ver.Error = v.redact(sourceError(rep.Err))
		}
		out = append(out, ver)
	}
	return out
}
