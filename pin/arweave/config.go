package arweave

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// Type is the registered provider type.
const Type = "arweave"

// Defaults.
const (
	DefaultGateway      = "https://arweave.net"
	DefaultTurbo        = "https://upload.ardrive.io"
	DefaultIndex        = "index.html"
	DefaultConcurrency  = 4
	DefaultPollInterval = 5 * time.Second
	DefaultWaitTimeout  = 30 * time.Minute
	// DefaultTimeout bounds one Pin attempt when the config sets no
	// timeout: uploading a site to Arweave takes minutes per hundred MB.
	DefaultTimeout = 2 * time.Hour
)

// Uploaders.
const (
	UploaderArweave = "arweave" // format-2 transactions posted to Gateway, paid in winston by the wallet
	UploaderTurbo   = "turbo"   // ANS-104 data items posted to a Turbo upload service, paid in Turbo credits
)

// Config is the arweave provider's configuration (type: arweave in
// dapp-publish.yaml). The wallet is a secret: Config's String never shows it.
type Config struct {
	Name string `yaml:"name"`

	// Gateway is the Arweave node or gateway transactions are posted to and
	// read back from (default https://arweave.net).
	Gateway string `yaml:"gateway"`
	// WalletFile is a JWK file; Wallet is the JWK itself, from ${ENV}.
	// Exactly one is set.
	WalletFile string `yaml:"wallet_file"`
	Wallet     string `yaml:"wallet" json:"-"`
	// WalletFrom says where Wallet came from ("${ARWEAVE_WALLET}",
	// "wallet_file /run/secrets/wallet.json"), for messages; never the value.
	WalletFrom string `yaml:"-"`

	// Uploader is "arweave" (default) or "turbo"; Endpoint is the Turbo
	// upload service (default https://upload.ardrive.io).
	Uploader string `yaml:"uploader"`
	Endpoint string `yaml:"endpoint"`

	// Index is the file the manifest serves at its root (default
	// index.html, when the site has it); Fallback the file served for any
	// other unknown path: "" means Index (an SPA), "none" no fallback.
	Index    string `yaml:"index"`
	Fallback string `yaml:"fallback"`

	// Confirmations is how many blocks must confirm the manifest before
	// Pin returns (0: the node accepted every transaction and chunk).
	Confirmations int `yaml:"confirmations"`
	// Concurrency is how many files are uploaded at once (default 4).
	Concurrency int `yaml:"concurrency"`
	// StateDir records signed transactions and uploaded chunks, so an
	// interrupted run resumes without paying twice (default: the user's
	// cache folder, dapp-publish/arweave).
	StateDir string `yaml:"state_dir"`

	PollInterval time.Duration `yaml:"poll_interval"`
	WaitTimeout  time.Duration `yaml:"wait_timeout"`

	// Retry is how each request (a chunk, a post) is retried on transient
	// errors; zero: 6 attempts, 250 ms to 15 s apart. pin.Retry retries
	// the whole Pin on top, which resumes where this gave up.
	Retry pin.RetryPolicy `yaml:"-"`

	HTTPClient *http.Client `yaml:"-"`
}

// String describes the configuration without the wallet.
func (c Config) String() string {
	w := "none"
	switch {
	case c.WalletFile != "":
		w = "file " + c.WalletFile
	case c.Wallet != "" && c.WalletFrom != "":
		w = "from " + c.WalletFrom
	case c.Wallet != "":
		w = "set"
	}
	return fmt.Sprintf("%s (arweave) gateway=%q uploader=%q wallet=%s", c.Name, c.Gateway, c.uploader(), w)
}

// GoString is String for %#v.
func (c Config) GoString() string { return "arweave.Config{" + c.String() + "}" }

func (c Config) uploader() string {
	if c.Uploader == "" {
		return UploaderArweave
	}
	return c.Uploader
}

// WithDefaults fills unset settings.
func (c Config) WithDefaults() Config {
	if c.Gateway == "" {
		c.Gateway = DefaultGateway
	}
	c.Uploader = c.uploader()
	if c.Uploader == UploaderTurbo && c.Endpoint == "" {
		c.Endpoint = DefaultTurbo
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.WaitTimeout <= 0 {
		c.WaitTimeout = DefaultWaitTimeout
	}
	if c.Retry.Attempts <= 0 {
		c.Retry = pin.RetryPolicy{Attempts: 6, Base: 250 * time.Millisecond, Max: 15 * time.Second}
	}
	if c.Retry.Base <= 0 {
		c.Retry.Base = 250 * time.Millisecond
	}
	if c.Retry.Max <= 0 {
		c.Retry.Max = 15 * time.Second
	}
	if c.StateDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			c.StateDir = filepath.Join(dir, "dapp-publish", "arweave")
		}
	}
	return c
}

// Validate checks the settings (after WithDefaults) without reading the
// wallet or contacting anything.
func (c Config) Validate() error {
	if err := httpURL("gateway", c.Gateway); err != nil {
		return err
	}
	switch c.Uploader {
	case UploaderArweave:
		if c.Endpoint != "" {
			return errors.New("endpoint is the Turbo upload service: set it only with uploader: turbo")
		}
	case UploaderTurbo:
		if err := httpURL("endpoint", c.Endpoint); err != nil {
			return err
		}
	default:
		return fmt.Errorf("uploader must be %s or %s, not %q", UploaderArweave, UploaderTurbo, c.Uploader)
	}
	switch {
	case c.WalletFile != "" && c.Wallet != "":
		return errors.New("set wallet_file or wallet, not both")
	case c.WalletFile == "" && c.Wallet == "":
		return errors.New("a wallet is required: wallet_file: PATH to a JWK file, or wallet: ${ARWEAVE_WALLET} holding the JWK JSON")
	}
	for _, p := range []struct{ key, val string }{{"index", c.Index}, {"fallback", c.Fallback}} {
		if strings.HasPrefix(p.val, "/") || strings.Contains(p.val, "..") {
			return fmt.Errorf("%s %q must be a path inside the site, like index.html", p.key, p.val)
		}
	}
	if c.Confirmations < 0 || c.Confirmations > 50 {
		return fmt.Errorf("confirmations must be between 0 and 50, not %d", c.Confirmations)
	}
	return nil
}

func httpURL(key, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return fmt.Errorf("%s %q is not an http(s) base URL like https://arweave.net", key, s)
	}
	return nil
}

// FromPin builds the configuration from today's generic pin.Config: the
// typed settings internal/config decoded, or, for tests and callers that
// fill pin.Config by hand, its Gateway (or Endpoint) and Token (the JWK).
func FromPin(pc pin.Config) Config {
	if c, ok := pc.Settings.(Config); ok {
		if c.Name == "" {
			c.Name = pc.Name
		}
		if c.HTTPClient == nil {
			c.HTTPClient = pc.HTTPClient
		}
		return c
	}
	gw := pc.Gateway
	if gw == "" {
		gw = pc.Endpoint
	}
	from := ""
	if pc.TokenFrom != "" {
		from = "${" + pc.TokenFrom + "}"
	}
	return Config{Name: pc.Name, Gateway: gw, Wallet: pc.Token, WalletFrom: from,
		PollInterval: pc.PollInterval, WaitTimeout: pc.WaitTimeout, HTTPClient: pc.HTTPClient}
}

// loadWallet reads the configured wallet.
func (c Config) loadWallet() (*artx.Wallet, error) {
	if c.WalletFile != "" {
		return artx.ReadWalletFile(c.WalletFile)
	}
	w, err := artx.ParseWallet([]byte(c.Wallet))
	if err != nil {
		from := "wallet"
		if c.WalletFrom != "" {
			from = "the wallet from " + c.WalletFrom
		}
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return w, nil
}

// JWKSecrets returns the private values of a JWK's JSON (for redaction):
// each of d, p, q, dp, dq, qi that is present. Malformed JSON gives none.
func JWKSecrets(jwkJSON string) []string { return artx.JWKSecrets([]byte(jwkJSON)) }

// ReadWalletJSON reads a wallet file: a regular file of at most 64 KiB.
func ReadWalletJSON(path string) ([]byte, error) { return artx.ReadWalletJSON(path) }
