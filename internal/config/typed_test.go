package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/all"
	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/lighthouse"
)

const testKey = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" // anvil's account 1: test only

// parseDir parses src as dir/dapp-publish.yaml with the real registry and
// the real secret file reader (regular files of bounded size only).
func parseDir(t *testing.T, dir, src string, vars map[string]string) (*Config, error) {
	t.Helper()
	return Parse(filepath.Join(dir, "dapp-publish.yaml"), []byte(src), Options{Registry: all.Registry(), LookupEnv: env(vars)})
}

// TestFilecoinEntry: a filecoin entry's keys sit beside name and type; its
// key is a secret like any token (${VAR} or key_file, never written into
// the file, scrubbed in every spelling), and its errors carry the line.
func TestFilecoinEntry(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "key.hex"), []byte("0x"+testKey+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "big.hex"), []byte(strings.Repeat("a", 70<<10)), 0o600)
	entry := func(keys string) string {
		return "providers:\n  - name: foc\n    type: filecoin\n    endpoint: \"${FOC_RPC}\"\n" + keys
	}
	vars := map[string]string{"FOC_KEY": testKey, "FOC_RPC": "https://rpc.example/rpc/v1?apikey=rpc-api-key-value", "BAD": "zz" + testKey}
	c, err := parseDir(t, dir, entry("    network: calibration\n    key: \"${FOC_KEY}\"\n    max_per_run: \"1.5\"\n    confirm_wait: 20m\n"), vars)
	if err != nil {
		t.Fatal(err)
	}
	fc := c.Providers[0].Settings.(*filecoin.Config)
	if fc.Network != "calibration" || fc.Key.From() != "FOC_KEY" || fc.MaxPerRun != "1.5" || fc.ConfirmWait.Minutes() != 20 {
		t.Errorf("settings %+v", fc)
	}
	if got := c.Redact("key " + testKey + " 0x" + strings.ToUpper(testKey) + " rpc-api-key-value"); strings.Contains(got, testKey) ||
		strings.Contains(got, strings.ToUpper(testKey)) || strings.Contains(got, "rpc-api-key-value") {
		t.Errorf("not redacted: %s", got)
	}
	for _, printed := range []string{c.String(), c.GoString(), c.Providers[0].String()} {
		if strings.Contains(printed, testKey[:16]) {
			t.Errorf("a printed form shows the key: %s", printed)
		}
	}
	c, err = parseDir(t, dir, entry("    network: mainnet\n    key_file: key.hex\n    max_per_run: \"2\"\n"), vars)
	if err != nil || c.Providers[0].Settings.(*filecoin.Config).Key.From() != "key_file key.hex" {
		t.Errorf("key_file: %v", err)
	}
	for _, tc := range []struct{ keys, want string }{
		{"    network: calibration\n    key: \"" + testKey + "\"\n    max_per_run: \"1\"\n", ":6: provider \"foc\" (filecoin): key must be an environment reference like ${KEY}"},
		{"    network: calibration\n    key: \"${NOPE}\"\n    max_per_run: \"1\"\n", ":6: provider \"foc\" (filecoin): key comes from ${NOPE}, which is not set"},
		{"    network: calibration\n    key_file: /dev/zero\n    max_per_run: \"1\"\n", ":6: provider \"foc\" (filecoin): cannot read key_file /dev/zero: not a regular file"},
		{"    network: calibration\n    key_file: big.hex\n    max_per_run: \"1\"\n", ":6: provider \"foc\" (filecoin): cannot read key_file big.hex: larger than 64 KiB"},
		{"    network: calibration\n    key: \"${FOC_KEY}\"\n", ":2: provider \"foc\" (filecoin): max_per_run is required"},
		{"    network: calibration\n    key: \"${FOC_KEY}\"\n    max_per_run: \"-1\"\n", ":7: provider \"foc\" (filecoin): max_per_run \"-1\" is not an amount"},
		{"    network: moon\n    key: \"${FOC_KEY}\"\n    max_per_run: \"1\"\n", ":5: provider \"foc\" (filecoin): network must be mainnet, calibration or custom"},
		{"    network: custom\n    key: \"${FOC_KEY}\"\n    max_per_run: \"1\"\n", ":5: provider \"foc\" (filecoin): network custom needs fwss"},
		{"    network: calibration\n    key: \"${BAD}\"\n    max_per_run: \"1\"\n", ":6: provider \"foc\" (filecoin): key from BAD is not a hex secp256k1 private key"},
		{"    filecoin: {network: calibration}\n", ":5: provider \"foc\" (filecoin): unknown key \"filecoin\" (filecoin takes: endpoint, network, fwss, chain_id, key, key_file, provider_id"},
		{"    filecoin: {network: calibration}\n", "poll_interval); the keys of a filecoin: block now sit in the entry itself: move them up one level"},
		{"    network: calibration\n    token: \"${FOC_KEY}\"\n", ":6: provider \"foc\" (filecoin): unknown key \"token\""},
	} {
		_, err := parseDir(t, dir, entry(tc.keys), vars)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.keys, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), testKey[:16]) || strings.Contains(err.Error(), "rpc-api-key-value")) {
			t.Errorf("%q: the error shows a secret: %v", tc.keys, err)
		}
	}
}

func TestLighthouseEntry(t *testing.T) {
	vars := map[string]string{"LH": "lighthouse-api-key"}
	c, err := parseDir(t, t.TempDir(), "providers:\n  - {name: lh, type: lighthouse, token: \"${LH}\", deal_wait: 2h}\n", vars)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Providers[0].Settings.(*lighthouse.Config); s.DealWait.Hours() != 2 || s.API != lighthouse.DefaultAPI || s.Endpoint != lighthouse.DefaultNode || s.Token.Expose() != "lighthouse-api-key" {
		t.Errorf("settings %+v", s)
	}
	if _, err := all.Registry().New("lh", "lighthouse", c.Providers[0].Settings); err != nil {
		t.Errorf("building: %v", err)
	}
	for _, tc := range []struct{ src, want string }{
		{"providers:\n  - {name: lh, type: lighthouse, token: \"${LH}\", api: \"ftp://x\"}\n", `api is not an http(s) URL`},
		{"providers:\n  - {name: lh, type: lighthouse}\n", `token is required: set token: ${LIGHTHOUSE_API_KEY} or token_file: PATH`},
		{"providers:\n  - {name: lh, type: lighthouse, token: \"${LH}\", lighthouse: {deal_wait: 2h}}\n", `unknown key "lighthouse"`},
	} {
		if _, err := parseDir(t, t.TempDir(), tc.src, vars); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
}
