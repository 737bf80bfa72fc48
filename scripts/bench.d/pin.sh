#!/usr/bin/env bash
# Upload of the benchmark CAR to a local offline Kubo: `dapp-publish pin`
# against `curl -F` to dag/import of the same CAR, both after `pin rm` and
# `repo gc` so every run imports every block; median of RUNS, peak RSS, and
# the bytes a re-run on the pinned root sends. Runs inside a loopback-only
# network namespace. Called by scripts/bench.sh with CAR, DP, RUNS set.
set -euo pipefail
: "${DAPP_PUBLISH_IPFS:?}" "${DP:?}" "${CAR:?}"
if [ -z "${IN_NETNS:-}" ]; then
  exec "$(dirname "$0")/../netns-exec" env IN_NETNS=1 bash "$0"
fi
IPFS=$DAPP_PUBLISH_IPFS
RUNS=${RUNS:-5}
work=$(mktemp -d)
daemon=
trap '[ -n "$daemon" ] && kill $daemon 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export IPFS_PATH=$work/ipfs
$IPFS init --profile test --empty-repo >/dev/null
$IPFS config --json Addresses.Swarm '[]'
$IPFS config Addresses.API /ip4/127.0.0.1/tcp/0
$IPFS config Addresses.Gateway /ip4/127.0.0.1/tcp/0
$IPFS daemon --offline >"$work/daemon.log" 2>&1 & daemon=$!
for _ in $(seq 100); do grep -q "Daemon is ready" "$work/daemon.log" && break; sleep 0.1; done
api=http://127.0.0.1:$(cut -d/ -f5 "$IPFS_PATH/api")
printf 'providers:\n  - {name: bench, type: kubo, endpoint: "%s", retries: 0}\n' "$api" >"$work/dapp-publish.yaml"
size=$(stat -c %s "$CAR")
root=$($DP pin "$CAR" --config "$work/dapp-publish.yaml" --json | grep -m1 '"cid"' | cut -d'"' -f4)
reset() { $IPFS pin rm "$root" >/dev/null; $IPFS repo gc --quiet >/dev/null; }
now() { date +%s.%N; }
curl_t=(); dp_t=(); rss=0
for _ in $(seq "$RUNS"); do
  reset; t0=$(now)
  curl -sf -o /dev/null -F "file=@$CAR" "$api/api/v0/dag/import?pin-roots=true&stats=true"
  curl_t+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')")
  reset; t0=$(now)
  /usr/bin/time -f %M -o "$work/rss" $DP pin "$CAR" --config "$work/dapp-publish.yaml" >/dev/null
  dp_t+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')")
  r=$(cat "$work/rss"); [ "$r" -gt "$rss" ] && rss=$r
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mc=$(median "${curl_t[@]}"); md=$(median "${dp_t[@]}")
sent=$($DP pin "$CAR" --config "$work/dapp-publish.yaml" --json | grep -o '"bytes_sent": [0-9]*' | awk '{print $2}')
echo "-- upload of the CAR ($size bytes) to a local Kubo, median of $RUNS (target: at least as fast as curl -F)"
awk -v s="$size" -v c="$mc" -v d="$md" -v r="$rss" 'BEGIN {
  printf "curl -F dag/import       %6.3fs  %6.0f MB/s\n", c, s/c/1e6
  printf "dapp-publish pin         %6.3fs  %6.0f MB/s  peak RSS %d MiB\n", d, s/d/1e6, r/1024
  printf "ratio  dapp-publish pin is %.2fx as fast as curl -F\n", c/d }'
echo "re-run on the pinned root: ${sent:-?} CAR bytes sent"
