#!/usr/bin/env bash
# Upload of the benchmark site to arlocal (a real Arweave node, on loopback):
# `dapp-publish pin DIR` with the arweave provider against the same upload
# done with arweave-js 1.15.7 (arweave-upload.js beside this script): every
# file as a transaction, a v0.2.0 path manifest, the CAR as one transaction.
# Each run gets a fresh arlocal (nothing to reuse) and a funded test wallet;
# median of RUNS (default 3), peak RSS of each uploader, and this machine's
# SHA-256 speed for scale. Then dapp-publish verifies what it stored.
#
# The site is a deterministic tenth of the bench site (every tenth file of
# it without its 15 large images: about 300 files, 8 MB; BENCH_ARWEAVE_EVERY
# changes the fraction): arlocal keeps chunks in SQLite and scans them all
# for every chunk it takes, so its time grows with the square of the data
# and the whole site would take hours, for both uploaders alike. Memory on
# large sites is measured by `go test -bench Pin ./pin/arweave` instead.
# Needs DAPP_PUBLISH_ARLOCAL and DP.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DAPP_PUBLISH_ARLOCAL:?run through make bench or make bench-arweave}" "${DP:?}"
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dapp-publish}
WORK=${WORK:-$CACHE/bench}
RUNS=${BENCH_ARWEAVE_RUNS:-3}
WALLET=$PWD/pin/arweave/artx/artxtest/testdata/wallet.json
JS=$PWD/scripts/bench.d/arweave-upload.js

if [ -z "${IN_NETNS:-}" ]; then
  # Outside the namespace: make the site and its CAR (the JS side uploads
  # the CAR dapp-publish packs; packing is part of dapp-publish's time).
  EVERY=${BENCH_ARWEAVE_EVERY:-10}
  FULL=$WORK/site-arweave-full
  if [ ! -f "$FULL.done" ]; then
    rm -rf "$FULL"; go run ./scripts/benchsite -o "$FULL" -scale 0 >/dev/null; touch "$FULL.done"
  fi
  SITE=$WORK/site-arweave-1of$EVERY
  if [ ! -f "$SITE.done" ]; then
    rm -rf "$SITE"; mkdir -p "$SITE"
    (cd "$FULL" && find . -type f | LC_ALL=C sort | awk -v n="$EVERY" 'NR % n == 1 || $0 == "./index.html"' |
      while read -r f; do mkdir -p "$SITE/$(dirname "$f")"; cp "$f" "$SITE/$f"; done)
    touch "$SITE.done"
  fi
  "$DP" pack "$SITE" -o "$WORK/site-arweave.car" >/dev/null 2>&1
  export SITE WORK RUNS
  exec "$PWD/scripts/netns-exec" env IN_NETNS=1 bash "$0"
fi

run=$(mktemp -d)
db=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d) # arlocal's SQLite: in memory, not the disk's fsyncs
ar=
stop() { # arlocal ignores SIGTERM: kill it outright
  [ -n "$ar" ] && { kill -9 "$ar" 2>/dev/null; wait "$ar" 2>/dev/null || true; }
  ar=
}
trap 'stop; rm -rf "$run" "$db"' EXIT
cat >"$run/loopback.js" <<'JS'
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  if (typeof a[0] === 'number') return listen.call(this, { port: a[0], host: '127.0.0.1' }, ...a.slice(1).filter(x => typeof x === 'function'));
  return listen.apply(this, a);
};
JS
GW=http://127.0.0.1:1984
ADDR=$(NODE_PATH=$DAPP_PUBLISH_ARLOCAL node -e "require('arweave').init({}).wallets.jwkToAddress(require('$WALLET')).then(console.log)")

fresh() { # a new arlocal with an empty database, the wallet funded
  stop
  rm -rf "$db/db" "$run/cache"; mkdir -p "$db/db"
  # arlocal joins --dbpath to its working folder, so it runs in $db.
  (cd "$db" && exec node -r "$run/loopback.js" "$DAPP_PUBLISH_ARLOCAL/arlocal/bin/index.js" 1984 --dbpath=db --hidelogs >"$run/arlocal.log" 2>&1) & ar=$!
  for _ in $(seq 200); do curl -sf "$GW/info" >/dev/null && break; sleep 0.1; done
  curl -sf "$GW/mint/$ADDR/100000000000000000000" >/dev/null
}
timed() { # timed OUT_PREFIX cmd...: wall seconds and peak RSS (KiB) into OUT_PREFIX.{t,rss}
  local p=$1; shift
  /usr/bin/time -f '%e %M' -o "$p.time" "$@" >"$p.out" 2>"$p.err" || { cat "$p.out" "$p.err" >&2; exit 1; }
  read -r t rss <"$p.time"; echo "$t" >>"$p.t"; echo "$rss" >>"$p.rss"
}

printf 'providers:\n  - {name: bench, type: arweave, gateway: "%s", wallet_file: "%s", retries: 0, timeout: 2h}\n' "$GW" "$WALLET" >"$run/dapp-publish.yaml"
bytes=$(find "$SITE" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
ROOT=$("$DP" pack --only-hash --json "$SITE" 2>/dev/null | sed -n 's/.*"cid": "\(.*\)".*/\1/p')
files=$(find "$SITE" -type f | wc -l)
car=$(stat -c %s "$WORK/site-arweave.car")
verified=
for _ in $(seq "$RUNS"); do
  fresh
  XDG_CACHE_HOME=$run/cache timed "$run/dp" "$DP" pin "$SITE" --config "$run/dapp-publish.yaml" --json
  if [ -z "$verified" ]; then # what dapp-publish stored, checked once, trusting nothing arlocal says
    man=$(grep -o '"manifest_id": "[^"]*"' "$run/dp.out" | cut -d'"' -f4)
    t0=$(date +%s.%N)
    "$DP" verify "ar://$man" --arweave-gateway "$GW" --dir "$SITE" >"$run/verify.out" || { cat "$run/verify.out"; exit 1; }
    verified="verify ar://$man: every signature, data root and block checked in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2fs", b-a}')"
  fi
  fresh
  NODE_PATH=$DAPP_PUBLISH_ARLOCAL timed "$run/js" node "$JS" "$GW" "$WALLET" "$SITE" "$WORK/site-arweave.car" "$ROOT"
done
median() { sort -g "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { sort -g "$1" | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.2f-%.2fs", lo, hi}'; }
maxof() { sort -g "$1" | tail -1; }
sha=$(python3 -c 'import hashlib,time; b=bytes(1<<26); t=time.time(); [hashlib.sha256(b).digest() for _ in range(8)]; print(int(8*len(b)/(time.time()-t)/1e6))')
echo "-- upload of the site ($files files, $bytes bytes; CAR $car bytes) to arlocal, median of $RUNS, fresh node each run"
awk -v n="$((bytes + car))" -v d="$(median "$run/dp.t")" -v j="$(median "$run/js.t")" -v dr="$(maxof "$run/dp.rss")" -v jr="$(maxof "$run/js.rss")" \
    -v drg="$(range "$run/dp.t")" -v jrg="$(range "$run/js.t")" -v sha="$sha" 'BEGIN {
  printf "dapp-publish pin (arweave)  %7.2fs (%s)  %5.2f MB/s  peak RSS %4d MiB\n", d, drg, n/d/1e6, dr/1024
  printf "arweave-js 1.15.7           %7.2fs (%s)  %5.2f MB/s  peak RSS %4d MiB\n", j, jrg, n/j/1e6, jr/1024
  printf "ratio  dapp-publish is %.2fx as fast as arweave-js (SHA-256 on this machine: %d MB/s)\n", j/d, sha }'
echo "$verified"
