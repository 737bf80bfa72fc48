// Package config reads dapp-publish.yaml: it parses the YAML, expands
// ${ENV} references, reads *_file secrets, validates every entry with errors
// that carry the file name and line, and redacts secrets from anything the
// program prints. It is the one place that knows where settings and secrets
// come from.
//
// Precedence (flags > DAPP_PUBLISH_* environment > config file > defaults)
// is applied by the command line on top of what Load returns.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	Publish   Publish    // quorum:, verify: and ens: (publish.go)

	secrets secretList // every secret value, for Redact
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

// file is the YAML shape.
type file struct {
	Site      string         `yaml:"site"`
	Profile   string         `yaml:"profile"`
	Providers []rawProvider  `yaml:"providers"`
	Quorum    map[string]int `yaml:"quorum"`
	Verify    rawVerify      `yaml:"verify"`
	ENS       *rawENS        `yaml:"ens"`
}

// Options tell Load what it cannot know itself.
type Options struct {
	// KnownTypes are the provider types the program can build; an entry
	// with any other type is an error. Empty: not checked.
	KnownTypes []string
	// LookupEnv resolves ${VAR}; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile reads *_file secrets; nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
}

// Load reads and validates the config file at path.
func Load(path string, opts Options) (*Config, error) {
	data, err := os.ReadFile(path)
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
		opts.ReadFile = os.ReadFile
	}
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, &Error{Path: path, Line: errorLine(err), Msg: yamlMessage(err)}
	}
	ast, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	v := &validator{path: path, dir: filepath.Dir(path), ast: ast, opts: opts}
	c := &Config{Path: path, Site: f.Site, Profile: f.Profile}
	for i, rp := range f.Providers {
		p, err := v.provider(i, rp)
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
	c.secrets = v.secrets
	return c, nil
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

// Redact replaces every secret the config loaded (tokens, file secrets) in s
// with [REDACTED]. Everything printed while a config is loaded goes through
// it: holders sometimes echo a token back in an error.
func (c *Config) Redact(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "[REDACTED]")
	}
	return s
}

// RedactError is Redact for an error's text, keeping the error chain.
func (c *Config) RedactError(err error) error {
	if err == nil {
		return nil
	}
	if r := c.Redact(err.Error()); r != err.Error() {
		return &redacted{msg: r, err: err}
	}
	return err
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

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
