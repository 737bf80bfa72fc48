// Package pin stores bundles on IPFS holders: a Kubo node, an IPFS Cluster,
// any Pinning Service API, Pinata, Filebase.
//
// The model follows restic's backends. Provider is a small interface whose
// doc comment is the contract every implementation keeps; optional
// capabilities (Unpinner, Lister) are separate interfaces callers probe for.
// Each provider lives in its own package (pin/kubo, pin/cluster, ...) and is
// constructed through an explicit Registry, never through init() side
// effects. Cross-cutting behaviour wraps a provider instead of living in it:
// Retry (exponential backoff with jitter, honouring Retry-After, for
// transient errors only), Timeout (per attempt) and Limit (concurrency).
// Providers only classify their errors as permanent or transient (errors.go).
//
// Run stores one bundle on several providers concurrently and returns one
// Receipt per provider: the wall time is the slowest provider's, not the sum.
//
// Every provider passes the conformance suite in pin/pintest.
package pin
