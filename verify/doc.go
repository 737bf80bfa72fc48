// Package verify checks, without trusting anyone who holds a copy, that a
// DApp bundle is really retrievable, and serves it through a local gateway
// that verifies every byte.
//
// # Guide
//
//   - car.go, errors.go: VerifyCAR and the sentinels, from the shared
//     reading stack (internal/trustless): every block hashed under the hash
//     allow-list (SHA-256 on the fast path, on several cores), a stream that
//     stops early, skips a block, carries a block of another DAG, starts at
//     another root, holds a directory that lies or goes over the Limits
//     fails with an error wrapping one of the sentinels.
//   - fetch.go: trustless gateway sources (GET /ipfs/{cid}?format=car, with
//     ?format=raw block-by-block retrieval as the fallback), with an idle
//     timeout for streams that stall after 200; redirects to another host
//     fail unless allowed, and are then named in the Report.
//   - check.go: Check asks several sources concurrently and returns one
//     Report per source (reachable, complete, verified, latency, bytes);
//     CheckCAR checks and reports a source outside the gateway protocol
//     (a holder's own API, such as a Kubo node's dag/export) the same way.
//   - compare.go: compare the verified tree (path -> CID) with a bundle
//     Manifest; CompareReports picks the first source that verified.
//   - blockstore.go, carfile.go: BlockStore, a read-only blockstore over many
//     untrusted BlockGetters (gateways, a local CAR file) that returns the
//     first copy of a block that hashes to its CID and, for a directory,
//     does not lie, starting with the source that answered last; it stops
//     as soon as the request's context ends.
//   - gateway.go: the handler behind `dapp-publish serve`: boxo's gateway
//     (path and subdomain modes, _redirects) over a BlockStore, with names
//     resolved only through a NameResolver (no DNS, no IPNS routing), and
//     per-request bounds (path segments, a deadline).
//   - arweave.go, arweave_check.go: CheckArweaveCopy, for sites stored on
//     Arweave (ar://), trusting no gateway: transaction headers checked by
//     their signatures, data by the signed data roots, the CAR copy block by
//     block against the IPFS root, and every file of the manifest against
//     the CAR copy and, when given, the local build.
//   - names.go: NameResolver, the interface through which ENS names (or any
//     other naming system) become content, with re-resolution on expiry.
//
// Library functions return errors and values; nothing here prints.
package verify
