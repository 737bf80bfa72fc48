package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/lighthouse"
	"github.com/goccy/go-yaml/ast"
)

// rawProvider is one entry under providers: as written.
type rawProvider struct {
	Name      string `yaml:"name"`
	Type      string `yaml:"type"`
	Endpoint  string `yaml:"endpoint"`
	Gateway   string `yaml:"gateway"`
	Token     string `yaml:"token"`
	TokenFile string `yaml:"token_file"`
	Auth      string `yaml:"auth"`

	PinName        string            `yaml:"pin_name"`
	ReplicationMin int               `yaml:"replication_min"`
	ReplicationMax int               `yaml:"replication_max"`
	Keep           int               `yaml:"keep"`
	Provide        bool              `yaml:"provide"`
	Origins        []string          `yaml:"origins"`
	Meta           map[string]string `yaml:"meta"`

	Timeout      string `yaml:"timeout"`       // per attempt, e.g. "10m"
	Retries      *int   `yaml:"retries"`       // attempts after the first
	Concurrency  int    `yaml:"concurrency"`   // parallel calls to this holder
	PollInterval string `yaml:"poll_interval"` // cluster, psa
	WaitTimeout  string `yaml:"wait_timeout"`  // cluster, psa: how long to wait for "pinned"

	// Settings of provider types other commands own (arweave, filecoin).
	WalletFile string `yaml:"wallet_file"`

	// arweave (see arweave.go; pin/arweave.Config checks them).
	Wallet        string `yaml:"wallet"`
	Uploader      string `yaml:"uploader"`
	Index         string `yaml:"index"`
	Fallback      string `yaml:"fallback"`
	Confirmations int    `yaml:"confirmations"`

	// Typed settings of the filecoin and lighthouse types, a block named
	// after the type (pin/filecoin, pin/lighthouse config.go; typed.go).
	Filecoin   *filecoin.File   `yaml:"filecoin"`
	Lighthouse *lighthouse.File `yaml:"lighthouse"`
}

// Provider is a validated provider entry.
type Provider struct {
	pin.Config
	Line   int        // line of the entry in the config file
	Policy pin.Policy // retry, timeout, concurrency
	// WalletFile is the resolved wallet_file path (arweave, filecoin).
	WalletFile string
}

// Defaults for the wrappers, documented in --help of pin.
const (
	DefaultTimeout  = 10 * time.Minute
	DefaultRetries  = 3
	DefaultPollWait = 10 * time.Minute
)

var (
	envRef  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	onlyRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)
)

type validator struct {
	path, dir string
	ast       *ast.File
	opts      Options
	secrets   []string
}

func (v *validator) errAt(i int, key, format string, a ...any) error {
	p := fmt.Sprintf("$.providers[%d]", i)
	line := 0
	if key != "" {
		line = lineOf(v.ast, p+"."+key)
	}
	if line == 0 {
		line = lineOf(v.ast, p)
	}
	return &Error{Path: v.path, Line: line, Msg: fmt.Sprintf(format, a...)}
}

func (v *validator) provider(i int, rp rawProvider) (Provider, error) {
	label := fmt.Sprintf("providers[%d]", i)
	if rp.Name != "" {
		label = fmt.Sprintf("provider %q", rp.Name)
	}
	p := Provider{Line: lineOf(v.ast, fmt.Sprintf("$.providers[%d]", i))}
	if !nameRE.MatchString(rp.Name) {
		return p, v.errAt(i, "name", "%s: name must be 1-63 letters, digits, '.', '_' or '-' (got %q)", label, rp.Name)
	}
	if rp.Type == "" {
		return p, v.errAt(i, "", "%s: type is required (one of %s)", label, strings.Join(v.opts.KnownTypes, ", "))
	}
	if len(v.opts.KnownTypes) > 0 && !slices.Contains(v.opts.KnownTypes, rp.Type) {
		return p, v.errAt(i, "type", "%s: unknown provider type %q (known: %s)", label, rp.Type, strings.Join(v.opts.KnownTypes, ", "))
	}
	p.Name, p.Type = rp.Name, rp.Type
	steps := []func(*Provider, rawProvider, int, string) error{v.urls, v.token, v.settings, v.durations, v.typed, v.arweave}
	for _, step := range steps {
		if err := step(&p, rp, i, label); err != nil {
			return p, err
		}
	}
	return p, nil
}

// expand replaces ${VAR} in a non-secret value. An unset variable is an
// error: a silently empty endpoint would fail later, far from the cause.
func (v *validator) expand(i int, key, label, s string) (string, error) {
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
		return "", v.errAt(i, key, "%s: %s uses ${%s}, which is not set", label, key, missing)
	}
	return out, nil
}

func (v *validator) urls(p *Provider, rp rawProvider, i int, label string) error {
	for _, f := range []struct {
		key string
		in  string
		out *string
	}{{"endpoint", rp.Endpoint, &p.Endpoint}, {"gateway", rp.Gateway, &p.Gateway}} {
		s, err := v.expand(i, f.key, label, f.in)
		if err != nil {
			return err
		}
		if s != "" {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				return v.errAt(i, f.key, "%s: %s %q is not an http(s) URL like https://host:port (and credentials go in token, not the URL)", label, f.key, s)
			}
		}
		*f.out = s
	}
	return nil
}

// token resolves the credential. Secrets come only from the environment
// (token: ${VAR}) or a file (token_file), never from the config file itself,
// which is committed to the repository.
func (v *validator) token(p *Provider, rp rawProvider, i int, label string) error {
	switch {
	case rp.Token != "" && rp.TokenFile != "":
		return v.errAt(i, "token", "%s: set token or token_file, not both", label)
	case rp.Token != "":
		m := onlyRef.FindStringSubmatch(rp.Token)
		if m == nil {
			return v.errAt(i, "token", "%s: token must be an environment reference like ${PINATA_JWT}; never write a secret into the config file", label)
		}
		val, ok := v.opts.LookupEnv(m[1])
		if !ok || strings.TrimSpace(val) == "" {
			return v.errAt(i, "token", "%s: token comes from ${%s}, which is not set or empty (set it as a secret in the CI job)", label, m[1])
		}
		p.Token, p.TokenFrom = strings.TrimSpace(val), m[1]
	case rp.TokenFile != "":
		path, err := v.expand(i, "token_file", label, rp.TokenFile)
		if err != nil {
			return err
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(v.dir, path)
		}
		data, err := v.opts.ReadFile(path)
		if err != nil {
			return v.errAt(i, "token_file", "%s: cannot read token_file: %v", label, err)
		}
		if strings.TrimSpace(string(data)) == "" {
			return v.errAt(i, "token_file", "%s: token_file %s is empty", label, path)
		}
		p.Token, p.TokenFrom = strings.TrimSpace(string(data)), "token_file "+path
	}
	if p.Token != "" {
		v.secrets = append(v.secrets, p.Token)
		if _, pass, ok := strings.Cut(p.Token, ":"); ok && strings.EqualFold(rp.Auth, "basic") && len(pass) >= 4 {
			v.secrets = append(v.secrets, pass)
		}
	}
	return nil
}

func (v *validator) settings(p *Provider, rp rawProvider, i int, label string) error {
	switch strings.ToLower(rp.Auth) {
	case "", "bearer", "basic":
		p.Auth = strings.ToLower(rp.Auth)
	default:
		return v.errAt(i, "auth", "%s: auth must be bearer or basic, not %q", label, rp.Auth)
	}
	if rp.ReplicationMin < -1 || rp.ReplicationMax < -1 || (rp.ReplicationMax > 0 && rp.ReplicationMin > rp.ReplicationMax) {
		return v.errAt(i, "replication_min", "%s: need -1 <= replication_min <= replication_max (got %d, %d)", label, rp.ReplicationMin, rp.ReplicationMax)
	}
	if rp.Keep < 0 || rp.Concurrency < 0 || (rp.Retries != nil && *rp.Retries < 0) {
		return v.errAt(i, "", "%s: keep, retries and concurrency cannot be negative", label)
	}
	var err error
	if p.PinName, err = v.expand(i, "pin_name", label, rp.PinName); err != nil {
		return err
	}
	if p.WalletFile, err = v.expand(i, "wallet_file", label, rp.WalletFile); err != nil {
		return err
	}
	p.ReplicationMin, p.ReplicationMax, p.Keep, p.Provide = rp.ReplicationMin, rp.ReplicationMax, rp.Keep, rp.Provide
	p.Origins, p.Meta = rp.Origins, rp.Meta
	retries := DefaultRetries
	if rp.Retries != nil {
		retries = *rp.Retries
	}
	p.Policy = pin.Policy{Retry: pin.RetryPolicy{Attempts: retries + 1}, Concurrency: rp.Concurrency}
	return nil
}

func (v *validator) durations(p *Provider, rp rawProvider, i int, label string) error {
	for _, f := range []struct {
		key, in string
		def     time.Duration
		out     *time.Duration
	}{
		{"timeout", rp.Timeout, DefaultTimeout, &p.Policy.Timeout},
		{"poll_interval", rp.PollInterval, 0, &p.PollInterval},
		{"wait_timeout", rp.WaitTimeout, DefaultPollWait, &p.WaitTimeout},
	} {
		*f.out = f.def
		if f.in == "" {
			continue
		}
		d, err := time.ParseDuration(f.in)
		if err != nil || d <= 0 {
			return v.errAt(i, f.key, "%s: %s %q is not a positive duration like 90s or 10m", label, f.key, f.in)
		}
		*f.out = d
	}
	return nil
}

// unique rejects two entries with the same name: receipts and --provider
// select by name.
func (v *validator) unique(ps []Provider) error {
	seen := map[string]int{}
	for _, p := range ps {
		if first, dup := seen[p.Name]; dup {
			return &Error{Path: v.path, Line: p.Line, Msg: fmt.Sprintf("provider name %q is used twice (first at line %d); names must be unique", p.Name, first)}
		}
		seen[p.Name] = p.Line
	}
	return nil
}
