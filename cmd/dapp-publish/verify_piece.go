package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sync"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
)

// A Filecoin copy, checked by verify --piece URL: the storage provider's
// /piece/{pieceCid} (a filecoin receipt's piece_url). The bytes it serves
// must be the site's CAR, every block checked under the root as a
// gateway's CAR is (verify.CheckCAR), and, in the same pass, hash to the
// piece CID the URL names (the commitment the chain holds the provider to).

// parsePieceURL checks a --piece URL and reads the piece CID from its last
// path segment.
func parsePieceURL(s string) (piece.Commitment, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return piece.Commitment{}, usageErr("pass a storage provider's piece URL, e.g. https://sp.example/piece/bafkzcib...", "--piece %q is not an http(s) URL", redact.URL(s))
	}
	want, err := piece.Parse(path.Base(u.Path))
	if err != nil {
		return piece.Commitment{}, usageErr("pass the URL a filecoin receipt names (piece_url), which ends in /piece/<piece CID v2>",
			"--piece %s does not end in a piece CID: %v", redact.URL(s), err)
	}
	return want, nil
}

// checkPiece fetches the piece at rawURL and checks it both ways.
func checkPiece(ctx context.Context, root cid.Cid, rawURL string, want piece.Commitment, opts verify.CheckOptions) verify.Report {
	pw := piece.NewWriter(0)
	defer pw.Close()
	open := func(ctx context.Context) (io.ReadCloser, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, &verify.StatusError{Status: resp.StatusCode}
		}
		// One byte more than the piece holds shows a longer answer.
		body := io.LimitReader(resp.Body, int64(want.Size)+1)
		return struct {
			io.Reader
			io.Closer
		}{io.TeeReader(body, pw), resp.Body}, nil
	}
	rep := verify.CheckCAR(ctx, root, redact.URL(rawURL), open, opts)
	rep.Mode = "piece"
	if !rep.OK() {
		return rep
	}
	got, err := pw.Sum()
	switch {
	case err == nil && uint64(rep.Bytes) != want.Size:
		err = &piece.MismatchError{URL: redact.URL(rawURL), Want: want, Got: piece.Commitment{Size: uint64(rep.Bytes)}}
	case err == nil && got != want:
		err = &piece.MismatchError{URL: redact.URL(rawURL), Want: want, Got: got}
	}
	if err != nil {
		rep.Err, rep.Verified, rep.Complete, rep.Tree = fmt.Errorf("the CAR verified, but it is not the piece the URL names: %w", err), false, false, nil
	}
	return rep
}

// checkPieces checks every --piece URL at once.
func checkPieces(ctx context.Context, root cid.Cid, urls []string, wants []piece.Commitment, opts verify.CheckOptions) []verify.Report {
	out := make([]verify.Report, len(urls))
	var wg sync.WaitGroup
	for i := range urls {
		wg.Go(func() { out[i] = checkPiece(ctx, root, urls[i], wants[i], opts) })
	}
	wg.Wait()
	return out
}
