package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/carsite"
	"github.com/ipfs/go-cid"
)

// Tags the arweave provider puts on what it stores (pin/arweave).
const (
	tagIPFSRoot = "IPFS-Root"
	tagCARTx    = "IPFS-CAR"
)

// arCheck is one gateway's check of one copy.
type arCheck struct {
	api      *arapi.Client
	want     *bundle.Manifest
	wantSums map[string]string // path -> hex SHA-256 ("" if the manifest has none)

	mu  sync.Mutex
	rep *ArweaveReport
}

func (ck *arCheck) note(f func(r *ArweaveReport)) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	f(ck.rep)
}

// run checks the manifest, the CAR copy, then every file.
func (ck *arCheck) run(ctx context.Context, c ArweaveCopy) error {
	man, mh, err := ck.manifest(ctx, c.Manifest)
	if err != nil {
		return err
	}
	if c.CAR == "" {
		c.CAR, _ = mh.tagValue(tagCARTx)
	}
	var fromCAR map[string][32]byte
	if c.CAR != "" {
		if fromCAR, err = ck.car(ctx, c.CAR, c.Root); err != nil {
			return err
		}
	}
	results := ck.files(ctx, man)
	return ck.summarize(man, fromCAR, results)
}

// arHeader is what signs an id's bytes: a transaction's header (its
// signature checked; the data must hash to its data root), or a bundled
// data item's (its signature is checked over the data as it is read), or
// neither, when the gateway serves no header for the id.
type arHeader struct {
	tx   *artx.Transaction
	item *artx.DataItem
}

func (h arHeader) tagValue(name string) (string, bool) {
	switch {
	case h.tx != nil:
		return h.tx.TagValue(name)
	case h.item != nil:
		return h.item.TagValue(name)
	}
	return "", false
}

func (h arHeader) owner() []byte {
	switch {
	case h.tx != nil:
		return h.tx.Owner
	case h.item != nil:
		return h.item.Owner
	}
	return nil
}

// header fetches the header that signs id: a transaction's (verified
// here), else, for a bundled data item, the item header the gateway's
// GraphQL indexes (its id must be the SHA-256 of its signature; the
// signature is checked with the data). A gateway that serves neither
// leaves the id unsigned: once its bytes have been served the caller lists
// it (unsigned does that).
func (ck *arCheck) header(ctx context.Context, id string) (arHeader, error) {
	tx, err := ck.api.Tx(ctx, id)
	var ae *arapi.Error
	switch {
	case errors.Is(err, arapi.ErrPending): // a base transaction not mined yet: no header yet
		return arHeader{}, nil
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound: // a bundled data item
		item, err := ck.api.ItemHeader(ctx, id)
		switch {
		case err == nil:
			return arHeader{item: item}, nil
		case errors.Is(err, arapi.ErrItemMismatch):
			return arHeader{}, fmt.Errorf("%w: data item %s: %w", ErrBadSignature, id, err)
		case ctx.Err() != nil:
			return arHeader{}, ctx.Err()
		}
		return arHeader{}, nil // no GraphQL, or it does not know the item
	case err != nil:
		return arHeader{}, gatewayErr(err)
	}
	if err := tx.Verify(); err != nil {
		return arHeader{}, fmt.Errorf("%w: transaction %s: %w", ErrBadSignature, id, err)
	}
	ck.note(func(r *ArweaveReport) { r.Signatures++ })
	return arHeader{tx: tx}, nil
}

// checkData reads r, the bytes served for id, to its end and checks them
// against h: they must hash to a transaction's signed data root, or be what
// a data item's signature covers. Without a header they are only read.
func (ck *arCheck) checkData(id string, h arHeader, r io.Reader) error {
	switch {
	case h.tx != nil:
		return matchesRoot(r, h.tx)
	case h.item != nil:
		if err := h.item.Verify(r); err != nil {
			if errors.Is(err, artx.ErrBadSignature) {
				return fmt.Errorf("%w: data item %s: the bytes served are not the ones its signature covers", ErrBadSignature, id)
			}
			return err
		}
		ck.note(func(r *ArweaveReport) { r.Signatures++ })
		return nil
	}
	_, err := io.Copy(io.Discard, r)
	return err
}

// unsigned records an id whose bytes were served without a header.
func (ck *arCheck) unsigned(id string, h arHeader) {
	if h.tx == nil && h.item == nil {
		ck.note(func(r *ArweaveReport) { r.Unsigned = append(r.Unsigned, id) })
	}
}

// gatewayErr turns a gateway's HTTP answer into a StatusError (as the IPFS
// checks report them).
func gatewayErr(err error) error {
	var ae *arapi.Error
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %w", ae.Op, &StatusError{Status: ae.Status, Body: ae.Body})
	}
	return err
}

// manifest fetches the path manifest and checks it against its header.
func (ck *arCheck) manifest(ctx context.Context, id string) (*artx.Manifest, arHeader, error) {
	h, err := ck.header(ctx, id)
	if err != nil {
		return nil, h, err
	}
	data, err := ck.api.RawData(ctx, id, artx.MaxManifest)
	if err != nil {
		return nil, h, fmt.Errorf("the manifest %s: %w", id, gatewayErr(err))
	}
	ck.unsigned(id, h)
	ck.note(func(r *ArweaveReport) { r.Bytes += int64(len(data)) })
	if err := ck.checkData(id, h, bytes.NewReader(data)); err != nil {
		return nil, h, fmt.Errorf("the manifest %s: %w", id, err)
	}
	if o := h.owner(); o != nil {
		ck.note(func(r *ArweaveReport) { r.Owner = artx.Address(o) })
	}
	m, err := artx.ParseManifest(data)
	if err != nil {
		return nil, h, fmt.Errorf("the manifest %s: %w", id, err)
	}
	return m, h, nil
}

// matchesRoot reads r (the data served for tx) and checks it hashes to the
// signed data root and holds exactly data_size bytes.
func matchesRoot(r io.Reader, tx *artx.Transaction) error {
	tree, err := artx.BuildTree(r, tx.DataSize)
	if errors.Is(err, artx.ErrShortData) {
		return fmt.Errorf("%w: %v", ErrContentMismatch, err)
	}
	if err != nil {
		return err
	}
	if n, _ := io.Copy(io.Discard, io.LimitReader(r, 1)); n > 0 {
		return fmt.Errorf("%w: more bytes than the signed data_size %d", ErrContentMismatch, tx.DataSize)
	}
	if !bytes.Equal(tree.Root(), tx.DataRoot) {
		return fmt.Errorf("%w: the bytes served do not hash to the signed data root", ErrContentMismatch)
	}
	return nil
}

// car fetches the CAR copy into a temporary file, checks it against its
// header, verifies every block under its IPFS root, and returns the
// SHA-256 of each file of the site it holds.
func (ck *arCheck) car(ctx context.Context, id string, root cid.Cid) (map[string][32]byte, error) {
	h, err := ck.header(ctx, id)
	if err != nil {
		return nil, err
	}
	if root, err = ck.carRoot(h, root); err != nil {
		return nil, fmt.Errorf("the CAR copy %s: %w", id, err)
	}
	f, err := os.CreateTemp("", "dapp-publish-arweave-*.car")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := ck.download(ctx, id, h, f); err != nil {
		return nil, fmt.Errorf("the CAR copy %s: %w", id, err)
	}
	ck.unsigned(id, h)
	size, _ := f.Seek(0, io.SeekEnd)
	if _, err := VerifyCAR(io.NewSectionReader(f, 0, size), root, Options{}); err != nil {
		return nil, fmt.Errorf("the CAR copy %s: %w", id, err)
	}
	ck.note(func(r *ArweaveReport) { r.CAR, r.Root = id, root.String() })
	return siteHashes(ctx, f, size)
}

// carRoot decides which IPFS root the CAR must hold: the one asked for,
// the local build's, and the CAR transaction's IPFS-Root tag must agree.
func (ck *arCheck) carRoot(h arHeader, root cid.Cid) (cid.Cid, error) {
	var named []string
	if root.Defined() {
		named = append(named, root.String())
	}
	if ck.want != nil {
		named = append(named, ck.want.Root)
	}
	if v, ok := h.tagValue(tagIPFSRoot); ok {
		named = append(named, v)
	}
	if len(named) == 0 {
		return cid.Undef, errors.New("no IPFS root to check it against (no IPFS-Root tag; pass the bundle's root)")
	}
	first, err := cid.Decode(named[0])
	if err != nil {
		return cid.Undef, fmt.Errorf("IPFS root %.80q: %w", named[0], err)
	}
	for _, n := range named[1:] {
		if c, err := cid.Decode(n); err != nil || !sameContent(c, first) {
			return cid.Undef, fmt.Errorf("%w: it is tagged with root %.80q, expected %s", ErrContentMismatch, n, first)
		}
	}
	return first, nil
}

// download streams an id's data into w, checking it against the signed
// data root of its transaction header, or the signature of its data item
// header, when there is one.
func (ck *arCheck) download(ctx context.Context, id string, h arHeader, w io.Writer) error {
	body, err := ck.api.Data(ctx, id)
	if err != nil {
		return gatewayErr(err)
	}
	defer body.Close()
	cr := &countReader{r: body}
	defer func() { ck.note(func(r *ArweaveReport) { r.Bytes += cr.n }) }()
	return ck.checkData(id, h, io.TeeReader(cr, w))
}

// siteHashes lists the site in a verified CAR with each file's SHA-256.
func siteHashes(ctx context.Context, f io.ReaderAt, size int64) (map[string][32]byte, error) {
	site, err := carsite.Open(ctx, f, size)
	if err != nil {
		return nil, fmt.Errorf("the CAR copy: %w", err)
	}
	out := make(map[string][32]byte, len(site.Files))
	for _, file := range site.Files {
		r, err := site.Open(ctx, file)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, r, make([]byte, 256<<10)); err != nil {
			return nil, fmt.Errorf("the CAR copy: %s: %w", file.Path, err)
		}
		var s [32]byte
		h.Sum(s[:0])
		out[file.Path] = s
	}
	return out, nil
}

type fileCheck struct {
	sum [32]byte
	err error
}

// files fetches every file of the manifest, a few at a time, and checks
// each against its signed data root.
func (ck *arCheck) files(ctx context.Context, m *artx.Manifest) map[string]fileCheck {
	results := make(map[string]fileCheck, len(m.Paths))
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for path, e := range m.Paths {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			sum, err := ck.file(ctx, e.ID)
			if err != nil {
				err = fmt.Errorf("%s (%s): %w", path, e.ID, err)
			}
			mu.Lock()
			results[path] = fileCheck{sum, err}
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

func (ck *arCheck) file(ctx context.Context, id string) ([32]byte, error) {
	var sum [32]byte
	if !artx.IsTxID(id) {
		return sum, fmt.Errorf("%w: %q", ErrArweaveTxID, id)
	}
	hdr, err := ck.header(ctx, id)
	if err != nil {
		return sum, err
	}
	h := sha256.New()
	if err := ck.download(ctx, id, hdr, h); err != nil {
		return sum, err
	}
	ck.unsigned(id, hdr)
	h.Sum(sum[:0])
	return sum, nil
}

// summarize compares what was served with the CAR copy and the local
// build, and fills the report.
func (ck *arCheck) summarize(m *artx.Manifest, fromCAR map[string][32]byte, results map[string]fileCheck) error {
	rep := ck.rep
	var firstErr error
	fail := func(list *[]string, path string, err error) {
		*list = append(*list, path)
		if firstErr == nil {
			firstErr = err
		}
	}
	for path, res := range results {
		switch {
		case res.err != nil && errors.Is(res.err, ErrContentMismatch), errors.Is(res.err, ErrBadSignature):
			fail(&rep.Different, path, res.err)
		case res.err != nil:
			fail(&rep.Missing, path, res.err)
		default:
			if err := ck.compare(path, res.sum, fromCAR); err != nil {
				fail(&rep.Different, path, err)
				continue
			}
			rep.Files++
		}
	}
	for _, path := range ck.expected(fromCAR) {
		if _, ok := m.Paths[path]; !ok {
			fail(&rep.Missing, path, fmt.Errorf("%s is not in the manifest", path))
		}
	}
	rep.Complete = len(rep.Missing) == 0
	rep.Verified = rep.Files > 0 && len(rep.Different) == 0
	if firstErr != nil {
		return fmt.Errorf("%d missing, %d different of %d files; first: %w", len(rep.Missing), len(rep.Different), len(m.Paths), firstErr)
	}
	return nil
}

// compare checks one served file against the CAR copy and the local build.
func (ck *arCheck) compare(path string, sum [32]byte, fromCAR map[string][32]byte) error {
	if fromCAR != nil {
		want, ok := fromCAR[path]
		if !ok {
			return fmt.Errorf("%w: %s is in the manifest but not in the CAR copy", ErrContentMismatch, path)
		}
		if want != sum {
			return fmt.Errorf("%w: %s differs from the file in the CAR copy", ErrContentMismatch, path)
		}
	}
	if ck.want == nil {
		return nil
	}
	want, ok := ck.wantSums[path]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s is not in the local build", ErrContentMismatch, path)
	case want != "" && want != hex.EncodeToString(sum[:]):
		return fmt.Errorf("%w: %s: served with sha256 %.12x, the local build has %.12s", ErrContentMismatch, path, sum, want)
	}
	return nil
}

// expected lists the paths the manifest must have: the CAR copy's files
// and the local build's.
func (ck *arCheck) expected(fromCAR map[string][32]byte) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for p := range fromCAR {
		add(p)
	}
	if ck.want != nil {
		for _, f := range ck.want.Files {
			add(f.Path)
		}
	}
	return out
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
