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
//     kept; files are read in pieces of 256 KiB (a chunk for dag-pb leaves)
//     and their leaves written to the CAR straight from the buffer they were
//     hashed in, so the bytes written are the bytes hashed.
//
// # One read of every file
//
// Pack walks the folder (applying the inclusion rules: hidden names, the
// IgnoreFile, symlink policy). With a CAR to write, it then plans the CAR:
// every block's offset follows from names and sizes alone (layout.go). Files
// are then read once, in parallel, largest first: each leaf is hashed and
// written at its offset, and boxo builds the nodes above from the leaf CIDs.
// The folders are built bottom-up, and the nodes held in memory are written
// into their places. Without a CAR the same reading only hashes.
//
// # Files
//
// profile.go names the settings; walk.go and ignore.go decide what is
// included; layout.go plans the CAR; read.go reads and hashes the files;
// place.go writes the CAR (leaves at their offsets from one writer, then the
// nodes, or a rewrite when the plan did not hold); dag.go builds the
// folders; carwrite.go holds the CAR encoding and the DAG-order walk;
// manifest.go,
// inspect.go (read and verify any CAR), lint.go (gateway readiness) and
// diff.go (why two bundles differ) work on the results.
package bundle
