// Package pin stores bundles on holders: a Kubo node, an IPFS Cluster, any
// Pinning Service API, Pinata, Filebase (IPFS), Filecoin Onchain Cloud,
// Lighthouse (Filecoin) and Arweave.
//
// The model follows restic's backends. Provider is a small interface whose
// doc comment is the contract every implementation keeps; optional
// capabilities are separate interfaces callers probe for through the
// wrappers (As): Unpinner, Networker (the network a copy lives on),
// PartialCARTaker (a CAR of only the blocks the holder lacks will do) and
// Retriever (the holder's own API hands back what it holds), each declared
// by the provider and checked at compile time in its package.
// Each provider lives in its own package (pin/kubo, pin/cluster, ...) and is
// constructed through an explicit Registry, never through init() side
// effects. Cross-cutting behaviour wraps a provider instead of living in it:
// Retry (exponential backoff with jitter, honouring Retry-After, for
// transient errors only), Timeout (per attempt) and Limit (concurrency).
// Providers only classify their errors as permanent or transient (errors.go).
//
// Run stores one bundle on several providers concurrently and returns one
// Receipt per provider: the wall time is the slowest provider's, not the sum.
// A failed receipt keeps its error as a value (Receipt.Err) for errors.Is.
//
// Every provider passes the conformance suite in pin/pintest.
//
// # Adding a provider
//
// A provider type is a package pin/<name> with two files, in the manner of
// restic's config.go + <name>.go:
//
// config.go declares the type's settings: the keys of its entry in
// dapp-publish.yaml beyond the common ones (name, type, timeout, retries,
// concurrency, which internal/config handles), as a struct with yaml tags,
// and a Validate method that checks them and fills defaults without
// contacting anything. Holders reached over HTTP embed HTTP (endpoint,
// gateway, token, auth) and, if they poll for "pinned", Polling, with
// `yaml:",inline"`. Return errors about one key as InvalidField(key, ...),
// so the config file reports them at that key's line.
//
// A field of type secret.Value (internal/secret) is a secret, declared by
// its type: for a field tagged `yaml:"wallet"` the config file accepts
// wallet: "${VAR}" (the environment only; a literal is refused) or
// wallet_file: PATH (a regular file of at most 64 KiB; /dev/zero, pipes and
// folders are refused). internal/config reads it, refuses values shorter
// than secret.MinLength, and reports it with Config.Secrets, so every
// command scrubs it (and its base64, URL and JSON encodings; for a JSON
// wallet, each of its fields) from all output and masks it in GitHub
// Actions. The provider calls Expose only where it sends or signs with it.
// ${VAR} works in every other string value too, and each value it brings in
// is handled as a secret. For example (pin/arweave/config.go, shortened):
//
//	// Config is an arweave entry: {name: permaweb, type: arweave,
//	// gateway: "https://arweave.net", wallet_file: wallet.json, confirmations: 1}
//	type Config struct {
//		Gateway       string       `yaml:"gateway"`
//		Wallet        secret.Value `yaml:"wallet"` // JWK JSON: wallet: ${ARWEAVE_WALLET} or wallet_file
//		Confirmations int          `yaml:"confirmations"`
//		HTTPClient    *http.Client `yaml:"-"` // tests inject transports here
//	}
//
//	func (c *Config) Validate() error {
//		if !c.Wallet.IsSet() {
//			return pin.InvalidField("wallet", "is required: wallet: ${ARWEAVE_WALLET} or wallet_file: PATH")
//		}
//		...
//	}
//
// The common keys stay with internal/config: a type that needs its own
// parallelism declares its own key (arweave's parallel_uploads), and a type
// whose attempts need another default timeout than 10 minutes implements
// TimeoutDefaulter on its Config.
//
// <name>.go holds `const Type = "<name>"` and the constructor
// `func New(name string, cfg *Config) (pin.Provider, error)`, which calls
// cfg.Validate (library callers may skip the config file) and builds the
// provider without contacting the holder. Name errors after the provider's
// name; never put a secret or a URL with credentials in an error (use
// internal/redact.URL to show a URL); classify errors with Permanent or
// Transient, and wrap ErrUnauthorized for 401/403 (HTTP.Do does all this
// for HTTP holders, and scrubs the token from what the holder answers).
//
// Register the type in pin/all/all.go with one line:
//
//	pin.Register(r, arweave.Type, arweave.New)
//
// Finally, run the conformance suite (pin/pintest) against the real peer or
// the shared fake in internal/fakes/<name>, and add the type's keys to the
// README's table of provider keys.
package pin
