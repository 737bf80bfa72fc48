package config

import (
	"strings"
	"testing"
	"time"
)

func TestParsePublishSections(t *testing.T) {
	src := `quorum: {ipfs: 2, gateways: 1}
verify:
  gateways: ["https://trustless-gateway.link/", "${GW}"]
  timeout: 2m
ens:
  name: app.eth
  rpc: "${ETH_RPC_URL}"
  chain_id: 11155111
  via: safe
  safe: "0x00000000000000000000000000000000000000aa"
  confirmations: 3
  key_file: keys/signer.hex
`
	c, err := parse(t, src, map[string]string{"ETH_RPC_URL": "https://rpc.example/v3/abcdef0123456789?key=qwertyuiop", "GW": "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Publish
	if p.Quorum["ipfs"] != 2 || p.Quorum["gateways"] != 1 || len(p.Gateways) != 2 || p.Gateways[0] != "https://trustless-gateway.link" || p.VerifyTimeout != 2*time.Minute {
		t.Fatalf("publish %+v", p)
	}
	e := p.ENS
	if e == nil || e.Name != "app.eth" || e.ChainID != 11155111 || e.Via != "safe" || e.Confirmations != 3 || e.KeyFile != "/cfg/keys/signer.hex" || e.Line != 6 {
		t.Fatalf("ens %+v", e)
	}
	// The RPC URL's key is redacted from anything printed.
	msg := c.Redact("failed to reach " + e.RPC)
	if strings.Contains(msg, "abcdef0123456789") || strings.Contains(msg, "qwertyuiop") || !strings.Contains(msg, "rpc.example") {
		t.Fatalf("redacted: %s", msg)
	}
}

func TestParsePublishDefaults(t *testing.T) {
	c, err := parse(t, "ens: {name: app.eth, rpc: \"http://127.0.0.1:8545\"}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := c.Publish.ENS
	if e.ChainID != 1 || e.Via != "key" || e.Confirmations != 2 || e.Content != "ipfs" || c.Publish.VerifyTimeout != DefaultVerifyTimeout {
		t.Fatalf("defaults %+v", e)
	}
	if c, _ := parse(t, "site: dist\n", nil); c.Publish.ENS != nil || len(c.Publish.Quorum) != 0 {
		t.Fatalf("no sections: %+v", c.Publish)
	}
}

func TestParsePublishErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"quorum: {ipfs: -1}\n", ":1: quorum: ipfs: -1 is negative"},
		{"quorum: {swarm: 1}\n", ":1: quorum: unknown network \"swarm\""},
		{"verify: {gateways: [\"ftp://x\"]}\n", ":1: verify.gateways: \"ftp://x\" is not an http(s) URL"},
		{"verify: {timeout: soon}\n", ":1: verify.timeout \"soon\""},
		{"verify: {gatewayz: []}\n", "unknown field \"gatewayz\""},
		{"ens:\n  rpc: http://x\n", ":2: ens: name is required"},
		{"ens:\n  name: a.eth\n", ":2: ens: rpc is required"},
		{"ens:\n  name: a.eth\n  rpc: \"${NOPE}\"\n", ":3: ens.rpc uses ${NOPE}, which is not set"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  via: mail\n", ":4: ens.via must be key, safe or calldata"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  via: safe\n", ":4: ens: via safe needs safe:"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  safe: 0x12\n", ":4: ens.safe \"18\" is not a 0x-prefixed 20-byte address (write it in quotes"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  confirmations: 0\n", ":4: ens.confirmations must be at least 1"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  content: swarm\n", ":4: ens.content \"swarm\" is not supported"},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.src, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}
