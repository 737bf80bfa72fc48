// Package ens points an ENS name at a published bundle, and reads it back.
//
// It covers the whole write path a careful team follows by hand:
//
//   - contenthash encoding and decoding for ipfs (any CID, stored as v1),
//     ipns (libp2p-key CIDs) and arweave (contenthash.go), with the text forms
//     ipfs://, ipns:// and ar://;
//   - ENSIP-15 name normalisation and namehash (name.go);
//   - resolver discovery through the registry, the contenthash interface check
//     and the authorisation pre-check: registry owner, NameWrapper owner, or an
//     operator or delegate approved on the resolver (lookup.go);
//   - connecting: Dial reads and checks the chain id, picks the chain's
//     NameWrapper and keeps the RPC URL's credentials out of every error
//     (dial.go);
//   - writing with a private key: chain-id check, no-op when the record already
//     matches, CheckWriter (authorisation, then eth_call simulation), no second
//     transaction while the key has one waiting in the pool, EIP-1559
//     transaction, read back as soon as it is mined, confirmations (1 on dev
//     chains, 2 elsewhere) with progress reports, and a deadline after which
//     a *PendingError carries the hash (set.go);
//   - proposing the same call to a Safe through the Safe Transaction Service,
//     or printing calldata, a Safe Transaction Builder file and a Markdown
//     summary for signers (safe.go, calldata.go);
//   - the record's history from ContenthashChanged events (history.go).
//
// The package talks to a chain through small interfaces that
// *ethclient.Client satisfies, so tests run it against a local anvil node.
// It never prints; every failure is returned as a wrapped error, and the
// conditions a caller may want to explain are sentinel errors or typed errors
// (ErrWrongChain, ErrNoResolver, ErrNoContenthash, *NotAuthorisedError, ...).
//
// go-ens (github.com/wealdtech/go-ens/v3) is not used for the write path: it
// normalises names with UTS-46 instead of ENSIP-15, has no arweave or
// NameWrapper support, and probes unrelated records in NewResolverAt.
package ens
