package main

import (
	"crypto/ecdsa"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/urfave/cli/v2"
)

// Environment variables holding secrets. Secrets never come from flags.
const (
	envENSKey     = "DAPP_PUBLISH_ENS_KEY"
	envSafeAPIKey = "DAPP_PUBLISH_SAFE_API_KEY"
)

// ensConnFlags are the flags of every command that reads ENS (ens get, set
// and history, verify and serve with a NAME): one set, read by dialENS.
// The RPC URL often carries an API key, so it also comes from ETH_RPC_URL
// (or the config's ens.rpc) and is never printed whole.
func ensConnFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "rpc", EnvVars: []string{"ETH_RPC_URL"}, Usage: "Ethereum JSON-RPC `URL` (env ETH_RPC_URL, or ens.rpc in the config; prefer those when the URL holds an API key)"},
		&cli.StringFlag{Name: "registry", Usage: "ENS registry `ADDRESS` (default: " + ens.DefaultRegistry.Hex() + ", the same on mainnet and Sepolia)"},
		&cli.StringFlag{Name: "name-wrapper", Usage: "NameWrapper `ADDRESS` (default: the official one on mainnet and Sepolia, none elsewhere)"},
	}
}

// ensSettings are the ENS settings of a run after precedence: a flag given
// on the command line (or its environment variable) wins over the config
// file's ens: section, which wins over the defaults.
type ensSettings struct {
	name           string // ens.name (publish); commands that take NAME set it
	rpc            string
	registry       common.Address
	nameWrapper    *common.Address
	chainID        uint64
	confirmations  uint64
	confirmTimeout time.Duration
	via            string
	safe           string
	safeService    string
	keyFile        string // --key-file, or ens.key_file (read by loadKey)
	out            string // --out, or ens.out: where calldata files go
	content        string // ens.content: ipfs (default) or arweave
}

// ensConfigSection loads the ens: section of the config file, if there is
// one (--config, or dapp-publish.yaml in the current folder). Provider
// entries are not checked: reading ENS needs none of their secrets.
func ensConfigSection(c *cli.Context) (*config.ENS, error) {
	explicit := ""
	if hasFlag(c, "config") {
		explicit = c.String("config")
	}
	path, err := config.Discover(explicit, ".")
	if errors.Is(err, config.ErrNoFile) {
		return nil, nil
	}
	cfg, err := config.Load(path, config.Options{SkipProviders: true})
	if err != nil {
		return nil, usageErr("fix the ens: section of the config file, or pass --config", "%v", err)
	}
	addConfigSecrets(c, cfg)
	return cfg.ENS, nil
}

// resolveENSSettings applies flags over the config's ens: section (loaded
// here) over defaults.
func resolveENSSettings(c *cli.Context) (*ensSettings, error) {
	sec, err := ensConfigSection(c)
	if err != nil {
		return nil, err
	}
	return resolveENSSettingsFrom(c, sec)
}

// resolveENSSettingsFrom applies the command's flags (those it has) over
// sec (nil: no ens: section) over the defaults: chain 1, via key,
// defaultConfirmTimeout, content ipfs. Every command that touches ENS
// resolves its settings here.
func resolveENSSettingsFrom(c *cli.Context, sec *config.ENS) (*ensSettings, error) {
	if sec == nil {
		sec = &config.ENS{}
	}
	var err error
	s := &ensSettings{
		name:           sec.Name,
		keyFile:        sec.KeyFile,
		out:            pick(c, "out", sec.Out),
		content:        sec.Content,
		rpc:            pick(c, "rpc", sec.RPC),
		chainID:        sec.ChainID,
		confirmations:  sec.Confirmations,
		confirmTimeout: sec.ConfirmTimeout,
		via:            pick(c, "via", sec.Via),
		safe:           pick(c, "safe", sec.Safe),
		safeService:    pick(c, "safe-service", sec.SafeService),
	}
	if s.registry, err = addressSetting(c, "registry", sec.Registry, ens.DefaultRegistry); err != nil {
		return nil, err
	}
	if nw := pick(c, "name-wrapper", sec.NameWrapper); nw != "" {
		a, err := parseAddress("name-wrapper", nw)
		if err != nil {
			return nil, err
		}
		s.nameWrapper = &a
	}
	if hasFlag(c, "chain-id") && (c.IsSet("chain-id") || s.chainID == 0) {
		s.chainID = c.Uint64("chain-id")
	}
	if hasFlag(c, "confirmations") && c.IsSet("confirmations") {
		s.confirmations = c.Uint64("confirmations")
	}
	if hasFlag(c, "confirm-timeout") && (c.IsSet("confirm-timeout") || s.confirmTimeout == 0) {
		s.confirmTimeout = c.Duration("confirm-timeout")
	}
	if s.via == "" {
		s.via = "key"
	}
	if s.chainID == 0 {
		s.chainID = 1 // writes refuse any other chain unless told
	}
	if s.confirmTimeout == 0 {
		s.confirmTimeout = defaultConfirmTimeout
	}
	if s.out == "" {
		s.out = "."
	}
	if s.content == "" {
		s.content = "ipfs"
	}
	return s, nil
}

// pick returns the flag's value when it was given (on the command line or
// through its environment variable), else the config's. An empty value
// does not count as given: in GitHub Actions an unset secret mapped to
// ETH_RPC_URL arrives as "", which must not hide ens.rpc.
func pick(c *cli.Context, flag, fromConfig string) string {
	if hasFlag(c, flag) && c.IsSet(flag) && c.String(flag) != "" {
		return c.String(flag)
	}
	if fromConfig != "" {
		return fromConfig
	}
	if hasFlag(c, flag) {
		return c.String(flag) // the flag's default
	}
	return ""
}

func hasFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

func addressSetting(c *cli.Context, flag, fromConfig string, def common.Address) (common.Address, error) {
	s := pick(c, flag, fromConfig)
	if s == "" {
		return def, nil
	}
	return parseAddress(flag, s)
}

func parseAddress(name, s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, usageErr("pass a 0x-prefixed 20-byte hex address", "--%s %q is not an address", name, s)
	}
	return common.HexToAddress(s), nil
}

// dialENS connects to ENS as the settings say: the one ENS client set-up of
// every command (ens.Dial: RPC without its credentials in any message,
// chain-id check when chainID is not 0, registry, NameWrapper).
func dialENS(c *cli.Context, s *ensSettings, chainID uint64) (*ens.Conn, error) {
	if s.rpc == "" {
		return nil, usageErr("pass --rpc URL or set ETH_RPC_URL (or ens.rpc in the config) to an Ethereum JSON-RPC endpoint (mainnet for .eth names)",
			"resolving an ENS name needs an Ethereum RPC endpoint, and none is set")
	}
	addURLSecrets(c, s.rpc)
	conn, err := ens.Dial(c.Context, ens.DialOptions{RPC: s.rpc, Registry: s.registry, NameWrapper: s.nameWrapper, ChainID: chainID})
	if err != nil {
		return nil, ensError(err)
	}
	return conn, nil
}

// rpcShown is the RPC URL fit for a message.
func rpcShown(s *ensSettings) string { return redact.URL(s.rpc) }

// loadKey reads the signing key: from $DAPP_PUBLISH_ENS_KEY or the
// command's --key-file, else from cfgFile (ens.key_file), through package
// secret (a regular file of at most 64 KiB). The key is registered as a
// secret of the run (scrubbed in every spelling, masked in GitHub Actions)
// before anything else is printed, and never quoted in an error. It is the
// one key loader of every command that signs.
func loadKey(c *cli.Context, cfgFile string) (*ecdsa.PrivateKey, error) {
	file := ""
	if hasFlag(c, "key-file") {
		file = c.String("key-file")
	}
	envSet := strings.TrimSpace(os.Getenv(envENSKey)) != ""
	var v secret.Value
	var err error
	switch {
	case envSet && file != "":
		return nil, usageErr("unset "+envENSKey+" or drop --key-file", "both %s and --key-file are set; which key to use is ambiguous", envENSKey)
	case file != "" || (!envSet && cfgFile != ""):
		if file == "" {
			file = cfgFile
		}
		if v, err = secret.FromFile(file); err != nil {
			return nil, usageErr("pass a regular file that holds the hex private key", "failed to read the key file: %v", err)
		}
	case envSet:
		if v, err = secret.FromEnv(envENSKey, nil); err != nil {
			return nil, usageErr("the key must be 64 hex characters (32 bytes), optionally 0x-prefixed", "the signing key is not a valid hex private key")
		}
	default:
		return nil, usageErr("set "+envENSKey+" (hex private key) or pass --key-file PATH (or ens.key_file in the config), or use --via calldata / ens.via: calldata to sign nothing",
			"no signing key")
	}
	addSecret(c, v.Expose()) // and its other spellings (internal/redact)
	key, err := crypto.HexToECDSA(strings.TrimPrefix(v.Expose(), "0x"))
	if err != nil {
		// The parse error may quote the input: do not wrap it.
		return nil, usageErr("the key must be 64 hex characters (32 bytes), optionally 0x-prefixed", "the signing key is not a valid hex private key")
	}
	return key, nil
}

// safeAPIKey reads $DAPP_PUBLISH_SAFE_API_KEY (optional) and registers it.
func safeAPIKey(c *cli.Context) (string, error) {
	if strings.TrimSpace(os.Getenv(envSafeAPIKey)) == "" {
		return "", nil
	}
	v, err := secret.FromEnv(envSafeAPIKey, nil)
	if err != nil {
		return "", usageErr("set it to the API key from developer.safe.global, or unset it", "%v", err)
	}
	addSecret(c, v.Expose())
	return v.Expose(), nil
}
