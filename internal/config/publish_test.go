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
  allow_redirects: true
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
	if p.Quorum["ipfs"] != 2 || p.Quorum["gateways"] != 1 || len(p.Gateways) != 2 || p.Gateways[0] != "https://trustless-gateway.link" || p.VerifyTimeout != 2*time.Minute || !p.AllowRedirects {
		t.Fatalf("publish %+v", p)
	}
	e := c.ENS
	if e == nil || e.Name != "app.eth" || e.ChainID != 11155111 || e.Via != "safe" || e.Confirmations != 3 || e.KeyFile != "/cfg/keys/signer.hex" || e.Line != 6 {
		t.Fatalf("ens %+v", e)
	}
	if e.Need("name", "x") != nil || e.Need("rpc", "x") != nil {
		t.Error("Need refused keys that are set")
	}
	// The gateway's and the RPC's variables are secrets of the config.
	if !contains(c.Secrets(), "http://127.0.0.1:8080") || !contains(c.URLs(), "https://rpc.example/v3/abcdef0123456789?key=qwertyuiop") {
		t.Errorf("secrets %d, URLs %d", len(c.Secrets()), len(c.URLs()))
	}
	// The RPC URL's key is redacted from anything printed.
	msg := c.Redact("failed to reach " + e.RPC)
	if strings.Contains(msg, "abcdef0123456789") || strings.Contains(msg, "qwertyuiop") {
		t.Fatalf("redacted: %s", msg)
	}
}

// TestParsePublishDefaults: the section keeps what is unset as zero (the
// commands fill their defaults below their flags); Need names the missing
// key at the section's line.
func TestParsePublishDefaults(t *testing.T) {
	c, err := parse(t, "site: dist\nens:\n  rpc: \"http://127.0.0.1:8545\"\n  out: calldata\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := c.ENS
	if e.ChainID != 0 || e.Via != "" || e.Confirmations != 0 || e.Content != "" || e.Out != "/cfg/calldata" || c.Publish.VerifyTimeout != DefaultVerifyTimeout || c.Publish.AllowRedirects {
		t.Fatalf("defaults %+v %+v", e, c.Publish)
	}
	if err := e.Need("name", "the name to point at the site"); err == nil || !strings.Contains(err.Error(), "dapp-publish.yaml:2: ens: name is required (the name to point at the site)") {
		t.Errorf("Need: %v", err)
	}
	if c, _ := parse(t, "site: dist\n", nil); c.ENS != nil || len(c.Publish.Quorum) != 0 {
		t.Fatalf("no sections: %+v", c.Publish)
	}
}

func TestParsePublishErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"quorum: {ipfs: -1}\n", ":1: quorum: ipfs: -1 is negative"},
		{"quorum: {swarm: 1}\n", ":1: quorum: unknown network \"swarm\""},
		{"verify: {gateways: [\"ftp://x\"]}\n", ":1: verify.gateways: \"ftp://x\" is not an http(s) URL"},
		{"verify: {timeout: soon}\n", ":1: verify.timeout \"soon\""},
		{"verify: {allow_redirects: maybe}\n", ":1: cannot unmarshal string into Go struct field file.Verify of type bool"},
		{"verify: {gatewayz: []}\n", "unknown field \"gatewayz\""},
		{"ens:\n  name: \"\"\n", ":2: ens.name is empty"},
		{"ens:\n  name: a.eth\n  rpc: \"${NOPE}\"\n", ":3: ens.rpc uses ${NOPE}, which is not set"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  safe_service: ftp://x\n", ":4: ens.safe_service ftp://x is not an http(s) URL"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  key: x\n", ":4: ens: unknown key \"key\" (the section takes: name, rpc, chain_id, via, safe, safe_service, registry, name_wrapper, confirmations, confirm_timeout, key_file, out, content)"},
		{"ens:\n  name: a.eth\n  confirm_timeout: -1m\n", ":3: ens.confirm_timeout cannot be negative"},
		{"verify: {gateways: [\"${NOPE}\"]}\n", ":1: verify.gateways uses ${NOPE}, which is not set"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  via: mail\n", ":4: ens.via must be key, safe or calldata"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  via: safe\n", ":4: ens: via safe needs safe:"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  safe: 0x12\n", ":4: ens.safe \"18\" is not a 0x-prefixed 20-byte hex address (write it in quotes"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  confirmations: 0\n", ":4: ens.confirmations must be at least 1"},
		{"ens:\n  name: a.eth\n  rpc: http://x\n  content: swarm\n", ":4: ens.content must be ipfs or arweave, not \"swarm\""},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.src, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}
