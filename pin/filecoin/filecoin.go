// Package filecoin stores bundles on Filecoin Onchain Cloud: the CAR is
// uploaded as one piece to a storage provider's PDP API, added to a data
// set of the wallet's with EIP-712 signed extraData (metadata ipfsRootCID,
// withIPFSIndexing), paid in USDFC through FilecoinPay to
// FilecoinWarmStorageService, and proven kept by PDP proofs. The provider
// waits until the addition is confirmed on chain, then fetches the piece
// back and re-hashes it to its piece CID.
//
// Spend safety: before anything is sent, the cost is priced from FWSS, the
// wallet, the FilecoinPay account and FWSS's operator approval are read, and
// the run is refused when it would commit more than max_per_run or leave
// less than min_runway_days of runway, or when the wallet lacks the USDFC
// (the error names the amount). Deposits and approvals are only sent with
// auto_fund. With dry_run nothing is sent at all. Data set ids and
// AddPieces nonces are derived from what is stored, so a run repeated after
// a timeout cannot pay twice: FWSS refuses a reused id or nonce.
package filecoin

import (
	"context"
	"errors"
	"fmt"
	"github.com/dapp-publish/dapp-publish/internal/ctxtime"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
)

// Type is the registered provider type.
const Type = "filecoin"

// Errors a caller can test for.
var (
	// ErrDryRun: dry_run is set; the error carries the quote.
	ErrDryRun = errors.New("dry run: nothing was sent")
	// ErrSpendRefused: the run would break a spend limit or lacks funds.
	ErrSpendRefused = errors.New("refused to spend")
	// ErrNotConfirmed: the chain did not confirm in time.
	ErrNotConfirmed = errors.New("not confirmed on chain in time")
)

// Provider is a wallet paying Filecoin Onchain Cloud.
type Provider struct {
	name string
	http pin.HTTP // the storage providers' PDP API: no token, the wallet signs
	s    Settings
	dial func(ctx context.Context) (Backend, error)
}

var (
	_ pin.Provider  = (*Provider)(nil)
	_ pin.Networker = (*Provider)(nil)
)

// New returns a provider named name for cfg (see Config); it contacts
// nothing.
func New(name string, cfg *Config) (pin.Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rpcURL := cfg.Endpoint
	dial := func(ctx context.Context) (Backend, error) {
		be, err := ethclient.DialContext(ctx, rpcURL)
		if err != nil {
			// The URL may carry an API key: keep it out of the error.
			var scrub redact.Set
			scrub.AddURL(rpcURL)
			return nil, scrub.Error(err)
		}
		return be, nil
	}
	return NewWithBackend(name, cfg.HTTPClient, cfg.settings, dial), nil
}

// NewWithBackend is New with validated settings and the node given (tests,
// shared clients); client (nil: http.DefaultClient) reaches the storage
// providers.
func NewWithBackend(name string, client *http.Client, s Settings, dial func(ctx context.Context) (Backend, error)) *Provider {
	return &Provider{name: name, http: pin.HTTP{HTTPClient: client}, s: s, dial: dial}
}

// Name implements pin.Provider.
func (p *Provider) Name() string { return p.name }

// Type implements pin.Provider.
func (p *Provider) Type() string { return Type }

// Network implements pin.Networker: its copy is a piece a storage provider proves on Filecoin.
func (p *Provider) Network() string { return pin.NetworkFilecoin }

func (p *Provider) signer() Signer { return Signer{Key: p.s.Key, ChainID: p.s.ChainID, FWSS: p.s.FWSS} }

// plan is what Quote found out.
type plan struct {
	Quote
	ch    *chain
	sp    spProvider
	ds    dataSet // when reused
	md    Metadata
	piece piece.Commitment
	// stored: the data set holds the piece already (pieceID); nothing is
	// sent or paid.
	stored  bool
	pieceID uint64
}

// Quote prices storing b and checks the wallet can pay, sending nothing.
func (p *Provider) Quote(ctx context.Context, b pin.Bundle) (Quote, error) {
	pl, err := p.plan(ctx, b)
	return pl.Quote, err
}

func (p *Provider) plan(ctx context.Context, b pin.Bundle) (plan, error) {
	var pl plan
	if err := checkRoot(b); err != nil {
		return pl, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	var err error
	if pl.piece, err = piece.Sum(ctx, b.CAR, b.Size, 0); err != nil {
		return pl, pin.Permanent(fmt.Errorf("%s: piece CID of the CAR: %w", p.name, err))
	}
	be, err := p.dial(ctx)
	if err != nil {
		return pl, pin.Transient(fmt.Errorf("%s: failed to reach the RPC: %w", p.name, err), 0)
	}
	if err := p.checkChain(ctx, be); err != nil {
		return pl, err
	}
	if pl.ch, err = newChain(ctx, be, p.s); err != nil {
		return pl, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
	}
	if pl.sp, err = p.chooseProvider(ctx, pl.ch, pl.piece.Size); err != nil {
		return pl, err
	}
	pl.md = Metadata{{"withIPFSIndexing", ""}}
	if p.s.WithCDN {
		pl.md = append(pl.md, [2]string{"withCDN", ""})
	}
	sets, err := pl.ch.dataSets(ctx, pl.sp.Address, metadataMap(pl.md))
	if err != nil {
		return pl, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
	}
	if len(sets) > 0 {
		pl.ds = sets[0]
		sp := &pdpClient{base: pl.sp.ServiceURL, http: p.http, name: p.name}
		have, err := sp.dataSetPieces(ctx, dsID(pl.ds))
		if err != nil {
			return pl, err
		}
		pl.pieceID, pl.stored = have[pl.piece.CID().String()]
	}
	pr, err := pl.ch.pricing(ctx)
	if err != nil {
		return pl, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
	}
	acct, err := pl.ch.account(ctx)
	if err != nil {
		return pl, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
	}
	pl.Quote = price(pr, acct, pl.piece.PaddedSize(), dsID(pl.ds), p.s.MinRunwayDays)
	pl.ProviderID, pl.ServiceURL = pl.sp.ID, pl.sp.ServiceURL
	if pl.stored {
		pl.Quote = stored(pl.Quote)
		return pl, nil
	}
	return pl, p.checkSpend(pl.Quote)
}

// checkChain makes sure the RPC serves the configured chain: a key and a
// signature for one network must never be sent to another.
func (p *Provider) checkChain(ctx context.Context, be Backend) error {
	cc, ok := be.(interface {
		ChainID(context.Context) (*big.Int, error)
	})
	if !ok {
		return nil
	}
	id, err := cc.ChainID(ctx)
	if err != nil {
		return pin.Transient(fmt.Errorf("%s: failed to read the RPC's chain id: %w", p.name, err), 0)
	}
	if !id.IsUint64() || id.Uint64() != p.s.ChainID {
		return pin.Permanent(fmt.Errorf("%s: the RPC serves chain %s, the settings say %d", p.name, id, p.s.ChainID))
	}
	return nil
}

func dsID(ds dataSet) uint64 {
	if ds.DataSetId == nil {
		return 0
	}
	return ds.DataSetId.Uint64()
}

func metadataMap(md Metadata) map[string]string {
	m := map[string]string{}
	for _, kv := range md {
		m[kv[0]] = kv[1]
	}
	return m
}

// chooseProvider picks the configured provider, or the first active one
// that FWSS approves and whose piece size limits take size bytes.
func (p *Provider) chooseProvider(ctx context.Context, ch *chain, size uint64) (spProvider, error) {
	ps, err := ch.providers(ctx, p.s.ProviderID)
	if err != nil {
		return spProvider{}, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	ok, err := ch.approved(ctx)
	if err != nil {
		return spProvider{}, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
	}
	var why []string
	for _, sp := range ps {
		switch {
		case !ok[sp.ID]:
			why = append(why, fmt.Sprintf("provider %d is not approved by FilecoinWarmStorageService", sp.ID))
		case sp.MinPieceSize > size:
			why = append(why, fmt.Sprintf("provider %d takes pieces of at least %d bytes", sp.ID, sp.MinPieceSize))
		case sp.MaxPieceSize != 0 && sp.MaxPieceSize < size:
			why = append(why, fmt.Sprintf("provider %d takes pieces of at most %d bytes", sp.ID, sp.MaxPieceSize))
		case sp.Token != (common.Address{}) && sp.Token != ch.usdfc:
			why = append(why, fmt.Sprintf("provider %d is paid in another token", sp.ID))
		default:
			return sp, nil
		}
	}
	return spProvider{}, pin.Permanent(fmt.Errorf("%s: no storage provider takes this %d-byte CAR: %v", p.name, size, why))
}

func (p *Provider) checkSpend(q Quote) error {
	refuse := func(format string, a ...any) error {
		return pin.Permanent(fmt.Errorf("%s: %w: %s (%s)", p.name, ErrSpendRefused, fmt.Sprintf(format, a...), q))
	}
	if q.Spend.Cmp(p.s.MaxPerRun) > 0 {
		return refuse("this run would commit %s, over max_per_run %s", FormatUSDFC(q.Spend), FormatUSDFC(p.s.MaxPerRun))
	}
	if q.Deposit.Sign() > 0 && q.Wallet.Cmp(q.Deposit) < 0 {
		return refuse("insufficient USDFC: %s must be deposited into FilecoinPay and the wallet %s holds %s; send it %s more",
			FormatUSDFC(q.Deposit), crypto.PubkeyToAddress(p.s.Key.PublicKey), FormatUSDFC(q.Wallet), FormatUSDFC(new(big.Int).Sub(q.Deposit, q.Wallet)))
	}
	if !p.s.AutoFund && q.Deposit.Sign() > 0 {
		return refuse("%s must be deposited into FilecoinPay to keep %d days of runway; deposit it or set auto_fund: true", FormatUSDFC(q.Deposit), p.s.MinRunwayDays)
	}
	if !p.s.AutoFund && q.NeedApproval {
		return refuse("FilecoinWarmStorageService %s is not approved as operator with enough rate and lockup allowance; approve it or set auto_fund: true", p.s.FWSS)
	}
	return nil
}

// Pin implements pin.Provider.
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	pl, err := p.plan(ctx, b)
	if err != nil {
		return rec, err
	}
	p.fillPlan(&rec, pl)
	if p.s.DryRun {
		if pl.stored {
			return rec.Done(pin.StatusPinned), nil // stored already: nothing would be sent
		}
		return rec, pin.Permanent(fmt.Errorf("%s: %w: %s", p.name, ErrDryRun, pl.Quote))
	}
	if err := p.fund(ctx, pl); err != nil {
		return rec, err
	}
	sp := &pdpClient{base: pl.sp.ServiceURL, http: p.http, name: p.name}
	id, err := p.ensureDataSet(ctx, sp, pl)
	if err != nil {
		return rec, err
	}
	rec.SetID("data_set_id", strconv.FormatUint(id, 10))
	pc := pl.piece.CID().String()
	if pl.stored {
		rec.Skipped = true
		rec.SetID("piece_id", strconv.FormatUint(pl.pieceID, 10))
	} else {
		sent, err := p.upload(ctx, sp, b, pl, id)
		rec.BytesSent = sent
		if err != nil {
			return rec, err
		}
		st, err := p.addPiece(ctx, sp, b, pl, id)
		if st.TxHash != "" {
			rec.SetID("confirmed_tx_hash", st.TxHash)
		}
		if err != nil {
			return rec, err
		}
		rec.SetID("piece_id", strconv.FormatUint(st.PieceIDs[0], 10))
	}
	url := pl.sp.ServiceURL + "/piece/" + pc
	if err := piece.Check(ctx, p.http.Client(), url, pl.piece); err != nil {
		return rec, pin.Transient(fmt.Errorf("%s: the piece fetched back does not verify: %w", p.name, err), 0)
	}
	return rec.Done(pin.StatusPinned), nil
}

func (p *Provider) fillPlan(rec *pin.Receipt, pl plan) {
	rec.SetID("piece_cid", pl.piece.CID().String())
	rec.SetID("piece_cid_v1", pl.piece.CIDv1().String())
	rec.SetID("padded_piece_size", strconv.FormatUint(pl.piece.PaddedSize(), 10))
	rec.SetID("piece_size", strconv.FormatUint(pl.piece.Size, 10))
	rec.SetID("provider_id", strconv.FormatUint(pl.sp.ID, 10))
	rec.SetID("piece_url", pl.sp.ServiceURL+"/piece/"+pl.piece.CID().String())
	rec.SetID("cost_per_month", FormatUSDFC(pl.RatePerMonth))
	if pl.Spend != nil {
		rec.SetID("quote", pl.Quote.String())
	}
	rec.Endpoints = []string{pl.sp.ServiceURL + "/ipfs/" + rec.CID} // withIPFSIndexing: the SP serves the DAG
}

// fund deposits and approves what the quote needs (auto_fund only: the
// quote was refused otherwise).
func (p *Provider) fund(ctx context.Context, pl plan) error {
	ch := pl.ch
	if pl.Deposit.Sign() > 0 {
		if _, err := ch.transact(ctx, ch.cUSDFC, "approve", ch.pay, pl.Deposit); err != nil {
			return pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
		}
		if _, err := ch.transact(ctx, ch.cPay, "deposit", ch.usdfc, ch.me, pl.Deposit); err != nil {
			return pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
		}
	}
	if pl.NeedApproval {
		a, err := ch.account(ctx)
		if err != nil {
			return pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
		}
		rate := new(big.Int).Add(a.RateUsage, pl.RatePerEpoch)
		lock := new(big.Int).Add(a.LockUp, pl.Lockup)
		if _, err := ch.transact(ctx, ch.cPay, "setOperatorApproval", ch.usdfc, ch.fwss, true, rate, lock, big.NewInt(lockupEpochs)); err != nil {
			return pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
		}
	}
	return nil
}

// ensureDataSet reuses the data set the plan found or creates one. Its
// clientDataSetId is derived from the wallet, provider and metadata, so a
// repeated creation is refused by FWSS instead of paid twice.
func (p *Provider) ensureDataSet(ctx context.Context, sp *pdpClient, pl plan) (uint64, error) {
	if id := dsID(pl.ds); id != 0 {
		return id, nil
	}
	clientID := derive("dapp-publish data set", pl.ch.me.Bytes(), big.NewInt(int64(pl.sp.ID)).Bytes(), []byte(fmt.Sprint(pl.md)))
	extra, err := p.signer().CreateDataSetExtra(clientID, pl.sp.Payee, pl.md)
	if err != nil {
		return 0, pin.Permanent(err)
	}
	loc, err := sp.createDataSet(ctx, p.s.FWSS.Hex(), extra)
	if err != nil {
		return 0, err
	}
	st, err := p.wait(ctx, sp, loc, "data set creation")
	if err != nil {
		return 0, err
	}
	return st.DataSetID, nil
}

// derive makes a uint256 from its parts (ids and nonces that repeat when
// the same thing is asked for again).
func derive(parts ...any) *big.Int {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		}
		b = append(b, 0)
	}
	return new(big.Int).SetBytes(crypto.Keccak256(b))
}

// upload sends the CAR as the piece unless the provider has it, retrying a
// failed PUT (5xx, dropped connection) a few times, then waits until the
// provider has processed it.
func (p *Provider) upload(ctx context.Context, sp *pdpClient, b pin.Bundle, pl plan, dataSetID uint64) (int64, error) {
	pc := pl.piece.CID().String()
	stored, path, err := sp.startUpload(ctx, pc, dataSetID)
	if err != nil || stored {
		return 0, err
	}
	auth, err := p.signer().UploadAuth(dataSetID, derive("upload", []byte(pc)), time.Now().Add(time.Hour).Unix())
	if err != nil {
		return 0, pin.Permanent(err)
	}
	var sent int64
	for attempt := 0; ; attempt++ {
		resp, err := sp.do(ctx, http.MethodPut, path, b.Reader(), b.Size,
			http.Header{"Content-Type": {"application/octet-stream"}, "X-Pdp-Upload-Auth": {auth}}, "upload piece")
		sent += b.Size
		if err == nil {
			resp.Body.Close()
			break
		}
		if errors.Is(err, pin.ErrUnauthorized) {
			return sent, fmt.Errorf("%s: the storage provider refused the upload authorization (X-PDP-Upload-Auth) signed by %s for data set %d: %w",
				p.name, crypto.PubkeyToAddress(p.s.Key.PublicKey), dataSetID, err)
		}
		if pin.IsPermanent(err) || attempt == 3 || ctx.Err() != nil {
			return sent, err
		}
		if err := ctxtime.Sleep(ctx, time.Duration(attempt+1)*p.s.PollInterval/2); err != nil {
			return sent, err
		}
	}
	return sent, p.poll(ctx, "piece processing", func() (bool, error) { return sp.findPiece(ctx, pc) })
}

// addPiece adds the piece to the data set with metadata ipfsRootCID and
// waits for the chain. The nonce is derived from the data set and piece: a
// repeated addition is refused by FWSS, never paid twice.
func (p *Provider) addPiece(ctx context.Context, sp *pdpClient, b pin.Bundle, pl plan, dataSetID uint64) (txState, error) {
	clientID := pl.ds.ClientDataSetId
	if clientID == nil {
		clientID = derive("dapp-publish data set", pl.ch.me.Bytes(), big.NewInt(int64(pl.sp.ID)).Bytes(), []byte(fmt.Sprint(pl.md)))
	}
	pcid := pl.piece.CID()
	nonce := derive("dapp-publish add", new(big.Int).SetUint64(dataSetID).Bytes(), pcid.Bytes())
	extra, err := p.signer().AddPiecesExtra(clientID, nonce, [][]byte{pcid.Bytes()}, []Metadata{{{"ipfsRootCID", b.Root.String()}}})
	if err != nil {
		return txState{}, pin.Permanent(err)
	}
	loc, err := sp.addPieces(ctx, dataSetID, pcid.String(), extra)
	if err != nil {
		return txState{}, err
	}
	return p.wait(ctx, sp, loc, "piece addition")
}

// wait polls a transaction status until the provider reports it done on
// chain, rejected, or confirm_wait passes.
func (p *Provider) wait(ctx context.Context, sp *pdpClient, loc, what string) (txState, error) {
	var st txState
	err := p.poll(ctx, what, func() (bool, error) {
		var err error
		st, err = sp.status(ctx, loc)
		if err != nil {
			return false, err
		}
		if st.Failed {
			return false, pin.Permanent(fmt.Errorf("%s: %s transaction %s failed on chain (status %q)", p.name, what, st.TxHash, st.Status))
		}
		return st.Done, nil
	})
	if errors.Is(err, ErrNotConfirmed) {
		err = pin.Permanent(fmt.Errorf("%w; status %q at %s%s. It may still confirm: run again later, which finds it and pays nothing twice", err, st.Status, sp.base, loc))
	}
	return st, err
}

// poll calls done every PollInterval until it reports true, fails, or
// ConfirmWait passes (ErrNotConfirmed). Transient errors are retried.
func (p *Provider) poll(ctx context.Context, what string, done func() (bool, error)) error {
	deadline := time.Now().Add(p.s.ConfirmWait)
	for {
		ok, err := done()
		if ok {
			return nil
		}
		if err != nil && (pin.IsPermanent(err) || ctx.Err() != nil) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s: %w within %s", p.name, what, ErrNotConfirmed, p.s.ConfirmWait)
		}
		if err := ctxtime.Sleep(ctx, p.s.PollInterval); err != nil {
			return err
		}
	}
}

// checkRoot refuses a bundle whose CAR has another root: the piece would be
// stored under a root CID it does not hold.
func checkRoot(b pin.Bundle) error {
	br, err := carv2.NewBlockReader(io.NewSectionReader(b.CAR, 0, b.Size))
	if err != nil {
		return fmt.Errorf("failed to read the CAR header: %w", err)
	}
	if len(br.Roots) != 1 || !pin.SameCID(br.Roots[0], b.Root) {
		return fmt.Errorf("the CAR's roots are %v, not %s: %w", br.Roots, b.Root, pin.ErrWrongCID)
	}
	return nil
}

// Status implements pin.Provider: a piece whose on-chain metadata
// ipfsRootCID is root, in one of the wallet's live data sets with the
// configured (or any active) storage provider, is held.
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	be, err := p.dial(ctx)
	if err != nil {
		return rec, pin.Transient(fmt.Errorf("%s: failed to reach the RPC: %w", p.name, err), 0)
	}
	ch, err := newChain(ctx, be, p.s)
	if err != nil {
		return rec, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
	}
	sps, err := ch.providers(ctx, p.s.ProviderID)
	if err != nil {
		return rec, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
	}
	for _, sp := range sps {
		sets, err := ch.dataSets(ctx, sp.Address, nil)
		if err != nil {
			return rec, pin.Transient(fmt.Errorf("%s: %w", p.name, err), 0)
		}
		for _, ds := range sets {
			pieces, err := (&pdpClient{base: sp.ServiceURL, http: p.http, name: p.name}).dataSetPieces(ctx, dsID(ds))
			if err != nil {
				return rec, err
			}
			for pc, id := range pieces {
				if r, err := ch.pieceRoot(ctx, dsID(ds), id); err != nil || r != root.String() {
					continue
				}
				c, err := piece.Parse(pc)
				if err != nil {
					continue
				}
				p.fillPlan(&rec, plan{sp: sp, piece: c, Quote: Quote{RatePerMonth: new(big.Int)}})
				delete(rec.IDs, "cost_per_month")
				rec.SetID("data_set_id", strconv.FormatUint(dsID(ds), 10))
				rec.SetID("piece_id", strconv.FormatUint(id, 10))
				return rec.Done(pin.StatusPinned), nil
			}
		}
	}
	return rec.Done(pin.StatusNotFound), nil
}
