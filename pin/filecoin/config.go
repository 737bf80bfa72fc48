package filecoin

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// File is the provider's settings as written under `filecoin:` in a
// provider entry of dapp-publish.yaml. The RPC URL is the entry's endpoint.
type File struct {
	Network       string `yaml:"network"`         // mainnet | calibration | custom
	FWSS          string `yaml:"fwss"`            // FilecoinWarmStorageService address (custom network)
	ChainID       uint64 `yaml:"chain_id"`        // custom network
	Key           string `yaml:"key"`             // ${ENV} holding the hex private key
	KeyFile       string `yaml:"key_file"`        // or a file holding it
	ProviderID    uint64 `yaml:"provider_id"`     // a storage provider from the registry (0: choose)
	MaxPerRun     string `yaml:"max_per_run"`     // USDFC a run may commit, e.g. "1.5"
	MinRunwayDays int    `yaml:"min_runway_days"` // funds left must pay this many days
	AutoFund      bool   `yaml:"auto_fund"`       // deposit and approve as needed, within max_per_run
	WithCDN       bool   `yaml:"with_cdn"`        // FilBeam CDN on the data set
	DryRun        bool   `yaml:"dry_run"`         // price and check; send nothing
	ConfirmWait   string `yaml:"confirm_wait"`    // how long to wait for the chain (default 15m)
}

// Settings are the validated settings.
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
	maxKeyFile           = 4 << 10 // a hex key is 66 bytes; refuse anything large (/dev/zero)
)

var envRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// Resolve validates f and reads the key: from the environment variable f.Key
// names (${VAR}), or from f.KeyFile, a regular file of at most 4 KiB. A
// literal key in the config file is refused. Errors never contain the key.
func (f File) Resolve(lookupEnv func(string) (string, bool)) (Settings, error) {
	s := Settings{ProviderID: f.ProviderID, MinRunwayDays: f.MinRunwayDays, AutoFund: f.AutoFund, WithCDN: f.WithCDN, DryRun: f.DryRun,
		ConfirmWait: DefaultConfirmWait, PollInterval: 4 * time.Second}
	if err := f.network(&s); err != nil {
		return s, err
	}
	if s.MinRunwayDays == 0 {
		s.MinRunwayDays = DefaultMinRunwayDays
	}
	if s.MinRunwayDays < 0 {
		return s, errors.New("min_runway_days cannot be negative")
	}
	if f.MaxPerRun == "" {
		return s, errors.New(`max_per_run is required: the most USDFC one run may commit, e.g. max_per_run: "1.5"`)
	}
	var err error
	if s.MaxPerRun, err = ParseUSDFC(f.MaxPerRun); err != nil {
		return s, fmt.Errorf("max_per_run: %w", err)
	}
	if f.ConfirmWait != "" {
		if s.ConfirmWait, err = time.ParseDuration(f.ConfirmWait); err != nil || s.ConfirmWait <= 0 {
			return s, fmt.Errorf("confirm_wait %q is not a positive duration like 15m", f.ConfirmWait)
		}
	}
	s.Key, s.KeyFrom, err = f.key(lookupEnv)
	return s, err
}

func (f File) network(s *Settings) error {
	switch f.Network {
	case "mainnet", "calibration":
		n := networks[f.Network]
		s.ChainID, s.FWSS = n.chainID, common.HexToAddress(n.fwss)
		if f.FWSS != "" || f.ChainID != 0 {
			return fmt.Errorf("network %s sets fwss and chain_id; set them only with network: custom", f.Network)
		}
	case "custom":
		if !common.IsHexAddress(f.FWSS) || f.ChainID == 0 {
			return errors.New("network: custom needs fwss (the FilecoinWarmStorageService address) and chain_id")
		}
		s.ChainID, s.FWSS = f.ChainID, common.HexToAddress(f.FWSS)
	default:
		return fmt.Errorf("network must be mainnet, calibration or custom, not %q", f.Network)
	}
	return nil
}

func (f File) key(lookupEnv func(string) (string, bool)) (*ecdsa.PrivateKey, string, error) {
	var raw, from string
	switch {
	case f.Key != "" && f.KeyFile != "":
		return nil, "", errors.New("set key or key_file, not both")
	case f.Key != "":
		m := envRef.FindStringSubmatch(f.Key)
		if m == nil {
			return nil, "", errors.New("key must be an environment reference like ${FILECOIN_KEY}; never write a key into the config file")
		}
		v, ok := lookupEnv(m[1])
		if !ok || strings.TrimSpace(v) == "" {
			return nil, "", fmt.Errorf("key comes from ${%s}, which is not set or empty (set it as a secret in the CI job)", m[1])
		}
		raw, from = v, "${"+m[1]+"}"
	case f.KeyFile != "":
		b, err := ReadKeyFile(f.KeyFile)
		if err != nil {
			return nil, "", err
		}
		raw, from = string(b), "key_file "+f.KeyFile
	default:
		return nil, "", errors.New("a key is required: key: ${FILECOIN_KEY} or key_file: PATH (the hex private key of the paying wallet)")
	}
	k, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(raw), "0x"))
	if err != nil {
		return nil, "", fmt.Errorf("the key from %s is not a hex secp256k1 private key", from) // no detail: it could echo the key
	}
	return k, from, nil
}

// ReadKeyFile reads a key file: a regular file (not a device, a pipe or a
// folder) of at most 4 KiB.
func ReadKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read key_file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read key_file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("key_file %s is not a regular file", path)
	}
	if fi.Size() > maxKeyFile {
		return nil, fmt.Errorf("key_file %s is %d bytes; a key file holds one hex key (at most %d bytes)", path, fi.Size(), maxKeyFile)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil || len(b) > maxKeyFile {
		return nil, fmt.Errorf("cannot read key_file %s", path)
	}
	return b, nil
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
