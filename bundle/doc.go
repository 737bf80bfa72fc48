// Package bundle turns a built static site (an fs.FS) into a content-addressed
// bundle: a UnixFS DAG whose root CID any IPIP-499 implementation computes
// identically, written as a CARv1 with a JSON Manifest beside it.
//
// # Guarantees
//
//   - Same CIDs as Kubo for the same Profile, for every tree: the DAG is built
//     with boxo's importer (balanced file layout) and directory code (basic
//     directories that become HAMT shards above the threshold), the code Kubo
//     runs. The profile's settings are passed explicitly to every call and
//     never through boxo's process-global defaults, so packs with different
//     profiles can run concurrently in one process.
//   - Same CAR bytes as `ipfs dag export`: header with the single root, every
//     block once, depth-first pre-order by link order.
//   - Deterministic: the same folder gives the same bytes on any machine.
//     Nothing about the machine (modes, times, owners) enters the DAG.
//   - Bounded memory: only directory nodes and file nodes above the leaves are
//     kept; leaves are read again from the folder when the CAR is written and
//     checked against the CIDs of the first pass.
//
// # Passes
//
// Pack walks the folder (applying the inclusion rules: hidden names, the
// IgnoreFile, symlink policy), hashes the files in parallel (one boxo import
// per file, keeping the inner nodes), builds the folders bottom-up, and then,
// if a CAR writer is given, walks the DAG in CAR order while a worker pool
// reads and re-verifies the leaves ahead of the single writer.
//
// # Files
//
// profile.go names the settings; walk.go and ignore.go decide what is
// included; dag.go builds the DAG; carwrite.go writes the CAR; manifest.go,
// inspect.go (read and verify any CAR), lint.go (gateway readiness) and
// diff.go (why two bundles differ) work on the results.
package bundle
