package publish

import (
	"context"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/ipfs/go-cid"
)

// The pipeline's stages are small interfaces so that each can be backed by
// whatever the caller has (the command line wires pin providers, the verify
// package, the ens package and a folder of Records) and tested alone.

// Packer makes the bundle: the first stage. Nothing after it reads the site
// folder again.
type Packer interface {
	// Pack packs the site. With onlyHash (a dry run) it computes the root
	// and lints without writing a CAR; Bundle.CAR is then "".
	Pack(ctx context.Context, onlyHash bool) (*Bundle, error)
}

// Bundle is what the pack stage made.
type Bundle struct {
	Root     cid.Cid
	Profile  string
	CAR      string // path of the CARv1 file ("" when only hashed)
	CARSize  int64
	Blocks   int
	Files    int
	Bytes    int64
	PieceCID string // Filecoin piece CID of the CAR, when computed
	Manifest *bundle.Manifest
	Lint     []bundle.Finding
}

// Holder is one independent place that stores the bundle: a Kubo node, an
// IPFS Cluster, a pinning service, Arweave, the embedded local store.
//
// Contract:
//   - Store MUST NOT report StatusPinned unless the holder reported the root as
//     stored; failures are values (Receipt.Status failed, Receipt.Err set),
//     never panics, and Store MUST return when ctx is cancelled.
//   - With Upload.Delta set, Store MAY send the delta CAR instead of the
//     whole one; if the holder refuses it, Store SHOULD retry with the whole
//     CAR and say so in Receipt.Warnings.
//   - Status MUST only read: a dry run and a rollback use it to learn whether
//     the holder is reachable with our credentials and holds root.
type Holder interface {
	Name() string
	Type() string
	// Network is what the quorum counts this holder as: NetworkIPFS,
	// NetworkArweave or NetworkFilecoin.
	Network() string
	Store(ctx context.Context, up Upload) Receipt
	Status(ctx context.Context, root cid.Cid) Receipt
	// Incremental reports whether the holder accepts a CAR holding only the
	// blocks it lacks when it holds the rest (Kubo's dag/import and IPFS
	// Cluster's add?format=car do; services that pin by reference do not).
	Incremental() bool
}

// Quoter is a Holder that charges for storage (Filecoin Onchain Cloud): a
// dry run asks it what storing b would cost, and whether the account can
// pay, sending nothing. Quote gets the CAR (b.CAR is set) and reads only.
// An error (a spend limit, funds lacking) makes the holder count as not
// reachable in the dry run's quorum prediction.
type Quoter interface {
	Quote(ctx context.Context, b *Bundle) (string, error)
}

// Networks the quorum counts copies in.
const (
	NetworkIPFS     = "ipfs"
	NetworkArweave  = "arweave"
	NetworkFilecoin = "filecoin"
)

// Upload is what Store sends.
type Upload struct {
	Bundle *Bundle
	// Delta, when set, holds only the blocks of Bundle's DAG that are not in
	// the DAG under Delta.Base, which this holder reported holding.
	Delta *Delta
	// Progress, if set, is called with the CAR bytes just sent.
	Progress func(n int64)
}

// Delta is a CAR of the blocks a holder of Base lacks (see WriteDelta).
type Delta struct {
	Base    cid.Cid
	CAR     string // path of the CARv1 file
	Size    int64
	Blocks  int // blocks in the delta
	Skipped int // blocks of the bundle left out because Base's DAG has them

	holders []string // the holders that reported holding Base
}

// sentTo reports whether holder is to be sent the delta.
func (d *Delta) sentTo(holder string) bool {
	for _, h := range d.holders {
		if h == holder {
			return true
		}
	}
	return false
}

// Verifier fetches a bundle back and checks every block against its CID:
// the verify stage. Results are values; a source that lies or lacks a block
// gives a Verification with OK false and the reason.
type Verifier interface {
	// VerifyHolder checks what h really serves for root, through the
	// retrieval URLs of its receipt or the holder's own API. One result per
	// source tried.
	VerifyHolder(ctx context.Context, root cid.Cid, h Holder, r Receipt) []Verification
	// VerifyGateway checks a trustless gateway that holds no copy of its own.
	VerifyGateway(ctx context.Context, root cid.Cid, url string) Verification
}

// Gate decides whether enough independent copies were verified to move the
// name: the quorum policy (Quorum is the one the config describes).
type Gate interface {
	Decide(holders []Holder, receipts []Receipt, vs []Verification) QuorumResult
}

// Namer points the name at the bundle: the ENS stage.
type Namer interface {
	// Name is the (normalised) name, e.g. app.eth.
	Name() string
	// Plan reads what the name points at and checks, without signing or
	// sending anything, that it may be pointed at root: the chain, the
	// resolver, the writer's authorisation, a simulated call.
	Plan(ctx context.Context, root cid.Cid) (*NamePlan, error)
	// Apply makes the planned change (a transaction read back, a Safe
	// proposal, or calldata for review). An error leaves the name as it was
	// or, for a transaction that was sent, says so in the result.
	Apply(ctx context.Context, p *NamePlan) (*ENSResult, error)
}

// Retargeter is a Namer whose content one of the holders makes, rather than
// the root itself: an Arweave copy's path manifest (ens.content: arweave
// points the name at ar://<manifest>), known only once stored. Plan then
// checks the name with a stand-in of the same kind; after the quorum gate
// and before Apply, the pipeline calls Retarget with the receipts of the
// holders that verified (in holder order), and applies the plan it returns
// (NoOp when the name already points there). An error leaves the name as it
// was: one wrapping ErrQuorumNotMet means no verified holder made the
// content; any other is a failed name update (ErrNameFailed).
type Retargeter interface {
	Namer
	Retarget(ctx context.Context, p *NamePlan, verified []Receipt) (*NamePlan, error)
}

// NamePlan is a checked, unsent change of the name.
type NamePlan struct {
	Current cid.Cid   // what the name points at now (Undef: unset or not IPFS)
	NoOp    bool      // the name already points at the root
	Result  ENSResult // what is known before sending: name, resolver, old, new, calldata
	Impl    any       // the Namer's own state
}

// NameChange is one past value of the name (from the ENS history).
type NameChange struct {
	CID   cid.Cid // Undef when the value was cleared or is not IPFS content
	Value string  // the value as text (ipfs://..., ar://..., "(cleared)")
	Time  time.Time
	Block uint64
	Tx    string
}

// Recorder keeps Records: the last step of the pipeline, and where rollback,
// history and incremental uploads look back.
type Recorder interface {
	Save(r *Record) (string, error)
	// List returns every Record, oldest first.
	List() ([]*Record, error)
}

// Event is a step of a run, for the caller's output (progress lines).
type Event struct {
	Stage  string // "pack", "store", "verify", "gate", "name", "record"
	Holder string // the holder concerned, if any
	Text   string
}
