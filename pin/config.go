package pin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
)

// Settings is a provider type's own configuration: the keys of its entry in
// the config file beyond the common ones (name, type, timeout, retries,
// concurrency), as a typed struct in the provider's package (config.go).
// internal/config decodes an entry into it strictly (an unknown key is an
// error at its line), resolves every secret.Value field from ${VAR} or
// KEY_file, then calls Validate.
//
// Validate checks the settings and fills defaults; it contacts nothing. An
// error about one key should be an *InvalidFieldError (InvalidField) so the
// config file reports it at that key's line.
type Settings interface {
	Validate() error
}

// TimeoutDefaulter is implemented by the Settings of a type whose Pin
// needs another per-attempt timeout than the config's default (10 minutes)
// when its entry sets no timeout: an Arweave upload goes chunk by chunk and
// takes minutes per hundred MB. internal/config asks it after Validate.
type TimeoutDefaulter interface {
	DefaultTimeout() time.Duration
}

// InvalidFieldError is a problem with one settings key.
type InvalidFieldError struct {
	Key string // the YAML key, e.g. "endpoint"
	Msg string
}

func (e *InvalidFieldError) Error() string { return e.Key + ": " + e.Msg }

// InvalidField returns an *InvalidFieldError for key.
func InvalidField(key, format string, a ...any) error {
	return &InvalidFieldError{Key: key, Msg: fmt.Sprintf(format, a...)}
}

// HTTP holds the settings every holder reached over HTTP shares. Providers
// embed it in their Config with `yaml:",inline"`.
type HTTP struct {
	// Endpoint is the API base URL.
	Endpoint string `yaml:"endpoint"`
	// Gateway is a retrieval base URL recorded in receipts (optional).
	Gateway string `yaml:"gateway"`
	// Token is the credential: token: ${VAR} or token_file: PATH in the
	// config file. It never prints itself.
	Token secret.Value `yaml:"token"`
	// Auth is "bearer" (default) or "basic" (Token is "user:password").
	Auth string `yaml:"auth"`
	// HTTPClient is used for every request; nil means http.DefaultClient.
	// Inject transports here (tests, proxies); never a global.
	HTTPClient *http.Client `yaml:"-"`
}

// HTTPSettings returns h. Through embedding, every provider Config that
// embeds HTTP has it, so a caller holding only pin.Settings (the command
// line reaching a Kubo node's RPC or a holder's gateway itself) can read
// the HTTP part of any HTTP holder's settings.
func (h *HTTP) HTTPSettings() *HTTP { return h }

// Validate checks the URLs and the auth scheme. An endpoint, if set, must be
// http(s) without credentials in it: they belong in token, which is never
// printed, while URLs appear in messages.
func (h *HTTP) Validate() error {
	for _, f := range []struct{ key, v string }{{"endpoint", h.Endpoint}, {"gateway", h.Gateway}} {
		if err := checkURL(f.key, f.v); err != nil {
			return err
		}
	}
	switch strings.ToLower(h.Auth) {
	case "", "bearer", "basic":
		h.Auth = strings.ToLower(h.Auth)
	default:
		return InvalidField("auth", "must be bearer or basic, not %q", h.Auth)
	}
	if h.Auth == "basic" && h.Token.IsSet() && !strings.Contains(h.Token.Expose(), ":") {
		return InvalidField("token", "must be user:password when auth is basic (it comes from %s)", h.Token.From())
	}
	return nil
}

func checkURL(key, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	// The value is not quoted: it may hold secrets from ${VAR}. The config
	// file's errors show it as written.
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return InvalidField(key, "is not an http(s) URL like https://host:port")
	case u.User != nil:
		return InvalidField(key, "holds credentials: put them in token or token_file, which are never printed")
	}
	return nil
}

// Base returns the endpoint without a trailing slash; example completes the
// "endpoint is required" message with what the provider expects there.
func (h HTTP) Base(example string) (string, error) {
	if h.Endpoint == "" {
		return "", InvalidField("endpoint", "is required (%s)", example)
	}
	if err := checkURL("endpoint", h.Endpoint); err != nil {
		return "", err
	}
	return strings.TrimRight(h.Endpoint, "/"), nil
}

// Endpoints returns the trustless gateway URL of root on the configured
// gateway, or nil without one.
func (h HTTP) Endpoints(root string) []string {
	if h.Gateway == "" {
		return nil
	}
	return []string{strings.TrimRight(h.Gateway, "/") + "/ipfs/" + root}
}

// Polling holds the settings of providers that wait for a remote pin.
// Providers embed it with `yaml:",inline"`.
type Polling struct {
	// PinName is the name pins are stored under (default "dapp-publish").
	PinName string `yaml:"pin_name"`
	// PollInterval and WaitTimeout bound polling for "pinned".
	PollInterval time.Duration `yaml:"poll_interval"`
	WaitTimeout  time.Duration `yaml:"wait_timeout"`
}

// Defaults fills what p leaves unset and checks the rest.
func (p *Polling) Defaults(interval, wait time.Duration) error {
	if p.PollInterval < 0 {
		return InvalidField("poll_interval", "cannot be negative")
	}
	if p.WaitTimeout < 0 {
		return InvalidField("wait_timeout", "cannot be negative")
	}
	if p.PollInterval == 0 {
		p.PollInterval = interval
	}
	if p.WaitTimeout == 0 {
		p.WaitTimeout = wait
	}
	if p.PinName == "" {
		p.PinName = "dapp-publish"
	}
	return nil
}

// RequireToken fails unless h has a token; env names the variable the
// message suggests (e.g. "PINATA_JWT").
func (h HTTP) RequireToken(env string) error {
	if !h.Token.IsSet() {
		return InvalidField("token", "is required: set token: ${%s} or token_file: PATH", env)
	}
	return nil
}

// ErrSettingsType is returned by a Registry given settings of another type.
var ErrSettingsType = errors.New("settings of the wrong type for this provider type")
