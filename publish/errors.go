package publish

import "errors"

// Sentinel errors Run and Rollback return (wrapped, with the detail); the
// command line maps each to its own documented exit code.
var (
	// ErrQuorumNotMet: too few holders served the complete, verified bundle.
	// The name was not touched. The Record says which holder failed and why.
	ErrQuorumNotMet = errors.New("quorum not met")
	// ErrNameFailed: the copies were stored and verified, but pointing the
	// name at them failed. Re-running publish skips the uploads.
	ErrNameFailed = errors.New("the name update failed after the copies were verified")
	// ErrNoPrevious: rollback found no earlier version to return to.
	ErrNoPrevious = errors.New("no earlier version to roll back to")
	// ErrNameCheck: the name's checks before any upload failed (the RPC, the
	// chain, the resolver, the writer's authorisation, the simulated call);
	// the wrapped error says which.
	ErrNameCheck = errors.New("failed to check the name")
	// ErrNoHolders: nothing is configured to store the bundle.
	ErrNoHolders = errors.New("no holders")
)
