// Package trustless reads content-addressed data from parties it does not
// trust: CAR streams and files, and the UnixFS trees in them. It is the one
// reading stack under `inspect`, `diff`, the CAR check of `pin` (and
// publish), `verify` and the block store behind `serve`, so the same bytes
// get the same verdict everywhere.
//
// # Guide
//
//   - policy.go: the hash allow-list (CheckCID, CheckBlock): boxo verifcid's
//     default list without SHA-1, full-length digests only, identity CIDs of
//     at most 128 bytes, codecs raw and dag-pb.
//   - car.go, slab.go: CARReader, CARv1 and v2, one section at a time,
//     minimal varints, section and header size limits; the stream is read
//     in large reads and sections are handed out where they were read.
//   - dagpb.go, node.go: Decode, the strict dag-pb parser (it accepts what
//     go-codec-dagpb accepts) and the UnixFS reading of go-unixfsnode, with
//     the per-block directory rules: no two entries of one name, every name
//     one path segment, HAMT links named for the buckets a lookup reaches.
//   - tree.go: Tree, the directories of a DAG. Check proves, in time linear
//     in the number of blocks, that every HAMT entry sits where a lookup of
//     its name looks and that the paths stay within the Limits (how many,
//     how many bytes, how deep, how long); only then does Walk list them.
//   - tracker.go, stream.go: VerifyCAR and Tracker, for blocks arriving in
//     order from a gateway (parents first), refusing foreign blocks as they
//     come.
//   - pipeline.go: how VerifyCAR and ReadCAR hash on several cores: runs
//     of blocks hashed together (sixteen at a time with AVX-512), checked
//     in stream order.
//   - read.go: ReadCAR, for a whole CAR file in any block order (ipfs-car
//     writes children first); Verify and CheckBundle give the verdict.
//   - limits.go: Limits and DefaultLimits, the documented security bounds.
//
// Every refusal wraps one sentinel of errors.go and says, on one line, what
// was refused and why; names from outside are quoted with %q.
//
// trustlesstest builds the hostile-CAR corpus in its testdata folder, which
// the tests of every command read.
package trustless
