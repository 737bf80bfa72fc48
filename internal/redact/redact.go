// Package redact keeps secrets out of everything the program writes. It is
// the one place that knows what a secret looks like once it has been sent:
//
//   - Set collects every secret a run uses (tokens, keys, wallet fields, the
//     expanded ${VAR} values of the config, the credential parts of URLs) and
//     every encoding in which it leaves the program or may come back: base64
//     (as in HTTP Basic auth, at any alignment inside a longer base64 text),
//     URL query and path escaping, JSON escaping. Set.Writer scrubs a stream
//     (stdout, stderr, the GitHub Actions output and summary files).
//   - URL shows a URL without its credentials: the user info, every query
//     value and path segments that look like API keys (Infura's /v3/KEY,
//     Alchemy's /v2/KEY, ...).
//
// Strings shorter than secret.MinLength are never registered: replacing them
// would garble ordinary text, so such secrets are refused where they are read
// (internal/secret).
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dapp-publish/dapp-publish/internal/secret"
)

// Mask replaces a secret.
const Mask = "[REDACTED]"

// Set is a collection of secrets to scrub from output. The zero value is
// ready to use; a Set is safe for concurrent use.
type Set struct {
	mu     sync.Mutex
	pairs  map[string]string // secret -> replacement
	values []string          // secrets as registered (not their encodings), for masking
	rep    *strings.Replacer // built from pairs when needed
	onAdd  func(string)
}

// OnAdd sets a function called once with every secret value registered from
// now on, and with those registered before (GitHub Actions' add-mask).
func (s *Set) OnAdd(fn func(string)) {
	s.mu.Lock()
	s.onAdd = fn
	pending := s.values
	s.mu.Unlock()
	for _, v := range pending {
		fn(v)
	}
}

// Add registers v, its encodings and the secrets inside it: the password
// of a "user:password" credential, every string of a JSON secret (a wallet's
// private fields), every line of a multi-line one, the other spellings of a
// hex key (with and without 0x, either case). Values shorter than
// secret.MinLength are ignored (see the package comment).
func (s *Set) Add(v string) {
	if len(v) < secret.MinLength {
		return
	}
	s.mu.Lock()
	if _, dup := s.pairs[v]; dup {
		s.mu.Unlock()
		return
	}
	s.addLocked(v, Mask)
	for _, e := range Encodings(v) {
		s.addLocked(e, Mask)
	}
	s.values = append(s.values, v)
	fn := s.onAdd
	s.mu.Unlock()
	if fn != nil {
		fn(v)
		for _, e := range maskedEncodings(v) {
			fn(e)
		}
	}
	// After v itself is registered, so parts that lead back to v stop.
	for _, part := range parts(v) {
		s.Add(part)
	}
}

// parts returns the secrets inside v worth registering on their own.
func parts(v string) []string {
	var out []string
	var js any
	switch {
	case strings.HasPrefix(strings.TrimSpace(v), "{") && json.Unmarshal([]byte(v), &js) == nil:
		out = jsonStrings(js, out)
	case strings.Contains(v, "\n"):
		for _, line := range strings.Split(v, "\n") {
			out = append(out, strings.TrimSpace(line))
		}
	case hexKey.MatchString(v):
		bare := strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X")
		for _, h := range []string{bare, strings.ToLower(bare), strings.ToUpper(bare)} {
			out = append(out, h, "0x"+h)
		}
	default:
		if _, pass, ok := strings.Cut(v, ":"); ok {
			out = append(out, pass)
		}
	}
	return slices.DeleteFunc(out, func(p string) bool { return p == v || len(p) < secret.MinLength })
}

// hexKey matches a secret written in hex, such as an Ethereum private key
// (32 bytes) or a hex API key: printed elsewhere it may have lost its 0x or
// changed case.
var hexKey = regexp.MustCompile(`^(0[xX])?[0-9a-fA-F]{32,}$`)

func jsonStrings(v any, out []string) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case map[string]any:
		for _, x := range v {
			out = jsonStrings(x, out)
		}
	case []any:
		for _, x := range v {
			out = jsonStrings(x, out)
		}
	}
	return out
}

// AddSecret registers a secret.Value; see Add.
func (s *Set) AddSecret(v secret.Value) { s.Add(v.Expose()) }

// AddURL registers the credential parts of a URL (see Secrets) and the URL
// itself as written, which is replaced by its redacted form.
func (s *Set) AddURL(raw string) {
	parts := URLSecrets(raw)
	if len(parts) == 0 {
		return
	}
	for _, p := range parts {
		s.Add(p)
	}
	shown := URL(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, form := range urlForms(raw) {
		if len(form) >= secret.MinLength {
			s.addLocked(form, shown)
		}
	}
}

func (s *Set) addLocked(secretText, replacement string) {
	if s.pairs == nil {
		s.pairs = map[string]string{}
	}
	if _, ok := s.pairs[secretText]; ok {
		return
	}
	s.pairs[secretText] = replacement
	s.rep = nil
}

// Values returns the secrets registered (not their encodings).
func (s *Set) Values() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.values...)
}

// String returns t with every registered secret replaced.
func (s *Set) String(t string) string {
	if r := s.replacer(); r != nil {
		return r.Replace(t)
	}
	return t
}

// Error returns err with its text scrubbed, keeping the chain for errors.Is.
func (s *Set) Error(err error) error {
	if err == nil {
		return nil
	}
	if msg := s.String(err.Error()); msg != err.Error() {
		return &scrubbed{msg: msg, err: err}
	}
	return err
}

type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

func (s *Set) replacer() *strings.Replacer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rep != nil || len(s.pairs) == 0 {
		return s.rep
	}
	// strings.Replacer tries patterns in argument order at each position:
	// longest first, so a secret inside a longer one (a password inside its
	// URL) does not cut the longer one short.
	keys := make([]string, 0, len(s.pairs))
	for k := range s.pairs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	args := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k, s.pairs[k])
	}
	s.rep = strings.NewReplacer(args...)
	return s.rep
}

// Writer returns a writer that scrubs every write to w. Each write is
// scrubbed on its own: callers write whole messages (fmt.Fprintf, a JSON
// document), so a secret is never split across writes.
func (s *Set) Writer(w io.Writer) io.Writer { return &writer{w: w, s: s} }

type writer struct {
	w io.Writer
	s *Set
}

func (w *writer) Write(p []byte) (int, error) {
	r := w.s.replacer()
	if r == nil {
		return w.w.Write(p)
	}
	out := r.Replace(string(p))
	if _, err := io.WriteString(w.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Encodings returns the forms in which v may appear besides itself: base64
// (standard and URL alphabets, at the three byte alignments it can have
// inside a longer encoded text, such as "user:" + v in Basic auth), URL
// query and path escaping, and JSON string escaping. Forms shorter than
// secret.MinLength are left out.
func Encodings(v string) []string {
	var out []string
	add := func(e string) {
		if e != v && len(e) >= secret.MinLength {
			out = append(out, e)
		}
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for _, e := range base64Aligned(enc, v) {
			add(e)
		}
	}
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	add(jsonEscape(v, false))
	add(jsonEscape(v, true))
	return out
}

// maskedEncodings are the encodings GitHub Actions does not derive itself
// from a masked value: it masks base64 (all alignments), JSON and URL forms
// of every add-mask value, so only the shapes above that differ are left.
// The runner's own list may change; masking a few more strings costs
// nothing.
func maskedEncodings(v string) []string { return Encodings(v) }

// base64Aligned returns the base64 text that encodes v when v starts at
// byte offset 0, 1 or 2 of a 3-byte group of a longer input: only the
// characters determined by v alone.
func base64Aligned(enc *base64.Encoding, v string) []string {
	var out []string
	for shift := 0; shift < 3; shift++ {
		data := append(make([]byte, shift), v...)
		full := len(data) / 3 * 4 // characters of complete groups
		e := enc.EncodeToString(data)
		start := 0
		if shift > 0 {
			start = 4 // the first group mixes in the preceding bytes
		}
		if full > start {
			out = append(out, e[start:full])
		}
		if shift == 0 {
			out = append(out, e) // v alone, with its last partial group
		}
	}
	return out
}

func jsonEscape(v string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(v)
	s := strings.TrimSpace(b.String())
	return strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
}
