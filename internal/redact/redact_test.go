package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const sentinel = "SENTINEL-s3cr3t/+<&>\"value"

func TestSetScrubsEveryEncoding(t *testing.T) {
	var s Set
	s.Add(sentinel)
	js, _ := json.Marshal(sentinel)
	texts := []string{
		"token " + sentinel + " rejected",
		"json " + string(js),
		"query ?k=" + url.QueryEscape(sentinel),
		"path /" + url.PathEscape(sentinel),
	}
	// Base64 of the secret inside longer text, at every alignment: Basic
	// auth sends base64("user:" + token).
	for _, prefix := range []string{"", "u", "us", "user:", "ab:", "x"} {
		for _, suffix := range []string{"", "!", "?!"} {
			data := []byte(prefix + sentinel + suffix)
			texts = append(texts, "Basic "+base64.StdEncoding.EncodeToString(data), base64.RawURLEncoding.EncodeToString(data))
		}
	}
	for _, in := range texts {
		out := s.String(in)
		if !strings.Contains(out, Mask) {
			t.Errorf("nothing redacted in %q -> %q", in, out)
		}
		if leaks(out) {
			t.Errorf("%q still leaks after redaction: %q", in, out)
		}
	}
}

// leaks reports whether out still holds the sentinel, or base64 text that
// decodes to a stretch of it at least MinLength long.
func leaks(out string) bool {
	if strings.Contains(out, "s3cr3t") {
		return true
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for _, core := range base64Aligned(enc, sentinel) {
			if len(core) >= 8 && strings.Contains(out, core[:8]) {
				return true
			}
		}
	}
	return false
}

func TestSetIgnoresShortValues(t *testing.T) {
	var s Set
	s.Add("e")
	s.Add("abc1234")
	if got := s.String("every tree here abc1234"); got != "every tree here abc1234" {
		t.Errorf("short values were redacted: %q", got)
	}
}

func TestWriterAndOnAdd(t *testing.T) {
	var s Set
	var masked []string
	s.Add("first-secret-value")
	s.OnAdd(func(v string) { masked = append(masked, v) })
	s.Add("second-secret-value")
	var b bytes.Buffer
	w := s.Writer(&b)
	n, err := fmt.Fprintf(w, "a first-secret-value b second-secret-value\n")
	if err != nil || n != len("a first-secret-value b second-secret-value\n") {
		t.Fatalf("write: %d %v", n, err)
	}
	if b.String() != "a [REDACTED] b [REDACTED]\n" {
		t.Errorf("wrote %q", b.String())
	}
	if len(masked) < 2 || masked[0] != "first-secret-value" || !contains(masked, "second-secret-value") {
		t.Errorf("OnAdd saw %q", masked)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161", "https://mainnet.infura.io/v3/[REDACTED]"},
		{"https://eth-mainnet.g.alchemy.com/v2/AbCdEf123456_GhIjKl-789", "https://eth-mainnet.g.alchemy.com/v2/[REDACTED]"},
		{"https://user:pa55word@rpc.example:8545/eth?apikey=K3yK3yK3y&chain=1#frag", "https://[REDACTED]@rpc.example:8545/eth?apikey=[REDACTED]&chain=[REDACTED]#[REDACTED]"},
		{"http://127.0.0.1:5001", "http://127.0.0.1:5001"},
		{"https://cluster.example:9094/api/v0/", "https://cluster.example:9094/api/v0/"},
		{"https://sp.example/piece/bafkzcibcfub2vygjt34ndmnmp3qeywzixfcvukieyef7nz7cff7qus34pocoaci", "https://sp.example/piece/bafkzcibcfub2vygjt34ndmnmp3qeywzixfcvukieyef7nz7cff7qus34pocoaci"},
		{"https://gw.example/ipfs/bafybeif4jncfb47oqv5qbo7tbk3narzo7imzwl63lp5ihaohcvzck6ioqe/x", "https://gw.example/ipfs/bafybeif4jncfb47oqv5qbo7tbk3narzo7imzwl63lp5ihaohcvzck6ioqe/x"},
		{"not a url", Mask},
		{"127.0.0.1:5001", Mask},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAddURL(t *testing.T) {
	raw := "https://alice:pa55word-long@rpc.example/v3/9aa3d95b3bc440fa88ea12eaa4456161?apikey=K3yK3yK3y1&x=1"
	var s Set
	s.AddURL(raw)
	u, _ := url.Parse(raw)
	in := strings.Join([]string{
		raw,                                // as given
		u.Redacted(),                       // net/http errors
		"pa55word-long",                    // the password alone
		"9aa3d95b3bc440fa88ea12eaa4456161", // the key in the path
		"K3yK3yK3y1",                       // the query value
		base64.StdEncoding.EncodeToString([]byte("alice:pa55word-long")), // Basic auth
	}, "\n")
	out := s.String(in)
	for _, bad := range []string{"pa55word", "9aa3d95b", "K3yK3y", "YWxpY2U6"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q left in:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "https://[REDACTED]@rpc.example/v3/[REDACTED]?apikey=[REDACTED]&x=[REDACTED]") {
		t.Errorf("the URL is not shown in its redacted form:\n%s", out)
	}
	if s.String("x=1 and rpc.example") != "x=1 and rpc.example" {
		t.Error("short or public parts were redacted")
	}
}

func TestSecretsInsideSecrets(t *testing.T) {
	var s Set
	s.Add(`{"kty":"RSA","n":"public-modulus-value","d":"private-exponent-value","p":"prime-factor-one"}`)
	s.Add("alice:cluster-password")
	s.Add("line-one-of-secret\nline-two-of-secret")
	for _, in := range []string{"private-exponent-value", "prime-factor-one", "cluster-password", "line-two-of-secret"} {
		if got := s.String("x " + in + " y"); got != "x [REDACTED] y" {
			t.Errorf("%q -> %q", in, got)
		}
	}
	if got := s.String("kty RSA"); got != "kty RSA" {
		t.Errorf("short JSON values were registered: %q", got)
	}
}

// TestHexKeySpellings: a hex key registered in one spelling is scrubbed in
// the others (a key file holds 0x-prefixed lower case; a library prints it
// bare, or a checksum-style tool in upper case), and masked in each.
func TestHexKeySpellings(t *testing.T) {
	const key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
	for _, registered := range []string{"0x" + key, key, strings.ToUpper(key)} {
		var s Set
		var masked []string
		s.OnAdd(func(v string) { masked = append(masked, v) })
		s.Add(registered)
		for _, printed := range []string{key, "0x" + key, strings.ToUpper(key), "0x" + strings.ToUpper(key)} {
			if got := s.String("key=" + printed + "."); got != "key=[REDACTED]." {
				t.Errorf("registered %.6s..., printed %.6s...: %q", registered, printed, got)
			}
			if !slices.Contains(masked, printed) {
				t.Errorf("registered %.6s..., %.6s... not masked", registered, printed)
			}
		}
	}
	// Hex too short to be a key is a value like any other.
	var s Set
	s.Add("0xabcdef0123456789")
	if got := s.String("abcdef0123456789"); got != "abcdef0123456789" {
		t.Errorf("a 16-digit hex value registered its bare form: %q", got)
	}
}
