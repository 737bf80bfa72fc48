package pin

import (
	"time"

	"github.com/ipfs/go-cid"
)

// Status is what a holder reports for a root.
type Status string

// Statuses. Only StatusPinned means the holder has the whole DAG.
const (
	StatusPinned   Status = "pinned"
	StatusQueued   Status = "queued"   // accepted, not started (Pinning Service API)
	StatusPinning  Status = "pinning"  // fetching or pinning in progress
	StatusFailed   Status = "failed"   // the holder gave up, or our attempt failed
	StatusNotFound Status = "notfound" // the holder does not know the root
)

// Receipt says what one holder holds and where to fetch it back.
type Receipt struct {
	Provider string `json:"provider"`
	Type     string `json:"type"`
	CID      string `json:"cid"`
	Status   Status `json:"status"`
	// Error is Err's message, for JSON and people.
	Error string `json:"error,omitempty"`
	// Err is why the holder does not hold the bundle (nil when pinned):
	// test it with errors.Is against ErrUnauthorized, ErrWrongCID,
	// ErrNotPinned, ErrTimeout or context errors, never by its text.
	Err error `json:"-"`

	// Endpoints are URLs the bundle can be fetched back from
	// (trustless gateway paths such as https://gw/ipfs/<cid>).
	Endpoints []string `json:"endpoints,omitempty"`
	// IDs holds provider-specific identifiers: a PSA request id, a Pinata
	// file id, cluster allocations.
	IDs map[string]string `json:"ids,omitempty"`

	// BytesSent is the number of CAR bytes sent in this run; 0 when the
	// holder already had the bundle (Skipped).
	BytesSent int64 `json:"bytes_sent"`
	Skipped   bool  `json:"skipped,omitempty"`
	Attempts  int   `json:"attempts,omitempty"`

	// Arweave copies (pin/arweave): the path manifest transaction (what
	// ar:// and an ENS arweave contenthash point to), the transaction
	// holding the CAR, each file's transaction, and what this run paid.
	ManifestID  string            `json:"manifest_id,omitempty"`
	CARTxID     string            `json:"car_tx_id,omitempty"`
	Files       map[string]string `json:"files,omitempty"`
	CostWinston string            `json:"cost_winston,omitempty"`

	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Warnings are problems that did not stop the bundle from being
	// stored (e.g. a failed DHT provide).
	Warnings []string `json:"warnings,omitempty"`
}

// NewReceipt starts a receipt for p and root.
func NewReceipt(p Provider, root cid.Cid) Receipt {
	return Receipt{Provider: p.Name(), Type: p.Type(), CID: root.String(), Started: time.Now().UTC()}
}

// Done stamps the finish time and status and returns the receipt.
func (r Receipt) Done(s Status) Receipt {
	r.Status = s
	r.Finished = time.Now().UTC()
	return r
}

// SetID records a provider-specific id.
func (r *Receipt) SetID(key, value string) {
	if r.IDs == nil {
		r.IDs = map[string]string{}
	}
	r.IDs[key] = value
}

// SameCID reports whether a and b name the same content: the same codec and
// multihash, whatever the CID version (a dag-pb CIDv0 equals its CIDv1).
func SameCID(a, b cid.Cid) bool {
	return a.Defined() && b.Defined() && a.Type() == b.Type() && string(a.Hash()) == string(b.Hash())
}
