package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

var known = []string{"kubo", "cluster", "psa", "pinata", "filebase"}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func parse(t *testing.T, src string, vars map[string]string) (*Config, error) {
	t.Helper()
	files := map[string]string{"/cfg/secret.txt": "file-secret-value\n", "/cfg/empty.txt": "  \n"}
	return Parse("/cfg/dapp-publish.yaml", []byte(src), Options{
		KnownTypes: known,
		LookupEnv:  env(vars),
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, os.ErrNotExist
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
quorum: {ipfs: 2}
verify: {gateways: ["https://trustless-gateway.link"], timeout: 2m}
`

func TestParseGood(t *testing.T) {
	c, err := parse(t, good, map[string]string{"KUBO_TOKEN": "kubo-secret-1", "CLUSTER_HOST": "cluster.example", "PINATA_JWT": " jwt-secret-2 "})
	if err != nil {
		t.Fatal(err)
	}
	if c.Site != "dist" || len(c.Providers) != 3 {
		t.Fatalf("got %+v", c)
	}
	k, cl, pn := c.Providers[0], c.Providers[1], c.Providers[2]
	if k.Token != "kubo-secret-1" || k.TokenFrom != "KUBO_TOKEN" || k.Line != 4 {
		t.Errorf("kubo entry: %+v", k)
	}
	if cl.Endpoint != "https://cluster.example:9094" || cl.Token != "file-secret-value" || cl.TokenFrom != "token_file /cfg/secret.txt" {
		t.Errorf("cluster entry: endpoint %q tokenFrom %q", cl.Endpoint, cl.TokenFrom)
	}
	if cl.ReplicationMin != 2 || cl.ReplicationMax != 3 || cl.Policy.Timeout != 90*time.Second || cl.Policy.Retry.Attempts != 6 || cl.Auth != "basic" {
		t.Errorf("cluster settings: %+v", cl)
	}
	if pn.Token != "jwt-secret-2" || pn.Policy.Timeout != DefaultTimeout || pn.Policy.Retry.Attempts != DefaultRetries+1 {
		t.Errorf("pinata entry: %+v", pn)
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
	if _, err := c.Find([]string{"nope"}); err == nil || !strings.Contains(err.Error(), "own-node, cluster, pinata") {
		t.Errorf("Find of an unknown name: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	vars := map[string]string{"TOK": "secret-token-value", "EMPTY": ""}
	tests := []struct {
		name string
		src  string
		want []string // substrings of the error, the first is "file:line"
	}{
		{"unknown type", "providers:\n  - name: a\n    type: ipfs-magic\n", []string{"dapp-publish.yaml:3:", `unknown provider type "ipfs-magic"`, "kubo, cluster"}},
		{"missing type", "providers:\n  - name: a\n", []string{"dapp-publish.yaml:2:", "type is required"}},
		{"missing token variable", "providers:\n  - name: p\n    type: pinata\n    token: ${PINATA_JWT}\n", []string{"dapp-publish.yaml:4:", "${PINATA_JWT}", "not set"}},
		{"empty token variable", "providers:\n  - {name: p, type: pinata, token: \"${EMPTY}\"}\n", []string{"dapp-publish.yaml:2:", "${EMPTY}"}},
		{"literal token", "providers:\n  - {name: p, type: pinata, token: eyJhbGciOi}\n", []string{"dapp-publish.yaml:2:", "environment reference"}},
		{"token and file", "providers:\n  - {name: p, type: pinata, token: \"${TOK}\", token_file: secret.txt}\n", []string{"not both"}},
		{"unreadable token file", "providers:\n  - name: p\n    type: pinata\n    token_file: nope.txt\n", []string{"dapp-publish.yaml:4:", "cannot read token_file"}},
		{"empty token file", "providers:\n  - {name: p, type: pinata, token_file: empty.txt}\n", []string{"is empty"}},
		{"malformed URL", "providers:\n  - name: k\n    type: kubo\n    endpoint: 127.0.0.1:5001\n", []string{"dapp-publish.yaml:4:", `endpoint "127.0.0.1:5001" is not an http(s) URL`}},
		{"URL with credentials", "providers:\n  - {name: k, type: kubo, endpoint: \"http://u:p@h:5001\"}\n", []string{"not an http(s) URL"}},
		{"unset endpoint variable", "providers:\n  - {name: k, type: kubo, endpoint: \"http://${HOST}:5001\"}\n", []string{"${HOST}", "not set"}},
		{"duplicate names", "providers:\n  - {name: a, type: kubo, endpoint: \"http://h:1\"}\n  - {name: b, type: kubo, endpoint: \"http://h:2\"}\n  - {name: a, type: pinata, token: \"${TOK}\"}\n", []string{"dapp-publish.yaml:4:", `"a" is used twice (first at line 2)`}},
		{"bad name", "providers:\n  - {name: \"has space\", type: kubo}\n", []string{"name must be"}},
		{"unknown key", "providers:\n  - name: a\n    type: kubo\n    tokne: x\n", []string{"dapp-publish.yaml:4:", "tokne"}},
		{"bad duration", "providers:\n  - {name: a, type: kubo, endpoint: \"http://h:1\", timeout: soon}\n", []string{`timeout "soon"`}},
		{"bad replication", "providers:\n  - {name: a, type: cluster, replication_min: 3, replication_max: 2}\n", []string{"replication_min"}},
		{"bad auth", "providers:\n  - {name: a, type: kubo, auth: digest}\n", []string{"auth must be"}},
		{"not yaml", "providers: [\n", []string{"dapp-publish.yaml"}},
		{"providers not a list", "providers: {a: 1}\n", []string{"dapp-publish.yaml:1"}},
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

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("providers:\n  - {name: a, type: kubo}\n"))
	f.Add([]byte("providers: [{name: a, type: psa, endpoint: \"${X}\", keep: -1}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data, Options{KnownTypes: known, LookupEnv: env(map[string]string{"X": "http://h:1"}),
			ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, p := range c.Providers {
			if p.Name == "" || p.Type == "" {
				t.Fatalf("accepted an entry without name or type: %+v", p)
			}
		}
	})
}

func TestProviderNeverPrintsToken(t *testing.T) {
	c, err := parse(t, good, map[string]string{"KUBO_TOKEN": "kubo-secret-1", "CLUSTER_HOST": "h", "PINATA_JWT": "jwt-secret-2"})
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
