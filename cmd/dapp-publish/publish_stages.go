package main

// The publish pipeline's stages (package publish) over the library
// packages: holders are pin providers (what publish asks of one, its
// network, partial CARs, retrieval through its own API, comes from the
// capabilities the provider declares: pin.As), and every copy is checked by
// package verify (Check for gateways, CheckCAR for a holder's own API,
// CheckArweaveCopy for Arweave) or, for Filecoin Onchain Cloud, by its piece
// (filecoin.CheckReceipt). What remains here is the conversion of their
// results into publish's Record.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/all"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/local"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// sitePacker is the pack stage: the site folder packed and linted in one
// walk (bundle.PackChecked) into a temporary CAR, removed by cleanup.
type sitePacker struct {
	c      *cli.Context
	dir    string
	opts   bundle.Options
	lint   bundle.LintOptions
	policy bundle.LintPolicy
	tmpDir string
	car    string
}

func (p *sitePacker) Pack(ctx context.Context, onlyHash bool) (*publish.Bundle, error) {
	fsys, closeSite, err := openSite(p.dir)
	if err != nil {
		return nil, err
	}
	defer closeSite()
	tree, err := bundle.Walk(fsys, p.opts)
	if err != nil {
		return nil, siteError(p.dir, err)
	}
	var car *os.File
	if !onlyHash {
		if car, err = atomicfile.Temp(p.tmpDir, "dapp-publish-*.car"); err != nil {
			return nil, withHint(fmt.Errorf("failed to create a temporary CAR: %w", err), "check free space in "+os.TempDir()+" (or set TMPDIR)")
		}
		p.car = car.Name()
		defer car.Close()
	}
	var w io.Writer // nil: only hash
	if car != nil {
		w = car
	}
	b, report, err := packTree(p.c, p.dir, tree, p.opts, w, p.lint, p.policy)
	findings := []bundle.Finding{}
	if report != nil && report.Findings != nil {
		findings = report.Findings
	}
	if !p.c.Bool("json") && len(findings) > 0 {
		printLint(p.c.App.ErrWriter, report)
	}
	annotateLint(p.c.App.ErrWriter, p.dir, findings)
	if err != nil {
		return nil, err
	}
	out := &publish.Bundle{Root: b.Root, Profile: b.Profile.Name, CARSize: b.CARSize, Blocks: b.Blocks, Files: b.Files, Bytes: b.Bytes,
		PieceCID: bundle.NewPieceInfo(b.Piece).PieceCID, Manifest: b.Manifest, Lint: findings}
	if car != nil {
		out.CAR = car.Name()
	}
	return out, nil
}

func (p *sitePacker) cleanup() {
	if p.car != "" {
		atomicfile.RemoveTemp(p.car)
	}
}

// pinHolder is a configured pin provider as a publish.Holder.
type pinHolder struct {
	p      pin.Provider // wrapped with the entry's retries, timeout and concurrency
	entry  config.Provider
	redact func(string) string
	name   string // the pin name
}

var _ publish.Holder = (*pinHolder)(nil)

func (h *pinHolder) Name() string { return h.p.Name() }
func (h *pinHolder) Type() string { return h.p.Type() }

// Network is what the quorum counts the holder as, as its provider
// declares (pin.Networker: filecoin and lighthouse count as filecoin,
// arweave as arweave; the others as ipfs).
func (h *pinHolder) Network() string { return pin.NetworkOf(h.p) }

// Incremental: the provider declares that its holder takes a CAR of only
// the blocks it lacks (pin.PartialCARTaker: kubo, cluster).
func (h *pinHolder) Incremental() bool { return pin.TakesPartialCAR(h.p) }

// provider is the holder's pin provider (wrapped), for its capabilities.
func (h *pinHolder) provider() pin.Provider { return h.p }

// holderCapability finds the capability T in the provider of a holder
// built here (pin.As through the wrappers).
func holderCapability[T any](h publish.Holder) (T, bool) {
	if ph, ok := h.(interface{ provider() pin.Provider }); ok {
		return pin.As[T](ph.provider())
	}
	var zero T
	return zero, false
}

// Store uploads the delta when there is one for this holder, falling back
// to the whole CAR if the holder refuses it.
func (h *pinHolder) Store(ctx context.Context, up publish.Upload) publish.Receipt {
	if up.Delta != nil {
		r := h.pinFile(ctx, up.Bundle.Root, up.Delta.CAR, up.Delta.Size, up.Progress)
		if r.Status == publish.StatusPinned {
			r.Incremental = &publish.Incremental{Base: up.Delta.Base.String(), CARSize: up.Delta.Size, Blocks: up.Delta.Blocks}
			return r
		}
		full := h.pinFile(ctx, up.Bundle.Root, up.Bundle.CAR, up.Bundle.CARSize, up.Progress)
		full.Incremental = &publish.Incremental{Base: up.Delta.Base.String(), CARSize: up.Delta.Size, Blocks: up.Delta.Blocks, Fallback: true}
		full.BytesSent += r.BytesSent
		full.Warnings = append(full.Warnings, "the holder refused the CAR of only the new blocks ("+r.Error+"); the whole CAR was sent")
		return full
	}
	return h.pinFile(ctx, up.Bundle.Root, up.Bundle.CAR, up.Bundle.CARSize, up.Progress)
}

func (h *pinHolder) pinFile(ctx context.Context, root cid.Cid, path string, size int64, progress func(int64)) publish.Receipt {
	f, err := os.Open(path)
	if err != nil {
		return h.failed(root, err)
	}
	defer f.Close()
	b := pin.Bundle{Root: root, Name: h.name, CAR: f, Size: size}
	var prog func(string, int64)
	if progress != nil {
		prog = func(_ string, n int64) { progress(n) }
	}
	return h.receipt(pin.Run(ctx, []pin.Provider{h.p}, b, prog)[0], nil)
}

// Status asks the holder whether it holds root; an error (unreachable,
// credentials refused) is a failed receipt.
func (h *pinHolder) Status(ctx context.Context, root cid.Cid) publish.Receipt {
	r, err := h.p.Status(ctx, root)
	if r.Provider == "" {
		r = pin.NewReceipt(h.p, root)
	}
	if r.Finished.IsZero() {
		r.Finished = time.Now().UTC()
	}
	return h.receipt(r, err)
}

func (h *pinHolder) failed(root cid.Cid, err error) publish.Receipt {
	now := time.Now().UTC()
	return h.receipt(pin.Receipt{Provider: h.p.Name(), Type: h.p.Type(), CID: root.String(), Started: now, Finished: now}, err)
}

// receipt converts a pin.Receipt, keeping its error as a value (pin
// receipts carry it: Receipt.Err) and scrubbing every secret from its
// texts. err, if set, is a failure that happened around the receipt (the
// CAR could not be opened, Status failed).
func (h *pinHolder) receipt(r pin.Receipt, err error) publish.Receipt {
	out := publish.Receipt{
		Holder: r.Provider, Type: r.Type, Network: h.Network(), CID: r.CID, Status: string(r.Status),
		Endpoints: r.Endpoints, IDs: r.IDs, BytesSent: r.BytesSent, Skipped: r.Skipped,
		Attempts: r.Attempts, Started: r.Started, Finished: r.Finished, Err: r.Err, Error: h.redact(r.Error),
	}
	if err != nil {
		out.Status, out.Err = publish.StatusFailed, err
	}
	if out.Err != nil {
		out.Error = h.redact(out.Err.Error())
	} else if out.Status == publish.StatusFailed && out.Error == "" {
		out.Error = "the holder reported the pin failed"
	}
	for _, w := range r.Warnings {
		out.Warnings = append(out.Warnings, h.redact(w))
	}
	return out
}

// filecoinHolder is a Filecoin Onchain Cloud entry: a dry run asks it what
// storing the bundle would cost (publish.Quoter).
type filecoinHolder struct {
	*pinHolder
	foc *filecoin.Provider // unwrapped: Quote only reads
}

var _ publish.Quoter = (*filecoinHolder)(nil)

// Quote prices storing b's CAR and checks the wallet can pay (the spend
// limits of the entry), sending nothing.
func (h *filecoinHolder) Quote(ctx context.Context, b *publish.Bundle) (string, error) {
	f, err := os.Open(b.CAR)
	if err != nil {
		return "", err
	}
	defer f.Close()
	q, err := h.foc.Quote(ctx, pin.Bundle{Root: b.Root, Name: h.name, CAR: f, Size: b.CARSize})
	if err != nil {
		return "", errors.New(h.redact(err.Error()))
	}
	return q.String(), nil
}

// localHolder is the embedded default: the local store and its gateway.
type localHolder struct {
	*pinHolder
	store *local.Store
	gw    *local.Gateway
}

// openLocal opens the local store in stateDir with its gateway.
func openLocal(stateDir string) (*localHolder, error) {
	s, err := local.Open(stateDir)
	if err != nil {
		return nil, withHint(err, "pass --state-dir DIR to keep the local store somewhere writable")
	}
	gw, err := s.StartGateway()
	if err != nil {
		s.Close()
		return nil, err
	}
	p := local.New("local", s, gw.URL)
	return &localHolder{pinHolder: &pinHolder{p: p, redact: func(s string) string { return s }}, store: s, gw: gw}, nil
}

func (l *localHolder) close() {
	l.gw.Close()
	l.store.Close()
}

// holderSetup is the holders of a run and what to close afterwards.
type holderSetup struct {
	cfg     *config.Config // nil: no config file (the embedded default)
	holders []publish.Holder
	local   *localHolder
	entries map[string]config.Provider // by name: type and typed settings
	redact  func(string) string        // the run's secrets scrubbed (internal/redact)
}

func (s *holderSetup) close() {
	if s.local != nil {
		s.local.close()
	}
}

// setupHolders loads the config (if any), registering its secrets with the
// run's output, and builds its providers through the registry (each entry's
// typed settings, pin.Register); with no provider, the embedded local store
// is the one holder.
func setupHolders(c *cli.Context, stateDir, pinName string) (*holderSetup, error) {
	s := &holderSetup{entries: map[string]config.Provider{}, redact: outputOf(c).secrets.String}
	reg := all.Registry()
	path, err := config.Discover(c.String("config"), ".")
	switch {
	case errors.Is(err, config.ErrNoFile):
	case err != nil:
		return nil, err
	default:
		if _, serr := os.Stat(path); serr != nil {
			return nil, usageErr("pass an existing config file, or none to use the embedded default", "config file %s: %v", path, errors.Unwrap(serr))
		}
		// A run that leaves the name alone needs none of ens:'s ${VAR}s.
		if s.cfg, err = loadConfig(c, path, config.Options{Registry: reg, SkipENS: skipName(c)}); err != nil {
			return nil, err
		}
	}
	if s.cfg != nil {
		for _, e := range s.cfg.Providers {
			p, err := reg.New(e.Name, e.Type, e.Settings)
			if err != nil {
				return nil, usageErr("fix this entry of the config file", "%s:%d: %v", s.cfg.Path, e.Line, err)
			}
			ph := &pinHolder{p: pin.Wrap(p, e.Policy), entry: e, redact: s.redact, name: pinName}
			s.entries[e.Name] = e
			if foc, ok := p.(*filecoin.Provider); ok {
				s.holders = append(s.holders, &filecoinHolder{pinHolder: ph, foc: foc})
				continue
			}
			s.holders = append(s.holders, ph)
		}
	}
	if len(s.holders) == 0 {
		if s.local, err = openLocal(stateDir); err != nil {
			return nil, err
		}
		s.holders = []publish.Holder{s.local}
	}
	return s, nil
}

// publishSettings is the config's quorum: and verify: (defaults when there
// is no config file).
func (s *holderSetup) publishSettings() config.Publish {
	if s.cfg == nil {
		return config.Publish{VerifyTimeout: config.DefaultVerifyTimeout}
	}
	return s.cfg.Publish
}

// ensSection is the config's ens: section, or nil.
func (s *holderSetup) ensSection() *config.ENS {
	if s.cfg == nil {
		return nil
	}
	return s.cfg.ENS
}

// checked returns the config's publish settings, its quorum (checked
// against the holders) and the verify stage.
func (s *holderSetup) checked() (config.Publish, publish.Quorum, *verifier, error) {
	ps := s.publishSettings()
	q := publish.Quorum(ps.Quorum)
	if err := q.Check(s.holders, len(ps.Gateways)); err != nil {
		return ps, q, nil, usageErr("lower the quorum or add providers", "%v", err)
	}
	return ps, q, &verifier{timeout: ps.VerifyTimeout, allowRedirects: ps.AllowRedirects, entries: s.entries, redact: s.redact}, nil
}

// httpSettings returns the HTTP settings (endpoint, gateway, token) of an
// entry whose type is reached over HTTP (its Config embeds pin.HTTP).
func httpSettings(e config.Provider) (*pin.HTTP, bool) {
	h, ok := e.Settings.(interface{ HTTPSettings() *pin.HTTP })
	if !ok {
		return nil, false
	}
	return h.HTTPSettings(), true
}

// verifier is the verify stage over package verify: every holder is
// fetched back through the trustless gateways of its receipt, or, for a
// Kubo node without one, its RPC's dag/export; every block is hashed. A
// Filecoin Onchain Cloud copy is the piece its storage provider proves:
// fetched from the receipt's piece URL and hashed to its piece CID.
type verifier struct {
	timeout time.Duration
	// allowRedirects is verify.allow_redirects: follow redirects to other
	// hosts (named in the Verification's Via).
	allowRedirects bool
	entries        map[string]config.Provider
	redact         func(string) string
}

var _ publish.Verifier = (*verifier)(nil)

func (v *verifier) VerifyHolder(ctx context.Context, root cid.Cid, h publish.Holder, r publish.Receipt) []publish.Verification {
	if h.Type() == filecoin.Type {
		return []publish.Verification{v.viaPiece(ctx, h.Name(), r)}
	}
	if h.Type() == arweave.Type {
		return v.viaArweave(ctx, root, h.Name(), r)
	}
	var gws []*verify.Gateway
	for _, e := range r.Endpoints {
		if base, ok := gatewayBase(e); ok {
			gws = append(gws, &verify.Gateway{URL: base, AllowRedirects: v.allowRedirects})
		}
	}
	if len(gws) == 0 {
		if r, ok := holderCapability[pin.Retriever](h); ok {
			return []publish.Verification{v.viaRetriever(ctx, root, h.Name(), r)}
		}
		return []publish.Verification{{Holder: h.Name(), Source: "(none)", Error: "no way to fetch it back: set gateway: (its trustless gateway URL) in its config entry"}}
	}
	var out []publish.Verification
	for _, rep := range verify.Check(ctx, root, gws, verify.CheckOptions{Timeout: v.timeout}) {
		out = append(out, v.fromReport(h.Name(), rep))
	}
	return out
}

// viaPiece checks a Filecoin copy: the piece the receipt names, fetched
// from its storage provider and re-hashed to its piece CID
// (filecoin.CheckReceipt).
func (v *verifier) viaPiece(ctx context.Context, holder string, r publish.Receipt) publish.Verification {
	out := publish.Verification{Holder: holder, Source: "(none)", Mode: "piece"}
	if u := r.IDs["piece_url"]; u != "" {
		out.Source = redact.URL(u)
	}
	var client *http.Client
	if e, ok := v.entries[holder]; ok {
		if fc, ok := e.Settings.(*filecoin.Config); ok {
			client = fc.HTTPClient
		}
	}
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	start := time.Now()
	err := filecoin.CheckReceipt(ctx, client, pin.Receipt{Provider: r.Holder, IDs: r.IDs})
	out.Seconds = time.Since(start).Seconds()
	if err != nil {
		out.Reachable = !errors.Is(err, filecoin.ErrNoPiece) && !isUnreachable(err)
		out.Error = v.redact(sourceError(err))
		return out
	}
	out.OK, out.Reachable, out.Complete, out.Verified = true, true, true, true
	if n, perr := strconv.ParseInt(r.IDs["piece_size"], 10, 64); perr == nil {
		out.Bytes = n
	}
	return out
}

// isUnreachable reports a failure to reach a source at all (no answer).
func isUnreachable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &oe) || (errors.As(err, &ne) && ne.Timeout())
}

func (v *verifier) VerifyGateway(ctx context.Context, root cid.Cid, url string) publish.Verification {
	reps := verify.Check(ctx, root, []*verify.Gateway{{URL: url, AllowRedirects: v.allowRedirects}}, verify.CheckOptions{Timeout: v.timeout})
	return v.fromReport("", reps[0])
}

func (v *verifier) fromReport(holder string, r verify.Report) publish.Verification {
	out := publish.Verification{
		Holder: holder, Source: r.Source, Mode: string(r.Mode), OK: r.OK(), Reachable: r.Reachable, Complete: r.Complete,
		Verified: r.Verified, Bytes: r.Bytes, Blocks: r.Blocks, Via: r.Via, LatencyMS: float64(r.Latency.Microseconds()) / 1000, Seconds: r.Duration.Seconds(),
	}
	if r.Err != nil {
		out.Error = v.redact(sourceError(r.Err))
	}
	return out
}

// gatewayBase turns a receipt endpoint (https://gw/ipfs/CID) into the
// gateway's base URL.
func gatewayBase(endpoint string) (string, bool) {
	i := strings.Index(endpoint, "/ipfs/")
	if i <= 0 || !(strings.HasPrefix(endpoint, "http://") || strings.HasPrefix(endpoint, "https://")) {
		return "", false
	}
	return endpoint[:i], true
}

// stateDirOf is where the local store and the Records live.
func stateDirOf(c *cli.Context) string {
	if d := c.String("state-dir"); d != "" {
		return d
	}
	if d := os.Getenv("DAPP_PUBLISH_STATE_DIR"); d != "" {
		return d
	}
	return ".dapp-publish"
}

func recordsOf(stateDir string) publish.Dir {
	return publish.Dir{Path: filepath.Join(stateDir, "records")}
}
