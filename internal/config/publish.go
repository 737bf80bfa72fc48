package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// rawVerify and rawENS are the verify: and ens: sections as written.
type rawVerify struct {
	Gateways []string `yaml:"gateways"`
	Timeout  string   `yaml:"timeout"`
}

type rawENS struct {
	Name          string `yaml:"name"`
	RPC           string `yaml:"rpc"`
	ChainID       uint64 `yaml:"chain_id"`
	Via           string `yaml:"via"`
	Safe          string `yaml:"safe"`
	SafeService   string `yaml:"safe_service"`
	Registry      string `yaml:"registry"`
	NameWrapper   string `yaml:"name_wrapper"`
	Confirmations *int   `yaml:"confirmations"`
	KeyFile       string `yaml:"key_file"`
	Content       string `yaml:"content"`
	Out           string `yaml:"out"`
}

// Publish is what publish and rollback read besides the providers.
type Publish struct {
	// Quorum is the minimum number of verified holders per network
	// (ipfs, arweave, filecoin) and of verified gateways (gateways).
	// A network without an entry needs all of its holders.
	Quorum map[string]int
	// Gateways are trustless gateways checked besides the holders.
	Gateways []string
	// VerifyTimeout bounds each source's fetch of the whole bundle.
	VerifyTimeout time.Duration
	// ENS is nil when the file has no ens: section.
	ENS *ENS
}

// ENS is the ens: section.
type ENS struct {
	Name          string
	RPC           string // may hold an API key: it is redacted like a token
	ChainID       uint64 // default 1
	Via           string // key (default), safe or calldata
	Safe          string
	SafeService   string
	Registry      string // "" = the mainnet registry address
	NameWrapper   string
	Confirmations uint64 // default 2
	KeyFile       string // the signer's key file; otherwise $DAPP_PUBLISH_ENS_KEY
	Content       string // what the name points at: ipfs (default)
	Out           string // where --via calldata writes its files (default .)
	Line          int
}

// Defaults of the publish sections.
const (
	DefaultVerifyTimeout = 5 * time.Minute
	DefaultChainID       = 1
	DefaultConfirmations = 2
)

var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// publish validates the quorum:, verify: and ens: sections.
func (v *validator) publish(f file) (Publish, error) {
	p := Publish{Quorum: map[string]int{}, VerifyTimeout: DefaultVerifyTimeout}
	for net, n := range f.Quorum {
		switch net {
		case "ipfs", "arweave", "filecoin", "gateways":
		default:
			return p, v.errAtPath("$.quorum."+net, "quorum: unknown network %q (use ipfs, arweave, filecoin or gateways)", net)
		}
		if n < 0 {
			return p, v.errAtPath("$.quorum."+net, "quorum: %s: %d is negative", net, n)
		}
		p.Quorum[net] = n
	}
	for i, g := range f.Verify.Gateways {
		s, err := v.expandAt(fmt.Sprintf("$.verify.gateways[%d]", i), "verify.gateways", g)
		if err != nil {
			return p, err
		}
		if !httpURL(s) {
			return p, v.errAtPath(fmt.Sprintf("$.verify.gateways[%d]", i), "verify.gateways: %q is not an http(s) URL", s)
		}
		p.Gateways = append(p.Gateways, strings.TrimRight(s, "/"))
	}
	if f.Verify.Timeout != "" {
		d, err := time.ParseDuration(f.Verify.Timeout)
		if err != nil || d <= 0 {
			return p, v.errAtPath("$.verify.timeout", "verify.timeout %q is not a positive duration like 90s or 10m", f.Verify.Timeout)
		}
		p.VerifyTimeout = d
	}
	if f.ENS != nil {
		e, err := v.ens(*f.ENS)
		if err != nil {
			return p, err
		}
		p.ENS = &e
	}
	return p, nil
}

func (v *validator) ens(r rawENS) (ENS, error) {
	e := ENS{ChainID: r.ChainID, Via: r.Via, Content: r.Content, Confirmations: DefaultConfirmations, Line: lineOf(v.ast, "$.ens")}
	if e.ChainID == 0 {
		e.ChainID = DefaultChainID
	}
	if strings.TrimSpace(r.Name) == "" {
		return e, v.errAtPath("$.ens", "ens: name is required (the name to point at the site, e.g. app.eth)")
	}
	e.Name = strings.TrimSpace(r.Name)
	var err error
	if e.RPC, err = v.expandAt("$.ens.rpc", "ens.rpc", r.RPC); err != nil {
		return e, err
	}
	if e.RPC == "" {
		return e, v.errAtPath("$.ens", `ens: rpc is required (an Ethereum JSON-RPC URL, e.g. "${ETH_RPC_URL}")`)
	}
	if !httpURL(e.RPC) && !strings.HasPrefix(e.RPC, "ws") {
		return e, v.errAtPath("$.ens.rpc", "ens.rpc is not an http(s) or ws(s) URL")
	}
	v.rpcSecrets(e.RPC)
	switch e.Via {
	case "":
		e.Via = "key"
	case "key", "safe", "calldata":
	default:
		return e, v.errAtPath("$.ens.via", "ens.via must be key, safe or calldata, not %q", e.Via)
	}
	switch e.Content {
	case "", "ipfs":
		e.Content = "ipfs"
	default:
		return e, v.errAtPath("$.ens.content", "ens.content %q is not supported yet (ipfs)", e.Content)
	}
	if r.Confirmations != nil {
		if *r.Confirmations < 1 {
			return e, v.errAtPath("$.ens.confirmations", "ens.confirmations must be at least 1")
		}
		e.Confirmations = uint64(*r.Confirmations)
	}
	for _, a := range []struct {
		key, in string
		out     *string
	}{{"safe", r.Safe, &e.Safe}, {"registry", r.Registry, &e.Registry}, {"name_wrapper", r.NameWrapper, &e.NameWrapper}} {
		s, err := v.expandAt("$.ens."+a.key, "ens."+a.key, a.in)
		if err != nil {
			return e, err
		}
		if s != "" && !hexAddress.MatchString(s) {
			return e, v.errAtPath("$.ens."+a.key, "ens.%s %q is not a 0x-prefixed 20-byte address (write it in quotes, or YAML reads 0x... as a number)", a.key, s)
		}
		*a.out = s
	}
	if e.Via == "safe" && e.Safe == "" {
		return e, v.errAtPath("$.ens.via", "ens: via safe needs safe: (the Safe's address)")
	}
	if e.SafeService, err = v.expandAt("$.ens.safe_service", "ens.safe_service", r.SafeService); err != nil {
		return e, err
	}
	if e.SafeService != "" && !httpURL(e.SafeService) {
		return e, v.errAtPath("$.ens.safe_service", "ens.safe_service is not an http(s) URL")
	}
	if e.KeyFile, err = v.expandAt("$.ens.key_file", "ens.key_file", r.KeyFile); err != nil {
		return e, err
	}
	if e.KeyFile != "" && !filepath.IsAbs(e.KeyFile) {
		e.KeyFile = filepath.Join(v.dir, e.KeyFile)
	}
	if e.Out, err = v.expandAt("$.ens.out", "ens.out", r.Out); err != nil {
		return e, err
	}
	return e, nil
}

// rpcSecrets keeps the parts of an RPC URL that usually hold an API key
// (path, query, password) out of everything printed.
func (v *validator) rpcSecrets(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		v.secrets = append(v.secrets, raw)
		return
	}
	if p, ok := u.User.Password(); ok && len(p) >= 4 {
		v.secrets = append(v.secrets, p)
	}
	for _, s := range []string{strings.Trim(u.EscapedPath(), "/"), u.RawQuery} {
		if len(s) >= 8 {
			v.secrets = append(v.secrets, s)
		}
	}
}

// expandAt is expand for a value outside the providers list.
func (v *validator) expandAt(path, key, s string) (string, error) {
	var missing string
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		val, ok := v.opts.LookupEnv(name)
		if !ok && missing == "" {
			missing = name
		}
		return val
	})
	if missing != "" {
		return "", v.errAtPath(path, "%s uses ${%s}, which is not set", key, missing)
	}
	return out, nil
}

func (v *validator) errAtPath(path, format string, a ...any) error {
	return &Error{Path: v.path, Line: lineOf(v.ast, path), Msg: fmt.Sprintf(format, a...)}
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
