package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Provider is a validated provider entry: the keys every provider has, and
// the provider type's own settings (a *Config of its package, e.g.
// *kubo.Config), decoded from the rest of the entry with its secrets
// resolved. Build it with Registry.New(p.Name, p.Type, p.Settings).
type Provider struct {
	Name     string
	Type     string
	Line     int          // line of the entry in the config file
	Policy   pin.Policy   // timeout, retries, concurrency
	Settings pin.Settings // the provider type's own settings, validated
}

// String describes the entry; secrets in Settings print as their source.
func (p Provider) String() string { return fmt.Sprintf("%s (%s) %+v", p.Name, p.Type, p.Settings) }

// Keys every provider entry has; the rest belong to the provider type.
var commonKeys = []string{"name", "type", "timeout", "retries", "concurrency"}

// common is the decoded common keys.
type common struct {
	Name        string `yaml:"name"`
	Type        string `yaml:"type"`
	Timeout     string `yaml:"timeout"`     // per attempt, e.g. "10m"
	Retries     *int   `yaml:"retries"`     // attempts after the first
	Concurrency int    `yaml:"concurrency"` // parallel calls to this holder
}

// Defaults for the wrappers, documented in --help of pin.
const (
	DefaultTimeout = 10 * time.Minute
	DefaultRetries = 3
)

var (
	envRef  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	onlyRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)
)

// entry is one provider entry while it is validated.
type entry struct {
	v     *validator
	index int
	node  *ast.MappingNode
	label string // `provider "name" (type)` once known
}

func (e *entry) path() string { return fmt.Sprintf("$.providers[%d]", e.index) }

// errAt is an error at the line of key in this entry (the entry's line when
// the key is absent).
func (e *entry) errAt(key, format string, a ...any) error {
	line := 0
	if key != "" {
		line = lineOf(e.v.ast, e.path()+"."+key)
	}
	if line == 0 {
		line = lineOf(e.v.ast, e.path())
	}
	return &Error{Path: e.v.path, Line: line, Msg: e.label + ": " + fmt.Sprintf(format, a...)}
}

func (v *validator) provider(i int, node ast.Node) (Provider, error) {
	e := &entry{v: v, index: i, label: fmt.Sprintf("providers[%d]", i)}
	p := Provider{Line: lineOf(v.ast, e.path())}
	m, ok := node.(*ast.MappingNode)
	if !ok {
		return p, e.errAt("", "must be a mapping like {name: own-node, type: kubo, ...}")
	}
	e.node = m
	var c common
	if err := v.decode(pick(m, commonKeys), &c); err != nil {
		return p, e.errAt("", "%v", err)
	}
	if c.Name != "" {
		e.label = fmt.Sprintf("provider %q", c.Name)
	}
	if !nameRE.MatchString(c.Name) {
		return p, e.errAt("name", "name must be 1-63 letters, digits, '.', '_' or '-' (got %q)", c.Name)
	}
	known := v.opts.Registry.Types()
	if c.Type == "" {
		return p, e.errAt("", "type is required (one of %s)", strings.Join(known, ", "))
	}
	if !slices.Contains(known, c.Type) {
		return p, e.errAt("type", "unknown provider type %q (known: %s)", c.Type, strings.Join(known, ", "))
	}
	e.label = fmt.Sprintf("provider %q (%s)", c.Name, c.Type)
	p.Name, p.Type = c.Name, c.Type
	var err error
	if p.Policy, err = e.policy(c); err != nil {
		return p, err
	}
	if p.Settings, err = e.settings(c.Type); err != nil {
		return p, err
	}
	if td, ok := p.Settings.(pin.TimeoutDefaulter); ok && c.Timeout == "" {
		p.Policy.Timeout = td.DefaultTimeout()
	}
	return p, nil
}

func (e *entry) policy(c common) (pin.Policy, error) {
	if c.Concurrency < 0 || (c.Retries != nil && *c.Retries < 0) {
		return pin.Policy{}, e.errAt("", "retries and concurrency cannot be negative")
	}
	retries := DefaultRetries
	if c.Retries != nil {
		retries = *c.Retries
	}
	pol := pin.Policy{Retry: pin.RetryPolicy{Attempts: retries + 1}, Concurrency: c.Concurrency, Timeout: DefaultTimeout}
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil || d <= 0 {
			return pol, e.errAt("timeout", "timeout %q is not a positive duration like 90s or 10m", c.Timeout)
		}
		pol.Timeout = d
	}
	return pol, nil
}

// settings decodes the provider type's own keys into its settings struct:
// secret fields from KEY (${VAR}) or KEY_file, the rest strictly (an unknown
// key is an error), ${VAR} expanded in every string; then validates them.
func (e *entry) settings(typ string) (pin.Settings, error) {
	s, err := e.v.opts.Registry.Settings(typ)
	if err != nil {
		return nil, e.errAt("type", "%v", err)
	}
	fields := settingsFields(s)
	secretKeys := map[string]bool{}
	for _, f := range fields {
		if f.secret {
			secretKeys[f.key], secretKeys[f.key+"_file"] = true, true
		}
	}
	rest := omit(e.node, append(slices.Clone(commonKeys), mapKeys(secretKeys)...))
	for _, mv := range rest.Values {
		if k := mv.Key.String(); !hasKey(fields, k) {
			hint := ""
			if k == typ {
				// The shape of the filecoin and lighthouse entries before
				// they had typed settings: a block named after the type.
				hint = fmt.Sprintf("; the keys of a %s: block now sit in the entry itself: move them up one level", k)
			}
			return nil, e.errAt(k, "unknown key %q (%s takes: %s)%s", k, typ, strings.Join(keyNames(fields), ", "), hint)
		}
	}
	if err := e.expandAll(rest); err != nil {
		return nil, err
	}
	if err := e.v.decode(rest, s); err != nil {
		if line := errorLine(err); line > 0 {
			return nil, &Error{Path: e.v.path, Line: line, Msg: e.label + ": " + yamlMessage(err)}
		}
		return nil, e.errAt(errKey(err, fields), "%s", yamlMessage(err))
	}
	for _, f := range fields {
		if f.secret {
			if err := e.resolveSecret(s, f); err != nil {
				return nil, err
			}
		}
	}
	if err := s.Validate(); err != nil {
		var fe *pin.InvalidFieldError
		if errors.As(err, &fe) {
			return nil, e.errAt(fe.Key, "%s %s%s", fe.Key, fe.Msg, e.asWritten(fe.Key))
		}
		return nil, e.errAt("", "%v", err)
	}
	return s, nil
}

// resolveSecret reads the secret field f from KEY: ${VAR} or KEY_file: PATH.
// Secrets come only from the environment or a file, never from the config
// file itself, which is committed to the repository.
func (e *entry) resolveSecret(s pin.Settings, f field) error {
	ref, hasRef := e.scalar(f.key)
	path, hasFile := e.scalar(f.key + "_file")
	var val secret.Value
	switch {
	case hasRef && hasFile:
		return e.errAt(f.key, "set %s or %s_file, not both", f.key, f.key)
	case hasRef:
		m := onlyRef.FindStringSubmatch(ref)
		if m == nil {
			return e.errAt(f.key, "%s must be an environment reference like ${%s}; never write a secret into the config file", f.key, exampleVar(f.key))
		}
		var err error
		if val, err = secret.FromEnv(m[1], e.v.opts.LookupEnv); err != nil {
			return e.errAt(f.key, "%s comes from ${%s}, which is %s (set it as a secret in the CI job)", f.key, m[1], secretProblem(err))
		}
	case hasFile:
		p, err := e.expand(f.key+"_file", path)
		if err != nil {
			return err
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(e.v.dir, p)
		}
		if val, err = e.readSecretFile(f.key, path, p); err != nil {
			return err
		}
	default:
		return nil
	}
	e.v.addSecret(val.Expose())
	reflect.ValueOf(s).Elem().FieldByIndex(f.index).Set(reflect.ValueOf(val))
	return nil
}

func (e *entry) readSecretFile(key, written, path string) (secret.Value, error) {
	data, err := e.v.opts.ReadFile(path)
	if err != nil {
		return secret.Value{}, e.errAt(key+"_file", "cannot read %s_file %s: %v", key, written, errors.Unwrap(err))
	}
	v := strings.TrimSpace(string(data))
	if err := secret.Check(v); err != nil {
		return secret.Value{}, e.errAt(key+"_file", "%s_file %s is %s", key, written, secretProblem(err))
	}
	return secret.New(v, key+"_file "+written), nil
}

// secretProblem words why a secret was refused.
func secretProblem(err error) string {
	switch {
	case errors.Is(err, secret.ErrTooShort):
		return fmt.Sprintf("shorter than %d characters: too short to keep out of logs (use the real credential)", secret.MinLength)
	case errors.Is(err, secret.ErrNotSet):
		return "not set or empty"
	}
	return err.Error()
}

func exampleVar(key string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(key))
}

// asWritten quotes the value of key as the file writes it (with ${VAR}
// references, not their secret values), for messages.
func (e *entry) asWritten(key string) string {
	for _, mv := range e.node.Values {
		if mv.Key.String() == key {
			if tk := mv.Value.GetToken(); tk != nil && tk.Value != "" {
				return fmt.Sprintf(" (the file says %q)", tk.Value)
			}
		}
	}
	return ""
}

// scalar returns the text of key in this entry, if present.
func (e *entry) scalar(key string) (string, bool) {
	for _, mv := range e.node.Values {
		if mv.Key.String() == key {
			var s string
			if err := yaml.NodeToValue(mv.Value, &s); err != nil {
				return mv.Value.String(), true
			}
			return s, true
		}
	}
	return "", false
}

// expandAll expands ${VAR} in every string value below m, in place.
func (e *entry) expandAll(m *ast.MappingNode) error {
	for _, mv := range m.Values {
		k := mv.Key.String()
		if err := e.v.expandNode(mv.Value); err != nil {
			return e.errAt(k, "%s %v", k, err)
		}
	}
	return nil
}

// expand replaces ${VAR} in a value of key. An unset variable is an error: a
// silently empty endpoint would fail later, far from the cause.
func (e *entry) expand(key, s string) (string, error) {
	out, err := e.v.expand(s)
	if err != nil {
		return "", e.errAt(key, "%s %v", key, err)
	}
	return out, nil
}

// field is a key of a provider's settings struct.
type field struct {
	key    string
	index  []int
	secret bool
}

var secretType = reflect.TypeFor[secret.Value]()

// settingsFields lists the YAML keys of a settings struct, following
// `yaml:",inline"` embedding; fields of type secret.Value are secrets.
func settingsFields(s pin.Settings) []field {
	var out []field
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			idx := append(slices.Clone(index), i)
			switch {
			case name == "-" || !sf.IsExported():
			case strings.Contains(opts, "inline") && sf.Type.Kind() == reflect.Struct:
				walk(sf.Type, idx)
			default:
				if name == "" {
					name = strings.ToLower(sf.Name)
				}
				out = append(out, field{key: name, index: idx, secret: sf.Type == secretType})
			}
		}
	}
	walk(reflect.TypeOf(s).Elem(), nil)
	return out
}

func hasKey(fields []field, k string) bool {
	return slices.ContainsFunc(fields, func(f field) bool { return f.key == k && !f.secret })
}

// keyNames lists the keys an entry of the type may have, secrets with their
// _file form.
func keyNames(fields []field) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.key)
		if f.secret {
			out = append(out, f.key+"_file")
		}
	}
	return out
}

// errKey guesses which key a decode error is about, from the field it names.
func errKey(err error, fields []field) string {
	msg := err.Error()
	for _, f := range fields {
		if strings.Contains(msg, `"`+f.key+`"`) {
			return f.key
		}
	}
	return ""
}

// pick returns a copy of m with only the given keys; omit, without them.
func pick(m *ast.MappingNode, keys []string) *ast.MappingNode {
	return filter(m, func(k string) bool { return slices.Contains(keys, k) })
}

func omit(m *ast.MappingNode, keys []string) *ast.MappingNode {
	return filter(m, func(k string) bool { return !slices.Contains(keys, k) })
}

func filter(m *ast.MappingNode, keep func(string) bool) *ast.MappingNode {
	cp := *m
	cp.Values = nil
	for _, mv := range m.Values {
		if keep(mv.Key.String()) {
			cp.Values = append(cp.Values, mv)
		}
	}
	return &cp
}

func mapKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
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
