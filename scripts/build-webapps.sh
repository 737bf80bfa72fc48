#!/usr/bin/env bash
# build-webapps.sh NPM_DIR OUT_DIR PACKAGE@VERSION...
#
# Builds the web apps the browser test loads (cmd/dapp-publish/browser_test.go)
# from the npm registry into the cache: installs the pinned packages into
# NPM_DIR once, then builds into OUT_DIR, each from create-vite's stock React
# template (template-react, unchanged) with the overlays in
# internal/browsertest/testdata/apps:
#   react-base-root       the stock app, vite build --base=/
#   react-base-relative   the stock app, --base=./
#   router-path-root      + react-router BrowserRouter and the usual
#                         `/* /index.html 200` _redirects, --base=/
#   router-path-relative  the same, --base=./
#   router-hash           + react-router HashRouter, --base=./, and the
#                         template's /icons.svg references made relative
#                         (import.meta.env.BASE_URL), as lint advises
# OUT_DIR appears whole or not at all.
set -euo pipefail
npm_dir=$1 out=$2
shift 2
apps=$(cd "$(dirname "$0")/../internal/browsertest/testdata/apps" && pwd)

if [ ! -f "$npm_dir/.installed" ]; then
  mkdir -p "$npm_dir"
  echo '{"name":"dapp-publish-webapps","private":true}' > "$npm_dir/package.json"
  npm install --prefix "$npm_dir" --save-exact --no-audit --no-fund --loglevel=error "$@"
  touch "$npm_dir/.installed"
fi

# Sources live inside NPM_DIR so that Node finds node_modules by walking up.
work=$(mktemp -d "$npm_dir/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$out.tmp"
mkdir -p "$out.tmp"

build() { # NAME BASE [OVERLAY...]
  local name=$1 base=$2 src=$work/$1
  shift 2
  cp -r "$npm_dir/node_modules/create-vite/template-react" "$src"
  for o in "$@"; do cp -r "$apps/$o/." "$src/"; done
  if [ -f "$src/FIX_ICONS" ]; then
    # <use href="/icons.svg#x"> -> href={import.meta.env.BASE_URL + "icons.svg#x"}
    grep -q 'href="/icons.svg#' "$src/src/App.jsx" || { echo "build-webapps: the template no longer has href=\"/icons.svg#...\"" >&2; exit 1; }
    sed -i 's|href="/icons.svg\(#[^"]*\)"|href={import.meta.env.BASE_URL + "icons.svg\1"}|g' "$src/src/App.jsx"
  fi
  (cd "$src" && "$npm_dir/node_modules/.bin/vite" build --base="$base" --outDir="$out.tmp/$name" --emptyOutDir --logLevel=warn)
}

build react-base-root /
build react-base-relative ./
build router-path-root / common router-path
build router-path-relative ./ common router-path
build router-hash ./ common router-hash

rm -rf "$out"
mv "$out.tmp" "$out"
