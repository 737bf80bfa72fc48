// Package artx holds Arweave's wire formats, written from the reference
// implementations (arweave-js 1.15 and arbundles, see protocols.md §5): JWK
// wallets, format-2 transactions and their deep-hash RSA-PSS signatures, the
// chunk Merkle tree behind data_root and chunk proofs, path manifests, and
// ANS-104 data items with their Avro-encoded tags.
//
// Why not a library: the Go modules that exist (everFinance/goar v1.6.3,
// permadao/goar v1.1.1, liteseed/goar v0.3.0) are unmaintained, and none
// streams. liteseed's chunker takes the whole data as one []byte, and its
// data items hard-code signature type 1; everFinance's chunker truncates
// ceil(n/2) to floor(n/2) before its Ceil (an integer division), so for an
// odd size that triggers the last-two-chunks rule it computes a data_root
// no node accepts, and it pulls in go-ethereum 1.13, an ethereum RPC client
// and a pay-for-storage SDK. Sites and their CARs can be gigabytes: here the
// data is always read from an io.Reader or io.ReaderAt in 256 KiB pieces and
// only 32-byte hashes per chunk are kept. Every format is cross-checked
// against arweave-js and arbundles by the tests (xjs_test.go).
//
// Everything that decodes bytes from outside (ParseWallet,
// ParseTransaction, ParseManifest, ParseDataItem, DecodeTags) is bounded
// and fuzzed.
package artx
