// Package arweave stores a bundle on Arweave, permanently, in two forms:
//
//   - every file of the site as its own transaction, tagged with its
//     Content-Type and SHA-256, plus a path manifest (v0.2.0, with index
//     and fallback) over them, so that https://<gateway>/<manifest-id>/ and
//     an ENS arweave contenthash (ar://<manifest-id>) serve the site;
//   - the bundle's CAR as one transaction tagged with the IPFS root CID and
//     profile, so anyone can rebuild the IPFS DAG from Arweave alone and
//     check it against the CID.
//
// The files are read out of the CAR itself (package carsite), every block
// checked against its CID: what goes to Arweave is what the root names.
//
// # Uploading
//
// With the default uploader, each file is a format-2 transaction signed by
// the wallet and posted to the gateway (POST /tx; data over 256 KiB then
// goes up chunk by chunk with its Merkle proof, POST /chunk). Chunks are
// read from the CAR and re-hashed as they are sent, so memory holds one
// chunk per upload in flight whatever the size of the site. Transient
// errors are retried per request; an upload interrupted for good resumes
// from a journal (journal.go) with the same signed transaction and the
// chunks not yet accepted, so nothing is paid twice. Before anything is
// posted the fees are priced (GET /price) and compared with the wallet's
// balance. With uploader: turbo, each file is an ANS-104 data item posted
// to a Turbo upload service instead, paid with Turbo credits.
//
// # Re-publishing
//
// The path manifest is posted last and is tagged with the IPFS root CID: a
// manifest by this wallet for the same root means the site is already
// stored, and Pin sends nothing. Otherwise files this wallet stored before
// (found by their SHA-256 tag through GraphQL, their signed headers then
// checked against the data root computed here) are reused.
//
// The files: config.go (settings), arweave.go (Provider, Pin, Status),
// plan.go (files out of the CAR, hashes, dedupe), l1.go (transactions and
// chunks), turbo.go (data items), stored.go (finding an earlier copy),
// journal.go (resuming). Wire formats are in artx, the gateway API in
// arapi; verify.CheckArweaveCopy checks a copy without trusting the
// gateway.
package arweave
