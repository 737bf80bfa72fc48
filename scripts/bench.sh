#!/usr/bin/env bash
# make bench: whole-process speed and memory of dapp-publish next to Kubo on
# the same deterministic synthetic site (about 3,000 files, 270 MB), median
# of 5 runs after a warm-up, with peak RSS; then peak RSS on a 4 GiB site.
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

echo "== site: $SITE ($N bytes, $(find "$SITE" -type f | wc -l) files), profile unixfs-v1-2025, $(nproc) cores"
want=$("$DAPP_PUBLISH_IPFS" add -r -Q --only-hash --offline "$SITE")
got=$("$DP" pack --only-hash --json "$SITE" 2>/dev/null | sed -n 's/.*"cid": "\(.*\)".*/\1/p')
[ "$want" = "$got" ] || { echo "root mismatch: Kubo $want, dapp-publish $got" >&2; exit 1; }
echo "root $got (equal to Kubo's)"
echo
echo "-- pack writing the CAR vs Kubo only-hash (target: at least 3x)"
run -n "$RUNS" -bytes "$N" -name "dapp-publish pack" -vs "$KUBO" -vs-name "ipfs add --only-hash" -- "$DP" pack "$SITE" -o "$WORK/site.car"
echo
echo "-- pack --only-hash vs Kubo only-hash (target: at least 4x)"
run -n "$RUNS" -bytes "$N" -name "dapp-publish pack --only-hash" -vs "$KUBO" -vs-name "ipfs add --only-hash" -- "$DP" pack --only-hash "$SITE"
echo
if [ "${BENCH_BIG:-1}" = 1 ]; then
  BIG=$(site site-4GiB 22)
  NB=$(bytes "$BIG")
  echo "-- memory on a large site: $NB bytes (target: peak RSS under 100 MiB, no higher than on the small site)"
  run -n 1 -bytes "$NB" -name "dapp-publish pack (4 GiB)" -- "$DP" pack "$BIG" -o "$WORK/big.car"
  rm -f "$WORK/big.car"
fi
for extra in scripts/bench.d/*.sh; do
  [ -e "$extra" ] || continue
  echo
  SITE=$SITE CAR=$WORK/site.car N=$N DP=$DP WORK=$WORK RUNS=$RUNS bash "$extra"
done
