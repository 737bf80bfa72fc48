#!/usr/bin/env bash
# publish: (1) the embedded default on the example site, whole process,
# median of RUNS, each into a fresh state folder; (2) incremental uploads:
# the benchmark site published to a local offline Kubo, then one file
# changed and published again: the bytes sent the second time, next to the
# CAR's size and the changed file's. Runs inside a loopback-only network
# namespace. Called by scripts/bench.sh with SITE, DP, RUNS set.
set -euo pipefail
: "${DAPP_PUBLISH_IPFS:?}" "${DP:?}" "${SITE:?}"
if [ -z "${IN_NETNS:-}" ]; then
  exec "$(dirname "$0")/../netns-exec" env IN_NETNS=1 bash "$0"
fi
IPFS=$DAPP_PUBLISH_IPFS
RUNS=${RUNS:-5}
ROOT=$PWD
work=$(mktemp -d)
daemon=
trap '[ -n "$daemon" ] && kill $daemon 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

echo "-- publish with the embedded default: templates/example-site, fresh state folder each run, median of $RUNS"
t=()
for i in $(seq "$RUNS"); do
  t0=$(date +%s.%N)
  "$DP" publish "$ROOT/templates/example-site" --state-dir "$work/state$i" >/dev/null 2>&1
  t+=("$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')")
done
printf '%s\n' "${t[@]}" | sort -g | awk '{a[NR]=$1} END {printf "dapp-publish publish (embedded default)  min %.3fs  median %.3fs  max %.3fs\n", a[1], a[int((NR+1)/2)], a[NR]}'
echo

export IPFS_PATH=$work/ipfs
$IPFS init --profile test --empty-repo >/dev/null
$IPFS config --json Addresses.Swarm '[]'
$IPFS config Addresses.API /ip4/127.0.0.1/tcp/0
$IPFS config Addresses.Gateway /ip4/127.0.0.1/tcp/0
$IPFS daemon --offline >"$work/daemon.log" 2>&1 & daemon=$!
for _ in $(seq 100); do grep -q "Daemon is ready" "$work/daemon.log" && break; sleep 0.1; done
api=http://127.0.0.1:$(cut -d/ -f5 "$IPFS_PATH/api")
site=$work/site
cp -r "$SITE" "$site"
printf 'providers:\n  - {name: bench, type: kubo, endpoint: "%s", retries: 0}\n' "$api" >"$work/dapp-publish.yaml"
pub() { (cd "$work" && "$DP" publish "$site" --json --state-dir "$work/state" 2>/dev/null); }
field() { grep -m1 "\"$1\": " | sed 's/.*: \([0-9]*\).*/\1/'; }
first=$(pub)
car=$(echo "$first" | field car_size)
full=$(echo "$first" | field bytes_sent)
# One file changed: the largest JavaScript chunk rewritten with other bytes of the same size.
f=$(find "$site/assets" -name '*.js' -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
size=$(stat -c %s "$f")
head -c "$size" /dev/urandom | base64 -w0 | head -c "$size" >"$f.new" && mv "$f.new" "$f"
t0=$(date +%s.%N)
second=$(pub)
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')
delta=$(echo "$second" | field bytes_sent)
echo "$second" | grep -q '"incremental": {' || { echo "the second publish was not incremental" >&2; exit 1; }
echo "$second" | grep -q '"outcome": "published"' || { echo "the second publish failed" >&2; exit 1; }
echo "-- incremental upload: one file of the benchmark site changed, published again to a local Kubo"
awk -v car="$car" -v full="$full" -v d="$delta" -v s="$size" -v t="$secs" 'BEGIN {
  printf "first publish           %12d bytes sent (the whole CAR: %d bytes)\n", full, car
  printf "after a one-file change %12d bytes sent (changed file: %d bytes; %.4f of the CAR) in %.2fs\n", d, s, d/car, t
  printf "overhead over the changed file: %d bytes (its CID, the folders above it)\n", d-s }'
