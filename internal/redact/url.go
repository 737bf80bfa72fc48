package redact

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/ipfs/go-cid"
)

// URL returns raw fit to print: scheme, host and path as given, with the
// user info, every query value, the fragment and every path segment that
// looks like an API key replaced by [REDACTED]. Text that is not a URL with
// a host is replaced whole.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Mask
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		b.WriteString(Mask + "@")
	}
	b.WriteString(u.Host)
	segs := strings.Split(u.EscapedPath(), "/")
	for i, seg := range segs {
		if keyLike(seg) {
			segs[i] = Mask
		}
	}
	b.WriteString(strings.Join(segs, "/"))
	if u.RawQuery != "" {
		b.WriteByte('?')
		for i, kv := range strings.Split(u.RawQuery, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			k, _, hasValue := strings.Cut(kv, "=")
			b.WriteString(k)
			if hasValue {
				b.WriteString("=" + Mask)
			}
		}
	}
	if u.Fragment != "" {
		b.WriteString("#" + Mask)
	}
	return b.String()
}

// URLSecrets returns the parts of raw that are credentials, decoded as they
// are sent: the user info ("user:password", which Go's HTTP client sends as
// Basic auth), the password and user name, every query value and every path
// segment that looks like an API key. Parts shorter than secret.MinLength
// are left out (Set.AddURL still replaces the whole URL).
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil
	}
	var out []string
	if u.User != nil {
		user := u.User.Username()
		pass, _ := u.User.Password()
		out = append(out, user+":"+pass, u.User.String(), user, pass)
		out = append(out, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if keyLike(seg) {
			dec, err := url.PathUnescape(seg)
			if err != nil {
				dec = seg
			}
			out = append(out, seg, dec)
		}
	}
	for _, vals := range u.Query() {
		out = append(out, vals...)
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if _, v, ok := strings.Cut(kv, "="); ok {
			out = append(out, v)
		}
	}
	if u.Fragment != "" {
		out = append(out, u.Fragment)
	}
	return dedupLong(out)
}

// urlForms are the ways raw may be printed by Go and go-ethereum: as given,
// re-encoded, and with the password replaced by *** (net/http's errors).
func urlForms(raw string) []string {
	forms := []string{raw}
	if u, err := url.Parse(raw); err == nil {
		forms = append(forms, u.String(), u.Redacted())
		if u.User != nil {
			v := *u
			v.User = url.User(u.User.Username())
			forms = append(forms, v.String())
		}
	}
	return forms
}

func dedupLong(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if len(s) >= 8 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// keyLike reports whether a path segment looks like an API key or token:
// at least 16 characters from the URL-safe token alphabets, with both
// letters and digits (Infura's 32 hex digits, Alchemy's and QuickNode's
// tokens), as opposed to words such as "v3", "eth-mainnet" or "api". A
// content address (a CID: /ipfs/<cid>, a storage provider's /piece/<piece
// CID>) names public content and is what the reader needs to see: a random
// key does not decode as one (its multibase, version, codec and multihash
// would all have to be valid).
func keyLike(seg string) bool {
	if len(seg) < 16 {
		return false
	}
	if _, err := cid.Decode(seg); err == nil {
		return false
	}
	letters, digits := false, false
	for _, r := range seg {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		case strings.ContainsRune("-_.~=+%", r):
		default:
			return false
		}
	}
	return letters && digits
}
