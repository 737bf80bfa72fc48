package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/goccy/go-yaml/ast"
)

// ENS is the ens: section: which name points at the site, and how it is
// pointed. It is the one decoding of the section, for every command that
// reads it (ens get, set and history, publish, rollback, history, verify
// and serve with a name). Every key is optional here; a command that needs
// one asks with Need, so the error points at the file and line. Commands
// apply the section below their flags and DAPP_PUBLISH_* variables (a flag
// given on the command line wins) and fill the defaults.
//
//	ens:
//	  name: app.eth
//	  rpc: "${ETH_RPC_URL}"
//	  chain_id: 1
//	  via: safe
//	  safe: "0x..."
//	  confirmations: 2
//	  confirm_timeout: 10m
type ENS struct {
	// Name is the ENS name publish points at the site (rollback and the
	// ens commands take it as an argument instead).
	Name string `yaml:"name"`
	// RPC is the Ethereum JSON-RPC URL; it usually carries an API key, so
	// write it as ${ETH_RPC_URL}.
	RPC string `yaml:"rpc"`
	// ChainID is the chain the RPC must serve (0: the command's default,
	// 1 for writes).
	ChainID     uint64 `yaml:"chain_id"`
	Via         string `yaml:"via"` // key, safe or calldata ("": key)
	Safe        string `yaml:"safe"`
	SafeService string `yaml:"safe_service"`
	Registry    string `yaml:"registry"`
	NameWrapper string `yaml:"name_wrapper"`
	// Confirmations is the blocks a sent transaction waits for, counting
	// its own (0: 1 on dev chains, 2 elsewhere).
	Confirmations uint64 `yaml:"confirmations"`
	// ConfirmTimeout bounds that wait (0: the command's default).
	ConfirmTimeout time.Duration `yaml:"confirm_timeout"`
	// KeyFile is the signer's key file, relative to the config file's
	// folder; it is read (as a secret) only by a run that signs.
	KeyFile string `yaml:"key_file"`
	// Out is where via calldata writes its files, relative to the config
	// file's folder ("": the current folder).
	Out string `yaml:"out"`
	// Content is what publish points the name at: ipfs ("": ipfs) or arweave.
	Content string `yaml:"content"`

	Line int `yaml:"-"` // line of the section

	path  string         // the config file, for Need
	lines map[string]int // line of each key present
}

// Need returns a config error at key's line (the section's when absent)
// when key is unset, naming what it is for; nil when it is set. Commands
// call it for the keys they cannot do without.
func (e *ENS) Need(key, what string) error {
	set := map[string]bool{"name": e.Name != "", "rpc": e.RPC != "", "safe": e.Safe != ""}[key]
	if set {
		return nil
	}
	return e.errAt(key, "ens: %s is required (%s)", key, what)
}

// Err returns a config error about key of the section, at its line.
func (e *ENS) Err(key, format string, a ...any) error { return e.errAt(key, format, a...) }

func (e *ENS) errAt(key, format string, a ...any) error {
	line := e.lines[key]
	if line == 0 {
		line = e.Line
	}
	return &Error{Path: e.path, Line: line, Msg: fmt.Sprintf(format, a...)}
}

var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// ensKeys are the section's keys, in the order the README lists them.
var ensKeys = []string{"name", "rpc", "chain_id", "via", "safe", "safe_service", "registry", "name_wrapper",
	"confirmations", "confirm_timeout", "key_file", "out", "content"}

func (v *validator) ens() (*ENS, error) {
	out := &ENS{Line: topKeyLine(v.ast, "ens"), path: v.path, lines: map[string]int{}}
	m, ok := nodeAt(v.ast, "$.ens").(*ast.MappingNode)
	if !ok {
		return nil, out.errAt("", "ens: must be a mapping like {name: app.eth, rpc: \"${ETH_RPC_URL}\"}")
	}
	for _, mv := range m.Values {
		k := mv.Key.String()
		out.lines[k] = mv.Key.GetToken().Position.Line
		known := false
		for _, e := range ensKeys {
			known = known || e == k
		}
		if !known {
			return nil, out.errAt(k, "ens: unknown key %q (the section takes: %s)", k, strings.Join(ensKeys, ", "))
		}
		if err := v.expandNode(mv.Value); err != nil {
			return nil, out.errAt(k, "ens.%s %v", k, err)
		}
	}
	if err := v.decode(m, out); err != nil {
		return nil, &Error{Path: v.path, Line: max(errorLine(err), out.Line), Msg: "ens: " + yamlMessage(err)}
	}
	if err := out.check(); err != nil {
		return nil, err
	}
	for _, p := range []*string{&out.KeyFile, &out.Out} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(v.dir, *p)
		}
	}
	return out, nil
}

func (e *ENS) check() error {
	if _, present := e.lines["name"]; present && strings.TrimSpace(e.Name) == "" {
		return e.errAt("name", "ens.name is empty (the name to point at the site, e.g. app.eth)")
	}
	e.Name = strings.TrimSpace(e.Name)
	if e.RPC != "" {
		u, err := url.Parse(e.RPC)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss") {
			return e.errAt("rpc", "ens.rpc %s is not an http(s) or ws(s) URL", redact.URL(e.RPC))
		}
	}
	if e.SafeService != "" {
		u, err := url.Parse(e.SafeService)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return e.errAt("safe_service", "ens.safe_service %s is not an http(s) URL", redact.URL(e.SafeService))
		}
	}
	for _, f := range []struct{ key, v string }{{"registry", e.Registry}, {"name_wrapper", e.NameWrapper}, {"safe", e.Safe}} {
		if f.v != "" && !hexAddress.MatchString(f.v) {
			return e.errAt(f.key, "ens.%s %q is not a 0x-prefixed 20-byte hex address (write it in quotes, or YAML reads 0x... as a number)", f.key, f.v)
		}
	}
	switch e.Via {
	case "", "key", "safe", "calldata":
	default:
		return e.errAt("via", "ens.via must be key, safe or calldata, not %q", e.Via)
	}
	if e.Via == "safe" && e.Safe == "" {
		return e.errAt("via", "ens: via safe needs safe: (the Safe's address)")
	}
	switch e.Content {
	case "", "ipfs", "arweave":
	default:
		return e.errAt("content", "ens.content must be ipfs or arweave, not %q", e.Content)
	}
	if _, present := e.lines["confirmations"]; present && e.Confirmations == 0 {
		return e.errAt("confirmations", "ens.confirmations must be at least 1 (the transaction's own block)")
	}
	if e.ConfirmTimeout < 0 {
		return e.errAt("confirm_timeout", "ens.confirm_timeout cannot be negative")
	}
	return nil
}

// topKeyLine is the line of a top-level key of the file (the "ens:" line
// itself, where $.ens would give the line of its first value), or 0.
func topKeyLine(f *ast.File, key string) int {
	for _, doc := range f.Docs {
		m, ok := doc.Body.(*ast.MappingNode)
		if !ok {
			continue
		}
		for _, mv := range m.Values {
			if mv.Key.String() == key {
				return mv.Key.GetToken().Position.Line
			}
		}
	}
	return 0
}
