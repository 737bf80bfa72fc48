// Package config reads dapp-publish.yaml: it parses the YAML, expands
// ${ENV} references, reads *_file secrets, validates every entry with errors
// that carry the file name and line, and reports every secret it met so the
// program can scrub them from its output. It is the one place that knows
// where settings and secrets come from.
//
// A provider entry has common keys (name, type, timeout, retries,
// concurrency), handled here, and keys of its own, decoded into the typed
// settings its package registers (pin.Register; see pin/doc.go): strictly,
// with ${VAR} expanded in every string, and with every field of type
// secret.Value read from KEY: ${VAR} or KEY_file: PATH. A new provider type
// gets all of that, and line-numbered errors, by declaring its settings.
//
// Precedence (flags > DAPP_PUBLISH_* environment > config file > defaults)
// is applied by the command line on top of what Load returns.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// DefaultFile is the config file looked for when none is named.
const DefaultFile = "dapp-publish.yaml"

// Config is a loaded, validated configuration.
type Config struct {
	Path      string     // the file it came from
	Site      string     // the site folder
	Profile   string     // the CID profile name
	Providers []Provider // in file order
	Publish   Publish    // quorum: and verify: (publish.go)
	ENS       *ENS       // the ens: section; nil when absent (ens.go)

	secrets secretList // every secret value, for Secrets and Redact
	urls    []string   // values with an expanded ${VAR} that are URLs
}

// secretList holds the secret values; Config's String and GoString keep
// them out of any print of a Config (%v, %+v, %#v, a debug dump).
type secretList []string

// String describes the config without secrets.
func (c Config) String() string {
	var ps []string
	for _, p := range c.Providers {
		ps = append(ps, p.String())
	}
	return fmt.Sprintf("config %s: site=%q profile=%q providers=[%s]", c.Path, c.Site, c.Profile, strings.Join(ps, "; "))
}

// GoString is String for %#v.
func (c Config) GoString() string { return c.String() }

// Secrets returns every secret the config resolved: tokens and other
// secret fields (from ${VAR} or KEY_file), and the value of every ${VAR}
// expanded anywhere in the file. The caller scrubs them from all output
// (internal/redact) and masks them in GitHub Actions.
func (c *Config) Secrets() []string { return slices.Clone(c.secrets) }

// URLs returns the values built with an expanded ${VAR} that are URLs (an
// endpoint, an RPC URL), so the caller can print them in redacted form.
func (c *Config) URLs() []string { return slices.Clone(c.urls) }

// file is the YAML shape. Providers and ens are decoded from the syntax
// tree (entry by entry, with lines); quorum and verify in publish.go.
type file struct {
	Site      string           `yaml:"site"`
	Profile   string           `yaml:"profile"`
	Providers []map[string]any `yaml:"providers"`
	Quorum    map[string]int   `yaml:"quorum"`
	Verify    rawVerify        `yaml:"verify"`
	ENS       map[string]any   `yaml:"ens"`
}

// Options tell Load what it cannot know itself.
type Options struct {
	// Registry lists the provider types the program can build and their
	// settings; an entry of any other type is an error. Required when the
	// file lists providers.
	Registry *pin.Registry
	// LookupEnv resolves ${VAR}; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile reads KEY_file secrets; nil means secret.ReadFile, which
	// reads only regular files of bounded size.
	ReadFile func(string) ([]byte, error)
	// SkipProviders leaves the providers: list unchecked (and Providers
	// empty), for commands that need only the other sections and none of
	// the providers' secrets.
	SkipProviders bool
	// SkipENS leaves the ens: section unchecked (and ENS nil), for commands
	// that do not touch ENS: a ${ETH_RPC_URL} it uses need not be set.
	SkipENS bool
}

// Load reads and validates the config file at path.
func Load(path string, opts Options) (*Config, error) {
	data, err := secret.ReadFile(path) // a regular file of bounded size, like a secret
	if err != nil {
		return nil, fmt.Errorf("failed to read config: %w", err)
	}
	return Parse(path, data, opts)
}

// Parse validates config file contents; path names the file in errors and
// anchors relative *_file paths.
func Parse(path string, data []byte, opts Options) (*Config, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.ReadFile == nil {
		opts.ReadFile = secret.ReadFile
	}
	if opts.Registry == nil {
		opts.Registry = pin.NewRegistry()
	}
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, &Error{Path: path, Line: errorLine(err), Msg: yamlMessage(err)}
	}
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	v := &validator{path: path, dir: filepath.Dir(path), ast: tree, opts: opts}
	c := &Config{Path: path, Site: f.Site, Profile: f.Profile}
	for i := range f.Providers {
		if opts.SkipProviders {
			break
		}
		p, err := v.provider(i, nodeAt(tree, fmt.Sprintf("$.providers[%d]", i)))
		if err != nil {
			return nil, err
		}
		c.Providers = append(c.Providers, p)
	}
	if err := v.unique(c.Providers); err != nil {
		return nil, err
	}
	if c.Publish, err = v.publish(f); err != nil {
		return nil, err
	}
	if f.ENS != nil && !opts.SkipENS {
		if c.ENS, err = v.ens(); err != nil {
			return nil, err
		}
	}
	c.secrets, c.urls = v.secrets, v.urls
	return c, nil
}

// validator carries what checking one file needs, and collects the secrets
// met on the way.
type validator struct {
	path, dir string
	ast       *ast.File
	opts      Options
	secrets   []string
	urls      []string
}

func (v *validator) addSecret(s string) {
	if !slices.Contains(v.secrets, s) {
		v.secrets = append(v.secrets, s)
	}
}

// expand replaces ${VAR} in s. Every value it puts in is a secret: the
// environment is where CI keeps credentials, and a value that is not secret
// can be written into the file itself. So an unset variable, and a value
// too short to scrub from output without garbling it, are errors; a value
// that makes s a URL has s recorded for printing in redacted form.
func (v *validator) expand(s string) (string, error) {
	var problem error
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		val, ok := v.opts.LookupEnv(name)
		switch {
		case problem != nil:
		case !ok:
			problem = fmt.Errorf("uses ${%s}, which is not set", name)
		case len(val) < secret.MinLength:
			problem = fmt.Errorf("uses ${%s}, which is %d characters long: values from the environment are handled as secrets, and one shorter than %d cannot be kept out of logs (write a value that is not secret into the file itself)", name, len(val), secret.MinLength)
		default:
			v.addSecret(val)
		}
		return val
	})
	if problem != nil {
		return "", problem
	}
	if out != s && looksLikeURL(out) && !slices.Contains(v.urls, out) {
		v.urls = append(v.urls, out)
	}
	return out, nil
}

func looksLikeURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// expandNode expands ${VAR} in every string value below n, in place.
func (v *validator) expandNode(n ast.Node) error {
	switch n := n.(type) {
	case *ast.StringNode:
		s, err := v.expand(n.Value)
		n.Value = s
		return err
	case *ast.MappingNode:
		for _, mv := range n.Values {
			if err := v.expandNode(mv.Value); err != nil {
				return err
			}
		}
	case *ast.MappingValueNode:
		return v.expandNode(n.Value)
	case *ast.SequenceNode:
		for _, item := range n.Values {
			if err := v.expandNode(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// decode decodes a node strictly into out.
func (v *validator) decode(n ast.Node, out any) error {
	return yaml.NodeToValue(n, out, yaml.Strict())
}

// nodeAt returns the node at a YAML path, or nil.
func nodeAt(f *ast.File, path string) ast.Node {
	p, err := yaml.PathString(path)
	if err != nil {
		return nil
	}
	n, err := p.FilterFile(f)
	if err != nil {
		return nil
	}
	return n
}

// Error is a config problem at a line of the file.
type Error struct {
	Path string
	Line int // 0: unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// errorLine extracts the line from a go-yaml error ("[3:5] ...").
func errorLine(err error) int {
	var line, col int
	if _, scanErr := fmt.Sscanf(yaml.FormatError(err, false, false), "[%d:%d]", &line, &col); scanErr == nil {
		return line
	}
	return 0
}

// yamlMessage is go-yaml's message without its position prefix and source
// excerpt (we print our own position).
func yamlMessage(err error) string {
	msg := yaml.FormatError(err, false, false)
	if i := strings.Index(msg, "] "); strings.HasPrefix(msg, "[") && i > 0 {
		msg = msg[i+2:]
	}
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// lineOf returns the line of the node at a YAML path like
// $.providers[2].type, or 0.
func lineOf(f *ast.File, path string) int {
	p, err := yaml.PathString(path)
	if err != nil {
		return 0
	}
	n, err := p.FilterFile(f)
	if err != nil || n == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// Redact replaces every secret the config loaded in s with [REDACTED]
// (and its encodings, see internal/redact). Commands scrub all their output
// through one redact.Set instead; Redact serves callers with a string in
// hand.
func (c *Config) Redact(s string) string { return c.redactor().String(s) }

// RedactError is Redact for an error's text, keeping the error chain.
func (c *Config) RedactError(err error) error { return c.redactor().Error(err) }

func (c *Config) redactor() *redact.Set {
	var set redact.Set
	for _, s := range c.secrets {
		set.Add(s)
	}
	for _, u := range c.urls {
		set.AddURL(u)
	}
	return &set
}

// Find returns the provider entries named in names, in the order given, or
// all of them when names is empty.
func (c *Config) Find(names []string) ([]Provider, error) {
	if len(names) == 0 {
		return c.Providers, nil
	}
	var out []Provider
	for _, n := range names {
		i := c.index(n)
		if i < 0 {
			return nil, fmt.Errorf("no provider named %q in %s (configured: %s)", n, c.Path, strings.Join(c.names(), ", "))
		}
		out = append(out, c.Providers[i])
	}
	return out, nil
}

func (c *Config) index(name string) int {
	for i, p := range c.Providers {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func (c *Config) names() []string {
	var ns []string
	for _, p := range c.Providers {
		ns = append(ns, p.Name)
	}
	return ns
}

// ErrNoFile is returned by Discover when no config file exists.
var ErrNoFile = errors.New("no config file")

// Discover returns the config file to use: explicit if set, otherwise
// DefaultFile in dir when it exists.
func Discover(explicit, dir string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	p := filepath.Join(dir, DefaultFile)
	if _, err := os.Stat(p); err != nil {
		return "", ErrNoFile
	}
	return p, nil
}
