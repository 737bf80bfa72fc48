package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/urfave/cli/v2"
)

func pieceCommand() *cli.Command {
	return &cli.Command{
		Name:      "piece",
		Usage:     "print the Filecoin piece CID of a file (a CAR, or a piece fetched back)",
		ArgsUsage: "FILE | --fetch URL --expect CID",
		Description: "Computes the Filecoin piece commitment (CommP) of FILE's bytes, as a storage\n" +
			"provider or a deal records it: the v2 piece CID (FRC-0069, bafkzcib...) and the v1\n" +
			"piece CID (baga6ea4sea...) with the padded piece size. `pack` computes it for every\n" +
			"CAR it writes; this checks any file against a deal, a proof or a manifest.\n" +
			"With --expect CID (v2), exit 3 unless the file's piece CID equals it. With --fetch URL\n" +
			"(a storage provider's /piece/{pieceCid}, as a filecoin receipt's piece_url names it),\n" +
			"the piece is downloaded instead and must be exactly the bytes of --expect: checks a\n" +
			"Filecoin copy without trusting the provider.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "expect", Usage: "exit 3 unless the piece CID equals `CID` (v2)"},
			&cli.StringFlag{Name: "fetch", Usage: "download the piece from `URL` and check it against --expect"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Minute, Usage: "with --fetch, give up after this long"},
			&cli.BoolFlag{Name: "json", Usage: "print {\"piece_cid\", \"piece_cid_v1\", \"padded_piece_size\", \"size\"}"},
		},
		Action: pieceAction,
	}
}

func pieceAction(c *cli.Context) error {
	if c.String("fetch") != "" {
		return pieceFetch(c)
	}
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish piece FILE", "piece takes exactly one file, got %d arguments", c.NArg())
	}
	var want piece.Commitment
	if s := c.String("expect"); s != "" {
		var err error
		if want, err = piece.Parse(s); err != nil {
			return usageErr("pass a v2 piece CID (bafkzcib...)", "--expect: %v", err)
		}
	}
	path := c.Args().First()
	f, err := os.Open(path)
	if err != nil {
		return withHint(fmt.Errorf("failed to open %s: %w", path, err), "pass a file that exists")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return usageErr("pass a regular file", "%s is not a regular file", path)
	}
	got, err := piece.Sum(context.Background(), f, fi.Size(), 0)
	if errors.Is(err, piece.ErrEmpty) || errors.Is(err, piece.ErrTooLarge) {
		return checkErr(fmt.Errorf("%s: %w", path, err), "a Filecoin piece holds 1 byte to 64 GiB")
	}
	if err != nil {
		return err
	}
	info := bundle.NewPieceInfo(&got)
	if c.Bool("json") {
		err = printJSON(c.App.Writer, struct {
			bundle.PieceInfo
			Size int64 `json:"size"`
		}{info, fi.Size()})
	} else {
		printPiece(c.App.Writer, "piece", info)
	}
	if err == nil && want != (piece.Commitment{}) && want != got {
		return checkErr(fmt.Errorf("%s has piece CID %s, not %s", path, got, want.CID()), "the file is not the piece you expected: it differs in content or size")
	}
	return err
}

// pieceFetch downloads a piece and re-hashes it to the expected piece CID.
func pieceFetch(c *cli.Context) error {
	u := c.String("fetch")
	if c.NArg() != 0 || c.String("expect") == "" {
		return usageErr("usage: dapp-publish piece --fetch URL --expect CID", "--fetch needs --expect (the v2 piece CID the bytes must have) and no FILE")
	}
	want, err := piece.Parse(c.String("expect"))
	if err != nil {
		return usageErr("pass a v2 piece CID (bafkzcib...)", "--expect: %v", err)
	}
	if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return usageErr("pass an http(s) URL such as https://sp.example/piece/bafkzcib...", "--fetch %q is not an http(s) URL", u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.Duration("timeout"))
	defer cancel()
	err = piece.Check(ctx, http.DefaultClient, u, want)
	if errors.Is(err, piece.ErrMismatch) {
		return checkErr(err, "this copy is not the bundle's piece: do not count it as stored")
	}
	if err != nil {
		return withHint(err, "check the URL and the network; the storage provider may be down")
	}
	fmt.Fprintf(c.App.Writer, "verified %s: %d bytes with piece CID %s\n", u, want.Size, want.CID())
	return nil
}
