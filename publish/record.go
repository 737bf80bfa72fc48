package publish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// RecordSchema names the Record's JSON layout. Fields are only ever added;
// a change that removes or retypes a field bumps the version.
const RecordSchema = "dapp-publish.record/v1"

// Kinds of Record.
const (
	KindPublish  = "publish"
	KindRollback = "rollback"
)

// Outcomes of a run.
const (
	OutcomePublished    = "published"      // stored, verified, name pointed (or no name)
	OutcomeUnchanged    = "unchanged"      // every holder already had it and the name already pointed at it
	OutcomeDryRun       = "dry-run"        // checked only; nothing stored or sent
	OutcomeQuorumNotMet = "quorum-not-met" // too few verified copies; the name was not touched
	OutcomeNameFailed   = "name-failed"    // copies verified, the name update failed
	OutcomeNamePending  = "name-pending"   // copies verified, the name's transaction sent but not confirmed yet
	OutcomeFailed       = "failed"         // stopped before anything was stored (the name's checks failed)
)

// Record is what a run did, as JSON: the interface other tools read (the
// README documents every field). It is written to the state folder and
// printed by --json.
type Record struct {
	Schema   string `json:"schema"`
	Kind     string `json:"kind"`
	Outcome  string `json:"outcome"`
	Tool     string `json:"tool"`
	CID      string `json:"cid"`
	Profile  string `json:"profile,omitempty"`
	PieceCID string `json:"piece_cid,omitempty"`
	Commit   string `json:"commit,omitempty"`
	Site     *Site  `json:"site,omitempty"`
	// Previous is the root this run replaced or built on (incremental uploads).
	Previous     *Previous      `json:"previous,omitempty"`
	Receipts     []Receipt      `json:"receipts"`
	Verification []Verification `json:"verification"`
	Quorum       QuorumResult   `json:"quorum"`
	ENS          *ENSResult     `json:"ens,omitempty"`
	Timings      Timings        `json:"timings"`
	Error        string         `json:"error,omitempty"`
}

// Site describes the packed folder.
type Site struct {
	Files   int           `json:"files"`
	Bytes   int64         `json:"bytes"`
	CARSize int64         `json:"car_size,omitempty"`
	Blocks  int           `json:"blocks,omitempty"`
	Lint    []LintFinding `json:"lint"`
}

// LintFinding is a lint warning (bundle.Finding, kept stable here).
type LintFinding struct {
	Code    string `json:"code"`
	Path    string `json:"path,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// Previous is the root a run started from.
type Previous struct {
	CID    string `json:"cid"`
	Source string `json:"source"` // "record" (the last Record) or "ens" (the name's value)
}

// Receipt is what one holder did with the bundle.
type Receipt struct {
	Holder      string            `json:"holder"`
	Type        string            `json:"type"`
	Network     string            `json:"network"`
	CID         string            `json:"cid"`
	Status      string            `json:"status"` // pinned, failed, notfound, queued, pinning
	Error       string            `json:"error,omitempty"`
	Endpoints   []string          `json:"endpoints,omitempty"`
	IDs         map[string]string `json:"ids,omitempty"`
	BytesSent   int64             `json:"bytes_sent"`
	Skipped     bool              `json:"skipped,omitempty"` // already held: nothing sent
	Incremental *Incremental      `json:"incremental,omitempty"`
	Attempts    int               `json:"attempts,omitempty"`
	Started     time.Time         `json:"started"`
	Finished    time.Time         `json:"finished"`
	Warnings    []string          `json:"warnings,omitempty"`
	// Quote is what storing would cost, from a dry run (Quoter holders).
	Quote string `json:"quote,omitempty"`
	// Err is the failure as a value, for errors.Is; Error is its text.
	Err error `json:"-"`
}

// Statuses a Receipt reports.
const (
	StatusPinned   = "pinned"
	StatusFailed   = "failed"
	StatusNotFound = "notfound"
)

// Incremental says a holder was sent only the blocks it lacked.
type Incremental struct {
	Base     string `json:"base"`     // the root the holder already held
	CARSize  int64  `json:"car_size"` // size of the delta CAR
	Blocks   int    `json:"blocks"`   // blocks in it
	Fallback bool   `json:"fallback"` // the holder refused it and got the whole CAR
}

// Verification is one fetch of the bundle back from one source.
type Verification struct {
	Holder    string  `json:"holder,omitempty"` // "" for a gateway that holds no copy of its own
	Source    string  `json:"source"`
	Mode      string  `json:"mode,omitempty"` // car, raw, rpc
	OK        bool    `json:"ok"`
	Reachable bool    `json:"reachable"`
	Complete  bool    `json:"complete"`
	Verified  bool    `json:"verified"` // every block that arrived matched its CID
	Bytes     int64   `json:"bytes"`
	Blocks    int     `json:"blocks"`
	LatencyMS float64 `json:"latency_ms"`
	Seconds   float64 `json:"seconds"`
	// Via names the other hosts (scheme://host) the source redirected to
	// that served bytes (only with verify.allow_redirects).
	Via   []string `json:"via,omitempty"`
	Error string   `json:"error,omitempty"`
}

// QuorumResult is the gate's decision.
type QuorumResult struct {
	OK       bool            `json:"ok"`
	Networks []NetworkQuorum `json:"networks"`
}

// NetworkQuorum is the count for one network (or "gateways").
type NetworkQuorum struct {
	Network  string          `json:"network"`
	Required int             `json:"required"`
	Verified []string        `json:"verified"` // holders (or gateway URLs) that served every block
	Failed   []HolderFailure `json:"failed,omitempty"`
}

// HolderFailure says why a holder does not count.
type HolderFailure struct {
	Holder string `json:"holder"`
	Reason string `json:"reason"`
}

// ENSResult is what happened to the name.
type ENSResult struct {
	Name        string   `json:"name"`
	ChainID     uint64   `json:"chain_id,omitempty"`
	Resolver    string   `json:"resolver,omitempty"`
	Owner       string   `json:"owner,omitempty"`
	Via         string   `json:"via"` // key, safe or calldata
	Old         string   `json:"old"`
	New         string   `json:"new"`
	Contenthash string   `json:"contenthash"`
	Calldata    string   `json:"calldata,omitempty"`
	NoOp        bool     `json:"noop"`
	DryRun      bool     `json:"dry_run,omitempty"`
	Tx          string   `json:"tx,omitempty"`
	Block       uint64   `json:"block,omitempty"`
	Safe        string   `json:"safe,omitempty"`
	SafeTxHash  string   `json:"safe_tx_hash,omitempty"`
	SafeNonce   *uint64  `json:"safe_nonce,omitempty"`
	Files       []string `json:"files,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// Timings of the stages, in milliseconds.
type Timings struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	PackMS   int64     `json:"pack_ms"`
	StoreMS  int64     `json:"store_ms"`
	VerifyMS int64     `json:"verify_ms"`
	NameMS   int64     `json:"name_ms"`
	TotalMS  int64     `json:"total_ms"`
}

// WriteJSON writes r as indented JSON, one document ending in a newline.
func (r *Record) WriteJSON(w io.Writer) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("failed to encode the record: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// ReadRecord decodes a Record. Unknown fields are kept out; a record of
// another schema is an error.
func ReadRecord(r io.Reader) (*Record, error) {
	var rec Record
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("not a dapp-publish record: %w", err)
	}
	if rec.Schema != RecordSchema {
		return nil, fmt.Errorf("record schema %q is not %q", rec.Schema, RecordSchema)
	}
	return &rec, nil
}

// VerifiedHolders lists the holders with at least one source that served
// the complete, verified DAG.
func (r *Record) VerifiedHolders() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range r.Verification {
		if v.OK && v.Holder != "" && !seen[v.Holder] {
			seen[v.Holder] = true
			out = append(out, v.Holder)
		}
	}
	return out
}

// Published reports whether the run pointed the name (or, with no name,
// completed): it is a version a later rollback may return to.
func (r *Record) Published() bool {
	return r.Outcome == OutcomePublished || r.Outcome == OutcomeUnchanged
}

func millis(d time.Duration) int64 { return d.Milliseconds() }
