// Package publish is the whole job in the right order: pack the site, store
// it on every holder at once, fetch every copy back and check every block,
// refuse to go on unless enough independent copies were verified (the
// quorum), point the name at it, and write down what happened (the Record).
//
// # Guide
//
//   - stages.go: the stages as small interfaces: Packer, Holder (store and
//     status), Verifier, Gate, Namer, Recorder. The command line implements
//     them over the bundle, pin, verify and ens packages; tests implement
//     them in a few lines.
//   - pipeline.go: Pipeline.Run. The name is checked first (chain, resolver,
//     authorisation, a simulated call) so a name the signer may not write
//     fails before minutes of uploads. A dry run asks each holder whether it
//     is reachable with our credentials and stops there.
//   - quorum.go: Quorum, the gate: per network, the minimum number of
//     holders that served the complete bundle with every block verified.
//   - delta.go: WriteDelta, the CAR of only the blocks a holder of the
//     previous version lacks (incremental uploads).
//   - rollback.go: Rollback.Run: the name back to an earlier version, after
//     the holders were verified to still serve it completely.
//   - history.go: the values a name had, from its on-chain history and the
//     Records.
//   - record.go, records.go: the Record (stable JSON, schema RecordSchema)
//     and Dir, the folder Records are kept in.
//
// Errors are values: Run returns the Record with an error wrapping
// ErrQuorumNotMet or ErrNameFailed, so the command line can map each to its
// own exit code; per-holder failures are in the Record's receipts and
// verification results. Nothing here prints.
package publish
