#!/usr/bin/env bash
# make bench: whole-process speed and memory of dapp-publish next to Kubo on
# the same deterministic synthetic site (about 3,000 files, 270 MB), median
# of 5 runs after a warm-up, with peak RSS; then peak RSS on a 4 GiB site.
# Every throughput is printed beside this machine's own SHA-256 ceiling
# (scripts/benchceiling: Go's crypto/sha256 on one core and on all of them),
# since a ratio against Kubo moves with the CPU. On a CPU with SHA
# extensions it also runs pack and Kubo with them switched off (GODEBUG), as
# a machine without them would (BENCH_NOSHA=0 skips that).
# Needs DAPP_PUBLISH_IPFS (set by the Makefile). Runs everything offline.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DAPP_PUBLISH_IPFS:?run through make bench}"
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dapp-publish}
WORK=${BENCH_DIR:-$CACHE/bench}
RUNS=${BENCH_RUNS:-5}
DP=$PWD/bin/dapp-publish
mkdir -p "$WORK"

site() { # site NAME SCALE
  local dir=$WORK/$1
  if [ ! -f "$dir.done" ]; then
    rm -rf "$dir"
    go run ./scripts/benchsite -o "$dir" -scale "$2" >/dev/null
    touch "$dir.done"
  fi
  echo "$dir"
}
bytes() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}'; }
run() { go run ./scripts/benchrun "$@"; }

SITE=$(site site-270MB 1)
N=$(bytes "$SITE")
export IPFS_PATH=$WORK/kubo-repo
if [ ! -d "$IPFS_PATH" ]; then
  "$DAPP_PUBLISH_IPFS" init --profile test,unixfs-v1-2025 >/dev/null
fi
KUBO="$DAPP_PUBLISH_IPFS add -r -Q --only-hash --offline $SITE"

echo "== this machine"
go run ./scripts/benchceiling
eval "$(go run ./scripts/benchceiling -env)"
export CEIL1 CEILN CORES
CEIL=(-ceiling "$CEILN" -ceiling-name "the $CORES-core SHA-256 ceiling")
echo
echo "== site: $SITE ($N bytes, $(find "$SITE" -type f | wc -l) files), profile unixfs-v1-2025, $(nproc) cores"
want=$("$DAPP_PUBLISH_IPFS" add -r -Q --only-hash --offline "$SITE")
got=$("$DP" pack --only-hash --json "$SITE" 2>/dev/null | sed -n 's/.*"cid": "\(.*\)".*/\1/p')
[ "$want" = "$got" ] || { echo "root mismatch: Kubo $want, dapp-publish $got" >&2; exit 1; }
echo "root $got (equal to Kubo's)"
echo
echo "-- pack writing the CAR vs Kubo only-hash (target: at least 3x)"
echo "   to a new file each run, as on a fresh checkout (the previous run's CAR is removed outside the timing)"
OUT=(-fresh "$WORK/site.car" -fresh "$WORK/site.manifest.json")
run -n "$RUNS" -bytes "$N" "${CEIL[@]}" "${OUT[@]}" -name "dapp-publish pack" -vs "$KUBO" -vs-name "ipfs add --only-hash" -- "$DP" pack "$SITE" -o "$WORK/site.car"
echo "   what pack's wall holds beyond hashing: the lint it runs beside it (alone here), and replacing a previous CAR"
run -n "$RUNS" -name "dapp-publish lint (alone)" -- "$DP" lint "$SITE" # no throughput: it hashes nothing
run -n "$RUNS" -bytes "$N" "${CEIL[@]}" -name "dapp-publish pack over its last CAR" -- "$DP" pack "$SITE" -o "$WORK/site.car"
echo
echo "-- pack --only-hash vs Kubo only-hash (target: at least 4x and 60% of the $CORES-core SHA-256 ceiling)"
run -n "$RUNS" -bytes "$N" "${CEIL[@]}" -name "dapp-publish pack --only-hash" -vs "$KUBO" -vs-name "ipfs add --only-hash" -- "$DP" pack --only-hash "$SITE"
echo
ROOT=$got
CARN=$(stat -c %s "$WORK/site.car")
echo "-- verify of the local CAR ($CARN bytes) (target: 60% of the $CORES-core SHA-256 ceiling)"
echo "   from the file: inspect checks what verify checks (every block hashed, the DAG complete, no folder lying)"
run -n "$RUNS" -bytes "$CARN" "${CEIL[@]}" -name "dapp-publish inspect --no-piece-cid" -- "$DP" inspect "$WORK/site.car" --tree=false --no-piece-cid
run -n "$RUNS" -bytes "$CARN" "${CEIL[@]}" -name "dapp-publish inspect (+ piece CID)" -- "$DP" inspect "$WORK/site.car" --tree=false
echo "   served on 127.0.0.1 as a trustless gateway would (sendfile; the server's CPU is not in the figure, it"
echo "   is printed after it), beside the loopback transport alone (a Go client that reads and discards)"
go build -o "$WORK/benchcarserve" ./scripts/benchcarserve
coproc SERVE { exec "$WORK/benchcarserve" -car "$WORK/site.car" -root "$ROOT"; }
SERVER=$SERVE_PID
exec {FROM}<&"${SERVE[0]}" {TO}>&"${SERVE[1]}" # kept: bash unsets SERVE when the server exits
read -r GW <&"$FROM"
run -n "$RUNS" -bytes "$CARN" "${CEIL[@]}" -name "dapp-publish verify (loopback)" -vs "$WORK/benchcarserve -get $GW/ipfs/$ROOT?format=car" -vs-name "transport alone" -- "$DP" verify "$ROOT" --gateway "$GW" --mode car
exec {SERVE[1]}>&- {TO}>&-
sed 's/^/   /' <&"$FROM"
wait "$SERVER" 2>/dev/null || true
echo
echo "-- start-up: --version and pack --only-hash of a one-file site"
mkdir -p "$WORK/tiny" && echo '<!doctype html><p>hi</p>' > "$WORK/tiny/index.html"
run -n 20 -name "dapp-publish --version" -- "$DP" --version
run -n 20 -name "dapp-publish pack --only-hash (1 file)" -- "$DP" pack --only-hash "$WORK/tiny"
echo
if grep -qw sha_ni /proc/cpuinfo && [ "${BENCH_NOSHA:-1}" = 1 ]; then
  # A machine without SHA extensions, emulated on this CPU: Go reads
  # GODEBUG=cpu.X=off at start-up, so crypto/sha256 (in both programs) takes
  # its AVX2 path and dapp-publish its one-message-at-a-time path. The piece
  # tree's library (gohashtree) does not read GODEBUG: pack runs with
  # --no-piece-cid here.
  NOSHA=GODEBUG=cpu.sha=off,cpu.avx512f=off
  echo "== the same CPU without its SHA extensions and AVX-512 ($NOSHA for both programs)"
  eval "$(env "$NOSHA" go run ./scripts/benchceiling -env 2>/dev/null)"
  env "$NOSHA" go run ./scripts/benchceiling 2>/dev/null | sed -n 's/^SHA-256 ceiling/   SHA-256 ceiling/p'
  CEILX=(-ceiling "$CEILN" -ceiling-name "the $CORES-core SHA-256 ceiling without SHA extensions")
  KUBOX="env $NOSHA $KUBO"
  run -n "$RUNS" -bytes "$N" "${CEILX[@]}" -name "dapp-publish pack --only-hash (no SHA ext)" -vs "$KUBOX" -vs-name "ipfs add --only-hash (no SHA ext)" -- env "$NOSHA" "$DP" pack --only-hash "$SITE"
  run -n "$RUNS" -bytes "$N" "${CEILX[@]}" -fresh "$WORK/site-nosha.car" -fresh "$WORK/site-nosha.manifest.json" -name "dapp-publish pack --no-piece-cid (no SHA ext)" -vs "$KUBOX" -vs-name "ipfs add --only-hash (no SHA ext)" -- env "$NOSHA" "$DP" pack --no-piece-cid "$SITE" -o "$WORK/site-nosha.car"
  rm -f "$WORK/site-nosha.car" "$WORK/site-nosha.manifest.json"
  eval "$(go run ./scripts/benchceiling -env)"
  echo
fi
if [ "${BENCH_BIG:-1}" = 1 ]; then
  BIG=$(site site-4GiB 22)
  NB=$(bytes "$BIG")
  echo "-- memory on a large site: $NB bytes (target: peak RSS under 100 MiB, no higher than on the small site)"
  run -n 1 -bytes "$NB" "${CEIL[@]}" -name "dapp-publish pack (4 GiB)" -- "$DP" pack "$BIG" -o "$WORK/big.car"
  rm -f "$WORK/big.car"
fi
for extra in scripts/bench.d/*.sh; do
  [ -e "$extra" ] || continue
  echo
  SITE=$SITE CAR=$WORK/site.car N=$N DP=$DP WORK=$WORK RUNS=$RUNS bash "$extra"
done
