package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/all"
	"github.com/dapp-publish/dapp-publish/pin/cluster"
	"github.com/dapp-publish/dapp-publish/pin/kubo"
	"github.com/dapp-publish/dapp-publish/pin/pinata"
	"github.com/dapp-publish/dapp-publish/pin/psa"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func parse(t *testing.T, src string, vars map[string]string) (*Config, error) {
	t.Helper()
	files := map[string]string{"/cfg/secret.txt": "user:file-secret-value\n", "/cfg/empty.txt": "  \n", "/cfg/short.txt": "e\n"}
	return Parse("/cfg/dapp-publish.yaml", []byte(src), Options{
		Registry:  all.Registry(),
		LookupEnv: env(vars),
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
		},
	})
}

const good = `site: dist
profile: unixfs-v1-2025
providers:
  - {name: own-node, type: kubo, endpoint: "http://127.0.0.1:5001", token: "${KUBO_TOKEN}"}
  - name: cluster
    type: cluster
    endpoint: "https://${CLUSTER_HOST}:9094"
    token_file: secret.txt
    auth: basic
    replication_min: 2
    replication_max: 3
    timeout: 90s
    retries: 5
  - {name: pinata, type: pinata, token: "${PINATA_JWT}"}
  - {name: psa, type: psa, endpoint: "https://psa.example/", token: "${PINATA_JWT}", keep: 3, poll_interval: 3s,
     origins: ["/dns4/${CLUSTER_HOST}/tcp/4001"], meta: {app: site}}
quorum: {ipfs: 2}
verify: {gateways: ["https://trustless-gateway.link"], timeout: 2m}
ens: {name: app.eth, rpc: "${ETH_RPC_URL}", chain_id: 1, via: safe, safe: "0x00000000000000000000000000000000000000aa", confirm_timeout: 5m}
`

var goodVars = map[string]string{
	"KUBO_TOKEN": "kubo-secret-1", "CLUSTER_HOST": "cluster.example", "PINATA_JWT": " jwt-secret-2 ",
	"ETH_RPC_URL": "https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161",
}

func TestParseGood(t *testing.T) {
	c, err := parse(t, good, goodVars)
	if err != nil {
		t.Fatal(err)
	}
	if c.Site != "dist" || len(c.Providers) != 4 {
		t.Fatalf("got %+v", c)
	}
	k := c.Providers[0].Settings.(*kubo.Config)
	if k.Token.Expose() != "kubo-secret-1" || k.Token.From() != "KUBO_TOKEN" || c.Providers[0].Line != 4 {
		t.Errorf("kubo entry: %+v", c.Providers[0])
	}
	cl := c.Providers[1].Settings.(*cluster.Config)
	if cl.Endpoint != "https://cluster.example:9094" || cl.Token.Expose() != "user:file-secret-value" || cl.Token.From() != "token_file secret.txt" {
		t.Errorf("cluster entry: endpoint %q token from %q", cl.Endpoint, cl.Token.From())
	}
	pol := c.Providers[1].Policy
	if cl.ReplicationMin != 2 || cl.ReplicationMax != 3 || pol.Timeout != 90*time.Second || pol.Retry.Attempts != 6 || cl.Auth != "basic" {
		t.Errorf("cluster settings: %+v %+v", cl, pol)
	}
	if cl.PinName != "dapp-publish" || cl.WaitTimeout != cluster.DefaultWaitTimeout {
		t.Errorf("cluster defaults not filled: %+v", cl.Polling)
	}
	pn := c.Providers[2]
	if pn.Settings.(*pinata.Config).Token.Expose() != "jwt-secret-2" || pn.Policy.Timeout != DefaultTimeout || pn.Policy.Retry.Attempts != DefaultRetries+1 {
		t.Errorf("pinata entry: %+v", pn)
	}
	ps := c.Providers[3].Settings.(*psa.Config)
	if ps.Keep != 3 || ps.PollInterval != 3*time.Second || ps.Origins[0] != "/dns4/cluster.example/tcp/4001" || ps.Meta["app"] != "site" {
		t.Errorf("psa entry: %+v", ps)
	}
	if c.ENS == nil || c.ENS.Name != "app.eth" || c.ENS.RPC != goodVars["ETH_RPC_URL"] || c.ENS.ChainID != 1 || c.ENS.ConfirmTimeout != 5*time.Minute || c.ENS.Line != 19 {
		t.Errorf("ens section: %+v", c.ENS)
	}
	for _, s := range []string{"kubo-secret-1", "jwt-secret-2", "user:file-secret-value", "cluster.example", goodVars["ETH_RPC_URL"]} {
		if !contains(c.Secrets(), s) {
			t.Errorf("Secrets() lacks %q", s)
		}
	}
	if !contains(c.URLs(), "https://cluster.example:9094") || !contains(c.URLs(), goodVars["ETH_RPC_URL"]) {
		t.Errorf("URLs() = %q", c.URLs())
	}
	msg := c.Redact("echo kubo-secret-1 and jwt-secret-2 and file-secret-value")
	if strings.Contains(msg, "secret") {
		t.Errorf("Redact left a secret: %q", msg)
	}
	err = c.RedactError(errors.New("server said: bad token jwt-secret-2"))
	if strings.Contains(err.Error(), "jwt-secret-2") {
		t.Errorf("RedactError left the secret: %v", err)
	}
	sel, err := c.Find([]string{"pinata", "own-node"})
	if err != nil || len(sel) != 2 || sel[0].Name != "pinata" {
		t.Errorf("Find = %v, %v", sel, err)
	}
	if _, err := c.Find([]string{"nope"}); err == nil || !strings.Contains(err.Error(), "own-node, cluster, pinata, psa") {
		t.Errorf("Find of an unknown name: %v", err)
	}
	// What was decoded builds.
	for _, p := range c.Providers {
		if _, err := all.Registry().New(p.Name, p.Type, p.Settings); err != nil {
			t.Errorf("building %s: %v", p.Name, err)
		}
	}
}

func TestSkipSections(t *testing.T) {
	src := "providers:\n  - {name: p, type: pinata, token: \"${PINATA_JWT}\"}\nens: {rpc: \"${ETH_RPC_URL}\"}\n"
	reg := all.Registry()
	if _, err := Parse("c.yaml", []byte(src), Options{Registry: reg, LookupEnv: env(nil)}); err == nil {
		t.Fatal("unset variables were not reported")
	}
	c, err := Parse("c.yaml", []byte(src), Options{Registry: reg, LookupEnv: env(map[string]string{"PINATA_JWT": "jwt-secret-2"}), SkipENS: true})
	if err != nil || len(c.Providers) != 1 || c.ENS != nil {
		t.Errorf("SkipENS: %v %+v", err, c)
	}
	c, err = Parse("c.yaml", []byte(src), Options{Registry: reg, LookupEnv: env(map[string]string{"ETH_RPC_URL": "https://rpc.example/k"}), SkipProviders: true})
	if err != nil || len(c.Providers) != 0 || c.ENS == nil || c.ENS.RPC != "https://rpc.example/k" {
		t.Errorf("SkipProviders: %v %+v", err, c)
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

func TestParseErrors(t *testing.T) {
	vars := map[string]string{"TOK": "secret-token-value", "EMPTY": "", "ONE": "e", "PORT": "5001", "CRED": "user:secret-token-value"}
	tests := []struct {
		name string
		src  string
		want []string // substrings of the error, the first is "file:line"
	}{
		{"unknown type", "providers:\n  - name: a\n    type: ipfs-magic\n", []string{"dapp-publish.yaml:3:", `unknown provider type "ipfs-magic"`, "cluster, filebase"}},
		{"missing type", "providers:\n  - name: a\n", []string{"dapp-publish.yaml:2:", "type is required"}},
		{"missing token variable", "providers:\n  - name: p\n    type: pinata\n    token: ${PINATA_JWT}\n", []string{"dapp-publish.yaml:4:", "${PINATA_JWT}", "not set"}},
		{"empty token variable", "providers:\n  - {name: p, type: pinata, token: \"${EMPTY}\"}\n", []string{"dapp-publish.yaml:2:", "${EMPTY}", "not set or empty"}},
		{"one-letter token", "providers:\n  - {name: p, type: pinata, token: \"${ONE}\"}\n", []string{"dapp-publish.yaml:2:", "${ONE}", "shorter than 8 characters"}},
		{"literal token", "providers:\n  - {name: p, type: pinata, token: eyJhbGciOi}\n", []string{"dapp-publish.yaml:2:", "environment reference"}},
		{"token and file", "providers:\n  - {name: p, type: pinata, token: \"${TOK}\", token_file: secret.txt}\n", []string{"not both"}},
		{"unreadable token file", "providers:\n  - name: p\n    type: pinata\n    token_file: nope.txt\n", []string{"dapp-publish.yaml:4:", "cannot read token_file nope.txt"}},
		{"empty token file", "providers:\n  - {name: p, type: pinata, token_file: empty.txt}\n", []string{"token_file empty.txt is not set or empty"}},
		{"short token file", "providers:\n  - {name: p, type: pinata, token_file: short.txt}\n", []string{"shorter than 8"}},
		{"malformed URL", "providers:\n  - name: k\n    type: kubo\n    endpoint: 127.0.0.1:5001\n", []string{"dapp-publish.yaml:4:", `endpoint is not an http(s) URL like https://host:port (the file says "127.0.0.1:5001")`}},
		{"URL with credentials", "providers:\n  - {name: k, type: kubo, endpoint: \"http://${CRED}@h:5001\"}\n", []string{"holds credentials", `(the file says "http://${CRED}@h:5001")`}},
		{"unset endpoint variable", "providers:\n  - {name: k, type: kubo, endpoint: \"http://${HOST}:5001\"}\n", []string{"${HOST}", "not set"}},
		{"short variable", "providers:\n  - {name: k, type: kubo, endpoint: \"http://127.0.0.1:${PORT}\"}\n", []string{"${PORT}", "4 characters long"}},
		{"duplicate names", "providers:\n  - {name: a, type: kubo, endpoint: \"http://h:1\"}\n  - {name: b, type: kubo, endpoint: \"http://h:2\"}\n  - {name: a, type: pinata, token: \"${TOK}\"}\n", []string{"dapp-publish.yaml:4:", `"a" is used twice (first at line 2)`}},
		{"bad name", "providers:\n  - {name: \"has space\", type: kubo}\n", []string{"name must be"}},
		{"unknown key", "providers:\n  - name: a\n    type: kubo\n    tokne: x\n", []string{"dapp-publish.yaml:4:", `unknown key "tokne"`, "kubo takes: endpoint, gateway, token, token_file, auth, provide"}},
		{"key of another type", "providers:\n  - {name: a, type: kubo, endpoint: \"http://h:1\", keep: 3}\n", []string{`unknown key "keep"`}},
		{"bad duration", "providers:\n  - {name: a, type: kubo, endpoint: \"http://h:1\", timeout: soon}\n", []string{`timeout "soon"`}},
		{"bad typed value", "providers:\n  - name: a\n    type: kubo\n    endpoint: \"http://h:1\"\n    provide: maybe\n", []string{"dapp-publish.yaml:5:", "provide"}},
		{"bad replication", "providers:\n  - {name: a, type: cluster, endpoint: \"http://h:1\", replication_min: 3, replication_max: 2}\n", []string{"replication_min"}},
		{"bad auth", "providers:\n  - name: a\n    type: kubo\n    endpoint: \"http://h:1\"\n    auth: digest\n", []string{"dapp-publish.yaml:5:", "auth must be bearer or basic"}},
		{"missing endpoint", "providers:\n  - {name: own-node, type: kubo}\n", []string{"dapp-publish.yaml:2:", `provider "own-node" (kubo): endpoint is required`}},
		{"not yaml", "providers: [\n", []string{"dapp-publish.yaml"}},
		{"providers not a list", "providers: {a: 1}\n", []string{"dapp-publish.yaml:1"}},
		{"ens unknown key", "ens:\n  name: app.eth\n  rcp: x\n", []string{"dapp-publish.yaml:3:", "rcp"}},
		{"ens bad rpc", "ens: {rpc: \"ftp://${TOK}@x\"}\n", []string{"dapp-publish.yaml:1:", "not an http(s) or ws(s) URL"}},
		{"ens bad via", "ens:\n  via: fax\n", []string{"dapp-publish.yaml:2:", "via must be"}},
		{"ens unset variable", "ens:\n  rpc: ${NOPE}\n", []string{"dapp-publish.yaml:2:", "${NOPE}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src, vars)
			if err == nil {
				t.Fatalf("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret-token-value") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

// TestNewProviderGetsSecretsForFree registers a provider type the config
// package has never heard of, with a JSON wallet secret and an endpoint:
// declaring the field's type is enough for ${VAR} and KEY_file, the
// bounded regular-file read, and Secrets().
func TestNewProviderGetsSecretsForFree(t *testing.T) {
	reg := pin.NewRegistry()
	pin.Register(reg, "perma", func(name string, s *walletSettings) (pin.Provider, error) { return nil, nil })
	dir := t.TempDir()
	wallet := dir + "/wallet.json"
	os.WriteFile(wallet, []byte(`{"kty":"RSA","d":"private-exponent-value"}`), 0o600)
	for _, src := range []string{
		"providers:\n  - {name: a, type: perma, gateway: \"http://h:1\", wallet: \"${WALLET_JSON}\", spend_cap: 7}\n",
		"providers:\n  - {name: a, type: perma, gateway: \"http://h:1\", wallet_file: " + wallet + ", spend_cap: 7}\n",
	} {
		c, err := Parse(dir+"/dapp-publish.yaml", []byte(src), Options{Registry: reg, LookupEnv: env(map[string]string{"WALLET_JSON": `{"kty":"RSA","d":"private-exponent-value"}`})})
		if err != nil {
			t.Fatal(err)
		}
		s := c.Providers[0].Settings.(*walletSettings)
		if !strings.Contains(s.Wallet.Expose(), "private-exponent-value") || s.SpendCap != 7 || !contains(c.Secrets(), s.Wallet.Expose()) {
			t.Errorf("settings %+v, secrets %d", s, len(c.Secrets()))
		}
		if strings.Contains(fmt.Sprintf("%v %+v", c, c.Providers), "private") {
			t.Error("printing the config shows the wallet")
		}
	}
	_, err := Parse(dir+"/dapp-publish.yaml", []byte("providers:\n  - {name: a, type: perma, wallet_file: /dev/zero}\n"), Options{Registry: reg})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), "dapp-publish.yaml:2:") {
		t.Errorf("wallet_file /dev/zero: %v", err)
	}
	_, err = Parse(dir+"/dapp-publish.yaml", []byte("providers:\n  - {name: a, type: perma, walet: x}\n"), Options{Registry: reg})
	if err == nil || !strings.Contains(err.Error(), "perma takes: gateway, wallet, wallet_file, spend_cap") {
		t.Errorf("unknown key: %v", err)
	}
}

type walletSettings struct {
	Gateway  string       `yaml:"gateway"`
	Wallet   secret.Value `yaml:"wallet"`
	SpendCap int          `yaml:"spend_cap"`
}

func (s *walletSettings) Validate() error {
	if !s.Wallet.IsSet() {
		return pin.InvalidField("wallet", "is required")
	}
	return nil
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("providers:\n  - {name: a, type: kubo}\n"))
	f.Add([]byte("providers: [{name: a, type: psa, endpoint: \"${X}\", keep: -1}]"))
	f.Add([]byte("ens: {rpc: \"${X}\", via: key}"))
	reg := all.Registry()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data, Options{Registry: reg, LookupEnv: env(map[string]string{"X": "http://host:1"}),
			ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, p := range c.Providers {
			if p.Name == "" || p.Type == "" || p.Settings == nil {
				t.Fatalf("accepted an entry without name, type or settings: %+v", p)
			}
		}
	})
}

func TestProviderNeverPrintsToken(t *testing.T) {
	c, err := parse(t, good, goodVars)
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("%v %+v %#v", c.Providers, c.Providers[2], c)
	for _, sec := range []string{"kubo-secret-1", "jwt-secret-2", "file-secret-value"} {
		if strings.Contains(s, sec) {
			t.Errorf("printing the config shows %q: %s", sec, s)
		}
	}
}
