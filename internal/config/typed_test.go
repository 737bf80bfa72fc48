package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/lighthouse"
)

const testKey = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" // anvil's account 1: test only

func parseTyped(t *testing.T, dir, src string, vars map[string]string) (*Config, error) {
	t.Helper()
	return Parse(filepath.Join(dir, "dapp-publish.yaml"), []byte(src), Options{
		KnownTypes: []string{"kubo", "filecoin", "lighthouse"}, LookupEnv: env(vars)})
}

func TestFilecoinSettings(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "key.hex"), []byte("0x"+testKey+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "big.hex"), []byte(strings.Repeat("a", 5000)), 0o600)
	entry := func(block string) string {
		return "providers:\n  - name: foc\n    type: filecoin\n    endpoint: https://rpc.example/rpc/v1\n    filecoin: " + block + "\n"
	}
	vars := map[string]string{"FOC_KEY": testKey}
	c, err := parseTyped(t, dir, entry(`{network: calibration, key: "${FOC_KEY}", max_per_run: "1.5"}`), vars)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Providers[0].Settings.(filecoin.Settings)
	if s.ChainID != 314159 || s.MaxPerRun.String() != "1500000000000000000" || s.MinRunwayDays != 30 || s.KeyFrom != "${FOC_KEY}" {
		t.Errorf("settings %v", s)
	}
	if got := c.Redact("key " + testKey + " 0x" + testKey); strings.Contains(got, testKey) {
		t.Errorf("key not redacted: %s", got)
	}
	for _, printed := range []string{c.String(), s.String(), s.GoString()} {
		if strings.Contains(printed, testKey[:16]) {
			t.Errorf("a printed form shows the key: %s", printed)
		}
	}
	if c, err := parseTyped(t, dir, entry(`{network: mainnet, key_file: key.hex, max_per_run: "2"}`), nil); err != nil || c.Providers[0].Settings.(filecoin.Settings).KeyFrom == "" {
		t.Errorf("key_file: %v", err)
	}
	for _, tc := range []struct{ block, want string }{
		{`{network: calibration, key: "` + testKey + `", max_per_run: "1"}`, "environment reference"},
		{`{network: calibration, key: "${NOPE}", max_per_run: "1"}`, "not set"},
		{`{network: calibration, key_file: /dev/zero, max_per_run: "1"}`, "not a regular file"},
		{`{network: calibration, key_file: big.hex, max_per_run: "1"}`, "at most 4096 bytes"},
		{`{network: calibration, key: "${FOC_KEY}"}`, "max_per_run is required"},
		{`{network: calibration, key: "${FOC_KEY}", max_per_run: "-1"}`, "not an amount"},
		{`{network: moon, key: "${FOC_KEY}", max_per_run: "1"}`, "mainnet, calibration or custom"},
		{`{network: custom, key: "${FOC_KEY}", max_per_run: "1"}`, "needs fwss"},
		{`{network: calibration, key: "${BAD}", max_per_run: "1"}`, "not a hex secp256k1"},
	} {
		_, err := parseTyped(t, dir, entry(tc.block), map[string]string{"FOC_KEY": testKey, "BAD": "zz" + testKey})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "dapp-publish.yaml:") {
			t.Errorf("%s: %v, want %q", tc.block, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), testKey[:16]) {
			t.Errorf("%s: the error shows the key: %v", tc.block, err)
		}
	}
	if _, err := parseTyped(t, dir, "providers:\n  - {name: foc, type: filecoin}\n", nil); err == nil || !strings.Contains(err.Error(), "needs a filecoin: block") {
		t.Errorf("no block: %v", err)
	}
	if _, err := parseTyped(t, dir, "providers:\n  - {name: k, type: kubo, endpoint: \"http://127.0.0.1:5001\", filecoin: {network: mainnet}}\n", nil); err == nil || !strings.Contains(err.Error(), "belongs to type filecoin") {
		t.Errorf("block under kubo: %v", err)
	}
}

func TestLighthouseSettings(t *testing.T) {
	c, err := parseTyped(t, t.TempDir(), "providers:\n  - {name: lh, type: lighthouse, token: \"${LH}\", lighthouse: {deal_wait: 2h}}\n", map[string]string{"LH": "k"})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Providers[0].Settings.(lighthouse.Settings); s.DealWait.Hours() != 2 || s.API != lighthouse.DefaultAPI {
		t.Errorf("settings %+v", s)
	}
	if _, err := parseTyped(t, t.TempDir(), "providers:\n  - {name: lh, type: lighthouse, token: \"${LH}\", lighthouse: {api: \"ftp://x\"}}\n", map[string]string{"LH": "k"}); err == nil {
		t.Error("an ftp api URL was accepted")
	}
}
