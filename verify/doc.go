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
//   - fetch.go: trustless gateway sources (GET /ipfs/{cid}?format=car, with
//     ?format=raw block-by-block retrieval as the fallback) and Check, which
//     asks several sources concurrently and returns one Report per source.
//   - tree.go, compare.go: rebuild path -> CID from verified directory blocks
//     and compare it with a bundle Manifest (a local folder is packed first).
//   - gateway.go: the verifying block store behind `dapp-publish serve`: boxo's
//     gateway handler over blocks fetched from many trustless gateways, each
//     block checked against its CID before boxo sees it.
//   - arweave.go: CheckArweave, for sites stored on Arweave (ar://): every file
//     fetched through the gateway's path manifest and compared by SHA-256 with
//     the bundle manifest. The anchor of trust is the local build, not Arweave's
//     own signatures (transaction headers and data roots are not checked).
//   - names.go: NameResolver, the interface through which ENS names (or any
//     other naming system) become content, with re-resolution on expiry.
//
// Library functions return errors and values; nothing here prints.
package verify
