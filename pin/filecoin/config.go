package filecoin

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Config is a filecoin entry of the config file. Its keys sit in the entry
// beside name and type, like every provider type's:
//
//   - name: foc
//     type: filecoin
//     endpoint: "${FILECOIN_RPC_URL}"   # a Filecoin EVM JSON-RPC URL
//     network: calibration              # mainnet | calibration | custom
//     key: "${FILECOIN_KEY}"            # or key_file: PATH (the paying wallet's hex key)
//     max_per_run: "1.5"                # USDFC one run may commit
//
// The key is a secret.Value: it comes from ${VAR} or key_file (a regular
// file of bounded size), is refused when written into the file, never
// prints itself, and is scrubbed from output and masked in GitHub Actions
// like every secret of the config.
type Config struct {
	// Endpoint is the Filecoin EVM JSON-RPC URL (required).
	Endpoint      string        `yaml:"endpoint"`
	Network       string        `yaml:"network"`         // mainnet | calibration | custom
	FWSS          string        `yaml:"fwss"`            // FilecoinWarmStorageService address (custom network)
	ChainID       uint64        `yaml:"chain_id"`        // custom network
	Key           secret.Value  `yaml:"key"`             // the paying wallet's hex private key
	ProviderID    uint64        `yaml:"provider_id"`     // a storage provider from the registry (0: choose)
	MaxPerRun     string        `yaml:"max_per_run"`     // USDFC a run may commit, e.g. "1.5"
	MinRunwayDays int           `yaml:"min_runway_days"` // funds left must pay this many days
	AutoFund      bool          `yaml:"auto_fund"`       // deposit and approve as needed, within max_per_run
	WithCDN       bool          `yaml:"with_cdn"`        // FilBeam CDN on the data set
	DryRun        bool          `yaml:"dry_run"`         // price and check; send nothing
	ConfirmWait   time.Duration `yaml:"confirm_wait"`    // how long to wait for the chain (default 15m)
	PollInterval  time.Duration `yaml:"poll_interval"`   // how often to ask while waiting (default 4s)

	// HTTPClient is used for the storage provider's PDP API and piece
	// fetches; nil means http.DefaultClient.
	HTTPClient *http.Client `yaml:"-"`

	settings Settings // filled by Validate
}

// Settings are the validated settings the provider runs with.
type Settings struct {
	ChainID       uint64
	FWSS          common.Address
	Key           *ecdsa.PrivateKey `json:"-"`
	KeyFrom       string            // where the key came from, for messages
	ProviderID    uint64
	MaxPerRun     *big.Int // base units (18 decimals)
	MinRunwayDays int
	AutoFund      bool
	WithCDN       bool
	DryRun        bool
	ConfirmWait   time.Duration
	PollInterval  time.Duration
}

// String never shows the key.
func (s Settings) String() string {
	return fmt.Sprintf("filecoin chain %d fwss %s key from %s max_per_run %s", s.ChainID, s.FWSS, s.KeyFrom, FormatUSDFC(s.MaxPerRun))
}

// Networks: chain id and FilecoinWarmStorageService address (protocols.md
// 4.2; synapse-core chains.ts).
var networks = map[string]struct {
	chainID uint64
	fwss    string
}{
	"mainnet":     {314, "0x8408502033C418E1bbC97cE9ac48E5528F371A9f"},
	"calibration": {314159, "0x02925630df557F957f70E112bA06e50965417CA0"},
}

// Defaults.
const (
	DefaultMinRunwayDays = 30
	DefaultConfirmWait   = 15 * time.Minute
	DefaultPollInterval  = 4 * time.Second
)

// Validate implements pin.Settings: it checks every key, parses the key and
// the spend limit, and fills the defaults. It contacts nothing. Errors never
// contain the key.
func (c *Config) Validate() error {
	s := Settings{ProviderID: c.ProviderID, MinRunwayDays: c.MinRunwayDays, AutoFund: c.AutoFund, WithCDN: c.WithCDN, DryRun: c.DryRun,
		ConfirmWait: DefaultConfirmWait, PollInterval: DefaultPollInterval}
	if err := checkRPC(c.Endpoint); err != nil {
		return err
	}
	if err := c.network(&s); err != nil {
		return err
	}
	switch {
	case s.MinRunwayDays < 0:
		return pin.InvalidField("min_runway_days", "cannot be negative")
	case s.MinRunwayDays == 0:
		s.MinRunwayDays = DefaultMinRunwayDays
	}
	if c.MaxPerRun == "" {
		return pin.InvalidField("max_per_run", `is required: the most USDFC one run may commit, e.g. max_per_run: "1.5"`)
	}
	var err error
	if s.MaxPerRun, err = ParseUSDFC(c.MaxPerRun); err != nil {
		return pin.InvalidField("max_per_run", "%v", err)
	}
	switch {
	case c.ConfirmWait < 0:
		return pin.InvalidField("confirm_wait", "cannot be negative")
	case c.ConfirmWait > 0:
		s.ConfirmWait = c.ConfirmWait
	}
	switch {
	case c.PollInterval < 0:
		return pin.InvalidField("poll_interval", "cannot be negative")
	case c.PollInterval > 0:
		s.PollInterval = c.PollInterval
	}
	if !c.Key.IsSet() {
		return pin.InvalidField("key", "is required: key: ${FILECOIN_KEY} or key_file: PATH (the hex private key of the paying wallet)")
	}
	if s.Key, err = crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(c.Key.Expose()), "0x")); err != nil {
		// No detail: the parse error could quote the key.
		return pin.InvalidField("key", "from %s is not a hex secp256k1 private key", c.Key.From())
	}
	s.KeyFrom = c.Key.From()
	c.settings = s
	return nil
}

// checkRPC checks the RPC URL: http(s) or ws(s), without credentials in its
// user info (an API key in its path or query comes from ${VAR} and is
// scrubbed from output like every expanded variable).
func checkRPC(s string) error {
	if s == "" {
		return pin.InvalidField("endpoint", "is required (the Filecoin EVM RPC URL, e.g. https://api.calibration.node.glif.io/rpc/v1)")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss"):
		return pin.InvalidField("endpoint", "is not an http(s) or ws(s) URL like https://api.calibration.node.glif.io/rpc/v1")
	case u.User != nil:
		return pin.InvalidField("endpoint", "holds credentials: put the API key in an environment variable, e.g. endpoint: \"${FILECOIN_RPC_URL}\"")
	}
	return nil
}

func (c *Config) network(s *Settings) error {
	switch c.Network {
	case "mainnet", "calibration":
		n := networks[c.Network]
		s.ChainID, s.FWSS = n.chainID, common.HexToAddress(n.fwss)
		if c.FWSS != "" || c.ChainID != 0 {
			return pin.InvalidField("network", "%s sets fwss and chain_id; set them only with network: custom", c.Network)
		}
	case "custom":
		if !common.IsHexAddress(c.FWSS) || c.ChainID == 0 {
			return pin.InvalidField("network", "custom needs fwss (the FilecoinWarmStorageService address) and chain_id")
		}
		s.ChainID, s.FWSS = c.ChainID, common.HexToAddress(c.FWSS)
	default:
		return pin.InvalidField("network", "must be mainnet, calibration or custom, not %q", c.Network)
	}
	return nil
}

// USDFC has 18 decimals.
var usdfcUnit = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// ParseUSDFC parses a decimal USDFC amount ("1.5", "0.06") into base units.
func ParseUSDFC(s string) (*big.Int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "USDFC"))
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 18 || strings.ContainsAny(whole+frac, "+-eE ") {
		return nil, fmt.Errorf("%q is not an amount like 1.5", s)
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not an amount like 1.5", s)
	}
	v := new(big.Int).Mul(new(big.Int).SetUint64(w), usdfcUnit)
	if frac != "" {
		f, ok := new(big.Int).SetString(frac+strings.Repeat("0", 18-len(frac)), 10)
		if !ok {
			return nil, fmt.Errorf("%q is not an amount like 1.5", s)
		}
		v.Add(v, f)
	}
	return v, nil
}

// FormatUSDFC prints base units as USDFC with up to 6 decimals (rounded up,
// so a cost is never shown smaller than it is).
func FormatUSDFC(v *big.Int) string {
	if v == nil {
		return "0 USDFC"
	}
	micro := new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil)
	q, r := new(big.Int).QuoRem(v, micro, new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	s := fmt.Sprintf("%07s", q.String())
	whole, frac := s[:len(s)-6], strings.TrimRight(s[len(s)-6:], "0")
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if frac == "" {
		return whole + " USDFC"
	}
	return whole + "." + frac + " USDFC"
}

// GoString is String for %#v: the key is never printed.
func (s Settings) GoString() string { return "filecoin.Settings{" + s.String() + "}" }
