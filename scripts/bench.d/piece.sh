#!/usr/bin/env bash
# The Filecoin piece CID of the benchmark CAR: computed alone (`dapp-publish
# piece`) against pack's throughput, and the cost of computing it during pack
# (pack against pack --no-piece-cid). Beside them, this machine's ceilings:
# SHA-256 of 1 MiB messages on one core, and the node hashing the piece tree
# is made of (two 32-byte children per SHA-256, many per call). Called by
# scripts/bench.sh with SITE, CAR, N, DP, WORK and RUNS set.
set -euo pipefail
: "${SITE:?}" "${CAR:?}" "${N:?}" "${DP:?}" "${WORK:?}"
RUNS=${RUNS:-5}
run() { go run ./scripts/benchrun "$@"; }
# Every pack writes a new file (the last run's output is removed outside the timing).
FRESH=(-fresh "$WORK/site-nopiece.car" -fresh "$WORK/site-nopiece.manifest.json" -fresh "$WORK/site-piece.car" -fresh "$WORK/site-piece.manifest.json")
size=$(stat -c %s "$CAR")
echo "-- Filecoin piece CID of the CAR ($size bytes) alone vs pack (target: at least 0.5x pack's throughput)"
echo "   $("$DP" piece "$CAR")"
DAPP_PUBLISH_PIECE_FILE=$CAR go test -count=1 -v -run TestFileAgainstLibraries ./bundle/piece | grep -E 'equal to|FAIL|ok ' | sed 's/^ */   /'
pc=$("$DP" piece "$CAR" --json | sed -n 's/.*"piece_cid": "\([^"]*\)".*/\1/p')
if grep -q "\"piece_cid\":\"$pc\"" "${CAR%.car}.manifest.json"; then
  echo "   equal to the piece CID pack wrote into the manifest"
else
  echo "   DIFFERENT from the piece CID in ${CAR%.car}.manifest.json" >&2; exit 1
fi
run -n "$RUNS" -bytes "$size" ${CEILN:+-ceiling "$CEILN" -ceiling-name "the $CORES-core SHA-256 ceiling"} "${FRESH[@]}" -name "dapp-publish piece CAR" -vs "$DP pack $SITE -o $WORK/site-nopiece.car --no-piece-cid" -vs-name "pack --no-piece-cid" -- "$DP" piece "$CAR"
echo
echo "-- pack with the piece CID vs without (target: the piece CID adds under 25% to pack's wall time)"
run -n "$RUNS" -bytes "$N" ${CEILN:+-ceiling "$CEILN" -ceiling-name "the $CORES-core SHA-256 ceiling"} "${FRESH[@]}" -name "pack (with piece CID)" -vs "$DP pack $SITE -o $WORK/site-nopiece.car --no-piece-cid" -vs-name "pack --no-piece-cid" -- "$DP" pack "$SITE" -o "$WORK/site-piece.car"
rm -f "$WORK/site-nopiece.car" "$WORK/site-nopiece.manifest.json" "$WORK/site-piece.car" "$WORK/site-piece.manifest.json"
echo
echo "-- this machine's ceilings (the piece tree hashes about 2 x 128/127 of the CAR in 64-byte nodes)"
go test -run '^$' -bench 'Ceiling|Sum' -benchtime 2s ./bundle/piece | grep -E '^Benchmark'
