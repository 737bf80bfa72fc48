package pin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config is what a provider is built from. internal/config fills it from the
// config file; tests fill it directly. Fields a provider does not use are
// ignored by it.
type Config struct {
	Name     string // configured name, unique in a run
	Type     string // registered type
	Endpoint string // API base URL
	Gateway  string // retrieval base URL for receipts (optional)

	// Token is the credential. It is never printed: errors name TokenFrom.
	Token string `json:"-"`
	// TokenFrom says where Token came from ("PINATA_JWT", "token_file
	// /run/secrets/x"), for error messages.
	TokenFrom string
	// Auth is "bearer" (default) or "basic" (Token is "user:password").
	Auth string

	PinName        string            // the name pins are stored under
	ReplicationMin int               // cluster: pinned on at least this many peers
	ReplicationMax int               // cluster: allocate to at most this many peers
	Keep           int               // psa: keep the last Keep pins of PinName, remove older (0: replace)
	Provide        bool              // kubo: announce the root to the DHT after import
	Origins        []string          // psa: multiaddrs the service can fetch the DAG from
	Meta           map[string]string // psa: pin metadata

	// PollInterval and WaitTimeout bound polling for "pinned" (cluster, psa).
	PollInterval time.Duration
	WaitTimeout  time.Duration

	// Settings holds a provider type's own validated settings (a
	// filecoin.Settings, a lighthouse.Settings, an arweave.Config), built
	// by internal/config.
	Settings any `json:"-"`

	// HTTPClient is used for every request; nil means http.DefaultClient.
	// Inject transports here (tests, proxies); never a global.
	HTTPClient *http.Client `json:"-"`
}

// String describes the provider configuration without its secret, so a
// Config printed by mistake (%v, %+v, a debug log) never shows the token.
func (c Config) String() string {
	tok := "none"
	if c.Token != "" {
		tok = "set"
		if c.TokenFrom != "" {
			tok = "from " + c.TokenFrom
		}
	}
	return fmt.Sprintf("%s (%s) endpoint=%q token=%s", c.Name, c.Type, c.Endpoint, tok)
}

// GoString is String for %#v.
func (c Config) GoString() string { return "pin.Config{" + c.String() + "}" }

// HTTPBase checks that c.Endpoint is an http(s) URL and returns it without a
// trailing slash. example completes the "endpoint is required" message with
// what the provider expects there.
func (c Config) HTTPBase(example string) (string, error) {
	if c.Endpoint == "" {
		return "", fmt.Errorf("endpoint is required (%s)", example)
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("endpoint %q is not an http(s) URL", c.Endpoint)
	}
	return strings.TrimRight(c.Endpoint, "/"), nil
}

// WithPolling fills the polling settings of providers that wait for a
// remote pin (poll interval, overall wait, pin name) where c leaves them unset.
func (c Config) WithPolling(interval, wait time.Duration) Config {
	if c.PollInterval <= 0 {
		c.PollInterval = interval
	}
	if c.WaitTimeout <= 0 {
		c.WaitTimeout = wait
	}
	if c.PinName == "" {
		c.PinName = "dapp-publish"
	}
	return c
}
