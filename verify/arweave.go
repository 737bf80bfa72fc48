package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/ipfs/go-cid"
)

// ArweaveGateway is an Arweave node or gateway (https://arweave.net,
// arlocal in tests). Nothing it sends is trusted: transaction headers are
// checked by their signatures, data by the data root the signature covers,
// the CAR copy block by block against the IPFS root.
type ArweaveGateway struct {
	URL    string
	Client *http.Client // nil: DefaultClient
}

// ArweaveCopy names an Arweave copy of a site, as the arweave provider's
// receipt does: its path manifest (what ar:// points to), optionally the
// transaction holding the CAR and the bundle's IPFS root. Unset, the CAR
// and root are read from the manifest's tags (IPFS-CAR, then the CAR's
// IPFS-Root).
type ArweaveCopy struct {
	Manifest string
	CAR      string
	Root     cid.Cid
}

// ArweaveCopyOf reads an Arweave copy, and the gateways to check it
// through, from what a receipt of the arweave provider holds: its
// endpoints (https://gw/<manifest>/) and its ids ("manifest", "car").
// root is the bundle's root. publish's verify stage calls it, then
// CheckArweaveCopy.
func ArweaveCopyOf(root cid.Cid, endpoints []string, ids map[string]string) (ArweaveCopy, []*ArweaveGateway, error) {
	c := ArweaveCopy{Manifest: ids["manifest"], CAR: ids["car"], Root: root}
	if err := CheckArweaveTxID(c.Manifest); err != nil {
		return c, nil, fmt.Errorf("the receipt names no manifest: %w", err)
	}
	if c.CAR != "" {
		if err := CheckArweaveTxID(c.CAR); err != nil {
			return c, nil, fmt.Errorf("the receipt's CAR: %w", err)
		}
	}
	var gws []*ArweaveGateway
	for _, e := range endpoints {
		base, ok := strings.CutSuffix(strings.TrimRight(e, "/"), "/"+c.Manifest)
		if u, err := url.Parse(base); ok && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			gws = append(gws, &ArweaveGateway{URL: base})
		}
	}
	if len(gws) == 0 {
		return c, nil, errors.New("the receipt names no gateway for its manifest")
	}
	return c, gws, nil
}

// ArweaveReport is what one gateway really serves of an Arweave copy.
type ArweaveReport struct {
	Source     string        `json:"source"`
	Manifest   string        `json:"manifest"`
	CAR        string        `json:"car,omitempty"`   // the CAR copy's transaction
	Root       string        `json:"root,omitempty"`  // the IPFS root the CAR copy holds, every block checked
	Owner      string        `json:"owner,omitempty"` // the wallet that signed the manifest
	Reachable  bool          `json:"reachable"`       // the gateway answered over HTTP
	Complete   bool          `json:"complete"`        // every expected file was served
	Verified   bool          `json:"verified"`        // everything served matched its signed data root and the references
	Latency    time.Duration `json:"latency"`
	Duration   time.Duration `json:"duration"`
	Bytes      int64         `json:"bytes"`
	Files      int           `json:"files"`               // files that verified
	Signatures int           `json:"signatures"`          // transaction signatures checked
	Missing    []string      `json:"missing,omitempty"`   // expected paths not served (or not in the manifest)
	Different  []string      `json:"different,omitempty"` // paths served with other bytes, or not in the site
	Unsigned   []string      `json:"unsigned,omitempty"`  // data items whose headers the gateway serves nowhere (not in GraphQL either): bytes checked, signatures not
	Err        error         `json:"-"`
}

// OK reports whether everything expected was served and verified.
func (r ArweaveReport) OK() bool { return r.Err == nil && r.Reachable && r.Complete && r.Verified }

// Errors of the Arweave checks.
var (
	// ErrContentMismatch: bytes served differ from what they are checked
	// against (a signed data root, the CAR copy, the local build).
	ErrContentMismatch = errors.New("file does not match")
	// ErrArweaveTxID: a string is not an Arweave transaction id.
	ErrArweaveTxID = errors.New("not an Arweave transaction id (43 base64url characters)")
	// ErrBadSignature: a transaction header's signature does not verify.
	ErrBadSignature = errors.New("transaction signature does not verify")
)

// CheckArweaveTxID checks the form of a transaction id: 32 bytes, unpadded
// base64url. It keeps ids from smuggling path segments into URLs.
func CheckArweaveTxID(id string) error {
	if !artx.IsTxID(id) {
		return fmt.Errorf("%w: %q", ErrArweaveTxID, id)
	}
	return nil
}

// CheckArweave checks the site whose path manifest is manifestTx through
// each gateway, concurrently (CheckArweaveCopy with the CAR and root taken
// from the manifest's tags). want, the local build's manifest, may be nil.
func CheckArweave(ctx context.Context, manifestTx string, want *bundle.Manifest, gws []*ArweaveGateway, opts CheckOptions) []ArweaveReport {
	return CheckArweaveCopy(ctx, ArweaveCopy{Manifest: manifestTx}, want, gws, opts)
}

// CheckArweaveCopy verifies an Arweave copy through each gateway,
// concurrently, without trusting them:
//
//   - the manifest's transaction is signed, and the manifest served hashes
//     to its signed data root;
//   - every file the manifest lists: its transaction is signed and the bytes
//     served hash to its data root;
//   - the CAR copy: signed, its bytes hash to its data root, every block
//     hashes to its CID and the DAG under the IPFS root is complete (the
//     root must be c.Root when set, and want's root when want is given);
//   - the site: each file of the CAR is the file the manifest lists at its
//     path (same SHA-256), no path is missing or extra, and with want each
//     file has the local build's SHA-256.
//
// Data items (Turbo uploads) have no transaction header: their item
// headers come from the gateway's GraphQL (arapi.ItemHeader: the id must
// be the signature's hash) and each signature is checked over the bytes
// served. Where a gateway indexes none, an item's bytes are checked against
// the CAR and want only, and its id is listed in Unsigned. Publish counts
// an Arweave copy once its report is OK.
func CheckArweaveCopy(ctx context.Context, c ArweaveCopy, want *bundle.Manifest, gws []*ArweaveGateway, opts CheckOptions) []ArweaveReport {
	reports := make([]ArweaveReport, len(gws))
	var wg sync.WaitGroup
	for i, g := range gws {
		wg.Go(func() { reports[i] = g.check(ctx, c, want, opts) })
	}
	wg.Wait()
	return reports
}

func (g *ArweaveGateway) check(ctx context.Context, c ArweaveCopy, want *bundle.Manifest, opts CheckOptions) ArweaveReport {
	rep := ArweaveReport{Source: g.URL, Manifest: c.Manifest}
	if rep.Err = CheckArweaveTxID(c.Manifest); rep.Err != nil {
		return rep
	}
	if c.CAR != "" {
		if rep.Err = CheckArweaveTxID(c.CAR); rep.Err != nil {
			return rep
		}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var first sync.Once
	var latency time.Duration
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: func() {
		first.Do(func() { latency = time.Since(start) })
	}})
	client := g.Client
	if client == nil {
		client = DefaultClient
	}
	ck := &arCheck{api: &arapi.Client{Base: strings.TrimRight(g.URL, "/"), HTTP: client}, rep: &rep, want: want}
	if want != nil {
		ck.wantSums = make(map[string]string, len(want.Files))
		for _, f := range want.Files {
			ck.wantSums[f.Path] = f.SHA256
		}
	}
	rep.Err = ck.run(ctx, c)
	rep.Duration = time.Since(start)
	first.Do(func() {})
	rep.Reachable, rep.Latency = latency > 0, latency
	sort.Strings(rep.Missing)
	sort.Strings(rep.Different)
	sort.Strings(rep.Unsigned)
	return rep
}
