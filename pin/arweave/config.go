package arweave

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// Type is the registered provider type.
const Type = "arweave"

// Defaults.
const (
	DefaultGateway         = "https://arweave.net"
	DefaultTurbo           = "https://upload.ardrive.io"
	DefaultIndex           = "index.html"
	DefaultParallelUploads = 4
	DefaultPollInterval    = 5 * time.Second
	DefaultWaitTimeout     = 30 * time.Minute
	// DefaultTimeout bounds one Pin attempt when the entry sets no
	// timeout: uploading a site to Arweave takes minutes per hundred MB
	// (Config.DefaultTimeout hands it to internal/config).
	DefaultTimeout = 2 * time.Hour
)

// Uploaders.
const (
	UploaderArweave = "arweave" // format-2 transactions posted to Gateway, paid in winston by the wallet
	UploaderTurbo   = "turbo"   // ANS-104 data items posted to a Turbo upload service, paid in Turbo credits
)

// Config is an arweave entry of the config file; its keys sit in the entry
// beside name and type:
//
//   - name: permaweb
//     type: arweave
//     gateway: https://arweave.net     # node or gateway to post to and read from
//     wallet_file: /run/secrets/ar.json # or wallet: "${ARWEAVE_WALLET}" (the JWK's JSON)
//
// The wallet is a secret.Value: it comes from ${VAR} or wallet_file (a
// regular file of at most 64 KiB), never prints itself, and every string of
// its JSON (the private parts d, p, q, dp, dq, qi among them) is scrubbed
// from output and masked in GitHub Actions like every secret of the config.
type Config struct {
	// Gateway is the Arweave node or gateway transactions are posted to and
	// read back from (default https://arweave.net).
	Gateway string `yaml:"gateway"`
	// Wallet is the JWK's JSON (required).
	Wallet secret.Value `yaml:"wallet"`

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
	// ParallelUploads is how many files are uploaded at once (default 4).
	// The entry's common concurrency key is another thing: how many Pin
	// calls may run at once on this holder (pin.Limit).
	ParallelUploads int `yaml:"parallel_uploads"`
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

	wallet *artx.Wallet // parsed by Validate
}

var (
	_ pin.Settings         = (*Config)(nil)
	_ pin.TimeoutDefaulter = (*Config)(nil)
)

// DefaultTimeout implements pin.TimeoutDefaulter: an entry without
// timeout: gets DefaultTimeout per attempt, not the 10 minutes that suit
// holders taking a CAR in one request.
func (c *Config) DefaultTimeout() time.Duration { return DefaultTimeout }

// Validate implements pin.Settings: it fills the defaults, checks every key
// and parses the wallet, contacting nothing. Errors never quote the wallet.
func (c *Config) Validate() error {
	c.defaults()
	if err := httpURL("gateway", c.Gateway); err != nil {
		return err
	}
	switch c.Uploader {
	case UploaderArweave:
		if c.Endpoint != "" {
			return pin.InvalidField("endpoint", "is the Turbo upload service: set it only with uploader: turbo")
		}
	case UploaderTurbo:
		if err := httpURL("endpoint", c.Endpoint); err != nil {
			return err
		}
	default:
		return pin.InvalidField("uploader", "must be %s or %s, not %q", UploaderArweave, UploaderTurbo, c.Uploader)
	}
	for _, p := range []struct{ key, val string }{{"index", c.Index}, {"fallback", c.Fallback}} {
		if strings.HasPrefix(p.val, "/") || strings.Contains(p.val, "..") {
			return pin.InvalidField(p.key, "%q must be a path inside the site, like index.html", p.val)
		}
	}
	switch {
	case c.Confirmations < 0 || c.Confirmations > 50:
		return pin.InvalidField("confirmations", "must be between 0 and 50, not %d", c.Confirmations)
	case c.ParallelUploads < 0:
		return pin.InvalidField("parallel_uploads", "cannot be negative")
	case c.PollInterval < 0:
		return pin.InvalidField("poll_interval", "cannot be negative")
	case c.WaitTimeout < 0:
		return pin.InvalidField("wait_timeout", "cannot be negative")
	}
	return c.parseWallet()
}

func (c *Config) defaults() {
	if c.Gateway == "" {
		c.Gateway = DefaultGateway
	}
	if c.Uploader == "" {
		c.Uploader = UploaderArweave
	}
	if c.Uploader == UploaderTurbo && c.Endpoint == "" {
		c.Endpoint = DefaultTurbo
	}
	if c.ParallelUploads == 0 {
		c.ParallelUploads = DefaultParallelUploads
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.WaitTimeout == 0 {
		c.WaitTimeout = DefaultWaitTimeout
	}
	if c.Retry.Attempts <= 0 {
		c.Retry.Attempts = 6
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
}

// parseWallet reads the JWK. A malformed wallet is a config error at the
// key it came from (wallet or wallet_file), never quoting its contents
// (artx's errors quote no key material).
func (c *Config) parseWallet() error {
	key := "wallet"
	if strings.HasPrefix(c.Wallet.From(), "wallet_file") {
		key = "wallet_file"
	}
	if !c.Wallet.IsSet() {
		return pin.InvalidField("wallet", "is required: wallet: ${ARWEAVE_WALLET} holding the JWK's JSON, or wallet_file: PATH to a JWK file")
	}
	w, err := artx.ParseWallet([]byte(c.Wallet.Expose()))
	if err != nil {
		return pin.InvalidField(key, "%v", err) // the config file adds where it came from
	}
	c.wallet = w
	return nil
}

func httpURL(key, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return pin.InvalidField(key, "is not an http(s) base URL like https://arweave.net")
	}
	return nil
}
