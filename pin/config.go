package pin

import (
	"fmt"
	"net/http"
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
