// Package verify checks, without trusting anyone who holds a copy, that a
// DApp bundle is really retrievable, and serves it through a local gateway
// that verifies every byte.
//
// # Guide
//
//   - car.go, dag.go, dagpb.go: VerifyCAR, the streaming CAR verifier. It reads
//     one section at a time, hashes every block (SHA-256 on the fast path) and
//     tracks which linked blocks are still owed, so a stream that stops early,
//     skips a block, carries a block of another DAG or starts at another root
//     fails with an error wrapping one of the sentinels in errors.go.
//     pipeline.go hashes on several cores while the DAG is checked in order.
//   - fetch.go: trustless gateway sources (GET /ipfs/{cid}?format=car, with
//     ?format=raw block-by-block retrieval as the fallback), with an idle
//     timeout for streams that stall after 200.
//   - check.go: Check asks several sources concurrently and returns one
//     Report per source (reachable, complete, verified, latency, bytes).
//   - tree.go, compare.go: rebuild path -> CID from verified directory blocks
//     and compare it with a bundle Manifest (a local folder is packed first).
//   - blockstore.go, carfile.go: BlockStore, a read-only blockstore over many
//     untrusted BlockGetters (gateways, a local CAR file) that returns the
//     first copy of a block that hashes to its CID, starting with the source
//     that answered last.
//   - gateway.go: the handler behind `dapp-publish serve`: boxo's gateway
//     (path and subdomain modes, _redirects) over a BlockStore, with names
//     resolved only through a NameResolver (no DNS, no IPNS routing).
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
