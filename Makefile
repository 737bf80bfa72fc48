# dapp-publish build, test and benchmark entry points.
#
# `make test` works on a fresh clone: it builds or installs every real peer the
# tests use (Kubo, IPFS Cluster, anvil + ENS and Safe contracts, ipfs-car,
# arlocal) into a cache
# folder outside the clone, keyed by version, then runs every test. Test
# binaries that start servers run inside a loopback-only network namespace
# (scripts/netns-exec), so nothing they start can reach another address.

SHELL := /bin/bash
GO ?= go
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/dapp-publish
PEERS := $(CACHE)/peers

KUBO_VERSION    := v0.43.1
CLUSTER_VERSION := v1.1.6
NPM_PACKAGES    := @foundry-rs/anvil-linux-amd64@1.7.1 @foundry-rs/cast-linux-amd64@1.7.1 \
                   @ensdomains/ens@0.6.2 @ensdomains/resolver@0.3.1 \
                   @safe-global/safe-contracts@1.4.1 ipfs-car@3.1.0 \
                   solc@0.8.37

# Each peer's folder is keyed by its version and by the hash of the pinned tools
# module, so a warm cache is reused by any fresh clone and a changed pin rebuilds.
KUBO_DIR    := $(PEERS)/kubo-$(KUBO_VERSION)-$(shell sha256sum tools/kubo/go.sum 2>/dev/null | cut -c1-8)
CLUSTER_DIR := $(PEERS)/ipfs-cluster-$(CLUSTER_VERSION)-$(shell sha256sum tools/cluster/go.sum 2>/dev/null | cut -c1-8)
NPM_DIR     := $(PEERS)/npm-$(shell echo '$(NPM_PACKAGES)' | sha256sum | cut -c1-12)
# arlocal (an Arweave node for tests) needs an override for a dependency
# that otherwise points at a git URL, so it has its own package.json.
ARLOCAL_DIR := $(PEERS)/arlocal-1.1.66
# Web apps for the browser test (cmd/dapp-publish/browser_test.go), built with
# Vite from create-vite's stock React template by scripts/build-webapps.sh.
# The npm folder is keyed by the pinned packages; the builds also by the
# script and the app overlays in internal/browsertest/testdata/apps.
WEBAPP_PACKAGES := create-vite@9.3.0 vite@8.4.0 @vitejs/plugin-react@6.3.0 \
                   react@19.3.1 react-dom@19.3.1 react-router@8.5.3
WEBAPPS_NPM     := $(PEERS)/webapps-npm-$(shell echo '$(WEBAPP_PACKAGES)' | sha256sum | cut -c1-12)
WEBAPPS_DIR     := $(WEBAPPS_NPM)/builds-$(shell cat scripts/build-webapps.sh $$(find internal/browsertest/testdata/apps -type f 2>/dev/null | LC_ALL=C sort) 2>/dev/null | sha256sum | cut -c1-12)

IPFS            := $(KUBO_DIR)/ipfs
CLUSTER_SERVICE := $(CLUSTER_DIR)/ipfs-cluster-service
CLUSTER_CTL     := $(CLUSTER_DIR)/ipfs-cluster-ctl
NPM_STAMP       := $(NPM_DIR)/.installed
ARLOCAL_STAMP   := $(ARLOCAL_DIR)/.installed

# Where the tests find the peers. DAPP_PUBLISH_REQUIRE_PEERS=1 turns a missing
# peer into a failure instead of a skip.
PEER_ENV := DAPP_PUBLISH_IPFS=$(IPFS) \
            DAPP_PUBLISH_CLUSTER_SERVICE=$(CLUSTER_SERVICE) \
            DAPP_PUBLISH_CLUSTER_CTL=$(CLUSTER_CTL) \
            DAPP_PUBLISH_NPM=$(NPM_DIR)/node_modules \
            DAPP_PUBLISH_ARLOCAL=$(ARLOCAL_DIR)/node_modules \
            DAPP_PUBLISH_WEBAPPS=$(WEBAPPS_DIR) \
            DAPP_PUBLISH_SOLC=$(NPM_DIR)/node_modules/solc \
            DAPP_PUBLISH_REQUIRE_PEERS=1

BIN := bin/dapp-publish

.PHONY: all build test test-short bench lint race vulncheck peers peers-kubo peers-cluster peers-npm peers-arlocal peers-webapps fuzz clean demo deps

all: build

build:
	$(GO) build -o $(BIN) ./cmd/dapp-publish

# The main job on the embedded default: publish the example site into the
# local store (no account, no config, no network).
demo: build
	./$(BIN) publish templates/example-site --state-dir $(CACHE)/demo-state

# CI's gates (.ci/run is `make test`): what `make lint` checks, the race
# detector on the packages that run goroutines, govulncheck, then every test.
test: peers deps lint race vulncheck
	$(PEER_ENV) $(GO) test -count=1 -timeout 20m -exec "$(CURDIR)/scripts/netns-exec" ./...

# System tools the tests use: unshare (util-linux) and ip (iproute2) for the
# loopback-only namespace, mkfifo (coreutils). Installed from Debian when
# missing and we are root (as in CI).
deps:
	@command -v ip >/dev/null && command -v unshare >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 util-linux >/dev/null; \
	  else echo "install iproute2 and util-linux (ip, unshare) to run the tests" >&2; exit 1; fi; }
	@# Debian's shellcheck: actionlint runs it on the run: scripts of action.yml
	@# and the workflow templates (templates/templates_test.go).
	@command -v shellcheck >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; \
	  else echo "install shellcheck to run the tests" >&2; exit 1; fi; }
	@# Debian's chromium, for the browser test (headless, driven over DevTools).
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "install chromium to run the browser test" >&2; exit 1; fi; }

# Unit tests only: no peers, no namespace.
test-short:
	$(GO) test -short ./...

bench: peers build
	$(PEER_ENV) ./scripts/bench.sh

# Arweave alone: upload to arlocal next to arweave-js (also run by bench).
.PHONY: bench-arweave
bench-arweave: peers build
	$(PEER_ENV) DP=$(CURDIR)/$(BIN) ./scripts/bench.d/arweave.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	$(GO) mod tidy -diff

# The race detector where goroutines run: pack and walk (bundle), the piece
# CID's hashing on every core (bundle/piece), the providers run at once
# (pin), publish's holders, checks and delta, verify's fetchers, sitefs, the
# secret scrubber, atomicfile's pending list, trustless's stream checker.
# Kubo-parity tests are left to the plain pass: they compare CIDs and take
# minutes under the detector.
RACE_PKGS := ./bundle ./bundle/piece ./verify ./pin/... ./publish ./internal/sitefs ./internal/redact ./internal/atomicfile ./internal/trustless
race: peers deps
	$(PEER_ENV) $(GO) test -race -count=1 -timeout 15m -exec "$(CURDIR)/scripts/netns-exec" \
	  -skip 'MatchesKubo|KuboExport|KuboImports|HAMTBoundary|MatchesIPFSCar' $(RACE_PKGS)

# govulncheck against a database built from the golang.org/x/vulndb module
# (the module proxy serves it; vuln.go.dev may be unreachable), cached by
# version. scripts/vulncheck fails on called vulnerabilities the project can
# fix; see its doc comment and allow.txt.
VULN_VERSION   := v1.9.0
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR     := $(CACHE)/vulndb-$(VULNDB_VERSION)
vulncheck: $(VULNDB_DIR)/index/db.json
	$(GO) run ./scripts/vulncheck -govulncheck golang.org/x/vuln/cmd/govulncheck@$(VULN_VERSION) \
	  -db $(VULNDB_DIR) -allow scripts/vulncheck/allow.txt
$(VULNDB_DIR)/index/db.json:
	rm -rf $(VULNDB_DIR).tmp
	cd /tmp && $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) \
	  -vulns "$$(cd /tmp && $(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/data/osv" \
	  -out $(VULNDB_DIR).tmp
	rm -rf $(VULNDB_DIR) && mv $(VULNDB_DIR).tmp $(VULNDB_DIR)

peers: peers-kubo peers-cluster peers-npm peers-arlocal peers-webapps

peers-kubo: $(IPFS)
$(IPFS):
	mkdir -p $(KUBO_DIR)
	cd tools/kubo && $(GO) build -o $@.tmp github.com/ipfs/kubo/cmd/ipfs && mv $@.tmp $@

peers-cluster: $(CLUSTER_SERVICE) $(CLUSTER_CTL)
$(CLUSTER_SERVICE):
	mkdir -p $(CLUSTER_DIR)
	cd tools/cluster && $(GO) build -o $@.tmp github.com/ipfs-cluster/ipfs-cluster/cmd/ipfs-cluster-service && mv $@.tmp $@
$(CLUSTER_CTL):
	mkdir -p $(CLUSTER_DIR)
	cd tools/cluster && $(GO) build -o $@.tmp github.com/ipfs-cluster/ipfs-cluster/cmd/ipfs-cluster-ctl && mv $@.tmp $@

peers-npm: $(NPM_STAMP)
$(NPM_STAMP):
	mkdir -p $(NPM_DIR)
	cd $(NPM_DIR) && [ -f package.json ] || echo '{"name":"dapp-publish-peers","private":true}' > $(NPM_DIR)/package.json
	npm install --prefix $(NPM_DIR) --no-audit --no-fund --loglevel=error $(NPM_PACKAGES)
	touch $@

peers-arlocal: $(ARLOCAL_STAMP)
$(ARLOCAL_STAMP):
	mkdir -p $(ARLOCAL_DIR)
	printf '%s' '{"private":true,"dependencies":{"arlocal":"1.1.66","arweave":"1.15.7"},"overrides":{"avsc":"5.7.9"}}' > $(ARLOCAL_DIR)/package.json
	cd $(ARLOCAL_DIR) && npm install --no-audit --no-fund --loglevel=error
	touch $@

peers-webapps: $(WEBAPPS_DIR)
$(WEBAPPS_DIR):
	./scripts/build-webapps.sh $(WEBAPPS_NPM) $@ $(WEBAPP_PACKAGES)

fuzz:
	$(GO) test ./bundle -run '^$$' -fuzz FuzzInspect -fuzztime 30s
	$(GO) test ./bundle -run '^$$' -fuzz FuzzIgnore -fuzztime 30s
	$(GO) test ./bundle -run '^$$' -fuzz FuzzReadManifest -fuzztime 30s
	$(GO) test ./bundle -run '^$$' -fuzz FuzzLint -fuzztime 30s
	$(GO) test ./verify -run '^$$' -fuzz FuzzVerifyCAR -fuzztime 30s
	$(GO) test ./internal/trustless -run '^$$' -fuzz FuzzDagPB -fuzztime 30s
	$(GO) test ./internal/trustless -run '^$$' -fuzz FuzzTree -fuzztime 30s
	$(GO) test ./ens -run '^$$' -fuzz FuzzDecodeContenthash -fuzztime 30s
	$(GO) test ./internal/config -run '^$$' -fuzz FuzzParse -fuzztime 30s
	$(GO) test ./internal/safetext -run '^$$' -fuzz FuzzTerm -fuzztime 30s
	$(GO) test ./pin/kubo -run '^$$' -fuzz FuzzDecodeImport -fuzztime 30s
	$(GO) test ./publish -run '^$$' -fuzz FuzzWriteDelta -fuzztime 30s
	$(GO) test ./publish -run '^$$' -fuzz FuzzReadRecord -fuzztime 30s
	$(GO) test ./internal/github -run '^$$' -fuzz FuzzParseEvent -fuzztime 30s
	for p in cluster psa pinata; do $(GO) test ./pin/$$p -run '^$$' -fuzz FuzzDecode -fuzztime 30s || exit 1; done
	$(GO) test ./bundle/piece -run '^$$' -fuzz FuzzParse -fuzztime 30s
	$(GO) test ./bundle/piece -run '^$$' -fuzz FuzzSum -fuzztime 30s
	$(GO) test ./internal/sha256mb -run '^$$' -fuzz FuzzSum -fuzztime 30s
	for p in filecoin lighthouse; do $(GO) test ./pin/$$p -run '^$$' -fuzz FuzzDecode -fuzztime 30s || exit 1; done
	for f in FuzzParseWallet FuzzParseTransaction FuzzParseManifest FuzzReadDataItem FuzzDecodeTags FuzzValidatePath; do \
	  $(GO) test ./pin/arweave/artx -run '^$$' -fuzz "^$$f$$" -fuzztime 30s -fuzzminimizetime 10s || exit 1; done
	$(GO) test ./pin/arweave/arapi -run '^$$' -fuzz FuzzDecodeTransactions -fuzztime 30s
	$(GO) test ./pin/arweave/arapi -run '^$$' -fuzz FuzzDecodeItemHeader -fuzztime 30s
	$(GO) test ./pin/arweave/carsite -run '^$$' -fuzz FuzzOpen -fuzztime 30s -fuzzminimizetime 10s

clean:
	rm -rf bin
