package config

import (
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/goccy/go-yaml/ast"
)

// ENS is the ens: section: where and how the name is pointed at a bundle.
// Commands apply it below their flags and DAPP_PUBLISH_* variables (a flag
// given on the command line wins).
//
//	ens: {name: app.eth, rpc: "${ETH_RPC_URL}", chain_id: 1, via: safe, safe: "0x...",
//	      confirmations: 2, confirm_timeout: 10m}
type ENS struct {
	Name string `yaml:"name"`
	// RPC is the Ethereum JSON-RPC URL; it usually carries an API key, so
	// write it as ${ETH_RPC_URL}.
	RPC            string        `yaml:"rpc"`
	Registry       string        `yaml:"registry"`
	NameWrapper    string        `yaml:"name_wrapper"`
	ChainID        uint64        `yaml:"chain_id"`
	Via            string        `yaml:"via"` // key, safe or calldata
	Safe           string        `yaml:"safe"`
	SafeService    string        `yaml:"safe_service"`
	Content        string        `yaml:"content"` // ipfs or arweave: what publish points the name at
	Confirmations  uint64        `yaml:"confirmations"`
	ConfirmTimeout time.Duration `yaml:"confirm_timeout"`

	Line int `yaml:"-"` // line of the section
}

var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

func (v *validator) ens() (*ENS, error) {
	errAt := func(key, format string, a ...any) error {
		line := lineOf(v.ast, "$.ens."+key)
		if line == 0 {
			line = lineOf(v.ast, "$.ens")
		}
		return &Error{Path: v.path, Line: line, Msg: "ens: " + fmt.Sprintf(format, a...)}
	}
	m, ok := nodeAt(v.ast, "$.ens").(*ast.MappingNode)
	if !ok {
		return nil, errAt("", "must be a mapping like {name: app.eth, rpc: \"${ETH_RPC_URL}\"}")
	}
	for _, mv := range m.Values {
		k := mv.Key.String()
		if err := v.expandNode(mv.Value); err != nil {
			return nil, errAt(k, "%s %v", k, err)
		}
	}
	out := &ENS{Line: lineOf(v.ast, "$.ens")}
	if err := v.decode(m, out); err != nil {
		return nil, &Error{Path: v.path, Line: max(errorLine(err), out.Line), Msg: "ens: " + yamlMessage(err)}
	}
	return out, out.check(errAt)
}

func (c *ENS) check(errAt func(key, format string, a ...any) error) error {
	if c.RPC != "" {
		u, err := url.Parse(c.RPC)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss") {
			return errAt("rpc", "rpc %s is not an http(s) or ws(s) URL", redact.URL(c.RPC))
		}
	}
	for _, f := range []struct{ key, v string }{{"registry", c.Registry}, {"name_wrapper", c.NameWrapper}, {"safe", c.Safe}} {
		if f.v != "" && !hexAddress.MatchString(f.v) {
			return errAt(f.key, "%s %q is not a 0x-prefixed 20-byte hex address", f.key, f.v)
		}
	}
	switch c.Via {
	case "", "key", "safe", "calldata":
	default:
		return errAt("via", "via must be key, safe or calldata, not %q", c.Via)
	}
	switch c.Content {
	case "", "ipfs", "arweave":
	default:
		return errAt("content", "content must be ipfs or arweave, not %q", c.Content)
	}
	if c.ConfirmTimeout < 0 {
		return errAt("confirm_timeout", "confirm_timeout cannot be negative")
	}
	return nil
}
