package testpeers

import (
	"bytes"
	"crypto/ecdsa"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// focSource is the Solidity of the Filecoin Onchain Cloud stand-ins
// (testdata/foc/FOC.sol): compiled with npm solc when a test needs them,
// never committed as bytecode.
//
//go:embed testdata/foc/FOC.sol
var focSource string

// Contract is a compiled contract.
type Contract struct {
	ABI abi.ABI
	Bin []byte
}

// compiled caches compilations for the test binary's life (solcjs takes
// seconds per source).
var compiled = struct {
	sync.Mutex
	m map[string]map[string]Contract
}{m: map[string]map[string]Contract{}}

// CompileSolidity compiles one Solidity source with solcjs (npm solc,
// DAPP_PUBLISH_SOLC) and returns its contracts by name.
func CompileSolidity(t testing.TB, name, source string) map[string]Contract {
	t.Helper()
	solc := Path(t, "DAPP_PUBLISH_SOLC")
	compiled.Lock()
	defer compiled.Unlock()
	if cs, ok := compiled.m[name+"\x00"+source]; ok {
		return cs
	}
	input, _ := json.Marshal(map[string]any{
		"language": "Solidity",
		"sources":  map[string]any{name: map[string]string{"content": source}},
		"settings": map[string]any{
			"optimizer":       map[string]any{"enabled": true, "runs": 200},
			"viaIR":           true,
			"outputSelection": map[string]any{"*": map[string]any{"*": []string{"abi", "evm.bytecode.object"}}},
		},
	})
	script := "const solc=require(process.argv[1]);let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write(solc.compile(s)))"
	cmd := exec.Command("node", "-e", script, filepath.Clean(solc))
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("solc: %v\n%s", err, stderr.String())
	}
	var res struct {
		Errors []struct {
			Severity, FormattedMessage string
		}
		Contracts map[string]map[string]struct {
			ABI json.RawMessage
			EVM struct{ Bytecode struct{ Object string } }
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("solc output: %v", err)
	}
	for _, e := range res.Errors {
		if e.Severity == "error" {
			t.Fatalf("solc: %s", e.FormattedMessage)
		}
	}
	cs := map[string]Contract{}
	for cname, c := range res.Contracts[name] {
		a, err := abi.JSON(bytes.NewReader(c.ABI))
		if err != nil {
			t.Fatal(err)
		}
		bin, err := hex.DecodeString(strings.TrimPrefix(c.EVM.Bytecode.Object, "0x"))
		if err != nil {
			t.Fatal(err)
		}
		cs[cname] = Contract{ABI: a, Bin: bin}
	}
	compiled.m[name+"\x00"+source] = cs
	return cs
}

// FOC is a set of Filecoin Onchain Cloud stand-ins deployed on anvil.
type FOC struct {
	Anvil     *Anvil
	Contracts map[string]Contract
	Owner     *ecdsa.PrivateKey // deployer; mints USDFC and registers providers

	USDFC, Pay, PDPVerifier, Registry, FWSS common.Address
}

// FOC prices: 2.5 USDFC per TiB per month, and a data set fee of 0.06 USDFC
// a month (18 decimals), as the calibration network's FWSS lists them.
var (
	FOCPricePerTiBMonth = new(big.Int).Mul(big.NewInt(25), big.NewInt(1e17))
	FOCDataSetFee       = new(big.Int).Mul(big.NewInt(6), big.NewInt(1e16))
)

// StartFOC compiles the stand-ins and deploys them on a, from account 0.
func StartFOC(t testing.TB, a *Anvil) *FOC {
	t.Helper()
	f := &FOC{Anvil: a, Contracts: CompileSolidity(t, "FOC.sol", focSource), Owner: a.Key(t, 0)}
	f.USDFC = f.deploy(t, "USDFC")
	f.Pay = f.deploy(t, "FilecoinPay")
	f.PDPVerifier = f.deploy(t, "PDPVerifier")
	f.Registry = f.deploy(t, "ServiceProviderRegistry")
	f.FWSS = f.deploy(t, "FilecoinWarmStorageService", f.PDPVerifier, f.Pay, f.USDFC, f.Registry, FOCPricePerTiBMonth, FOCDataSetFee)
	return f
}

func (f *FOC) deploy(t testing.TB, name string, args ...any) common.Address {
	t.Helper()
	c, ok := f.Contracts[name]
	if !ok {
		t.Fatalf("no contract %s", name)
	}
	packed, err := c.ABI.Pack("", args...)
	if err != nil {
		t.Fatalf("constructor of %s: %v", name, err)
	}
	r := f.Anvil.Transact(t, f.Owner, nil, append(append([]byte(nil), c.Bin...), packed...))
	return r.ContractAddress
}

// Call sends a transaction calling method on contract name at to, from key.
func (f *FOC) Call(t testing.TB, key *ecdsa.PrivateKey, name string, to common.Address, method string, args ...any) {
	t.Helper()
	data, err := f.Contracts[name].ABI.Pack(method, args...)
	if err != nil {
		t.Fatalf("%s.%s: %v", name, method, err)
	}
	f.Anvil.Transact(t, key, &to, data)
}

// Read calls a view method and returns its outputs.
func (f *FOC) Read(t testing.TB, name string, to common.Address, method string, args ...any) []any {
	t.Helper()
	c := f.Contracts[name]
	data, err := c.ABI.Pack(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := f.Anvil.RPC.Call(&out, "eth_call", map[string]string{"to": to.Hex(), "data": "0x" + hex.EncodeToString(data)}, "latest"); err != nil {
		t.Fatalf("%s.%s: %v", name, method, err)
	}
	b, _ := hex.DecodeString(strings.TrimPrefix(out, "0x"))
	vals, err := c.ABI.Unpack(method, b)
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

// Mint gives to amount USDFC (base units).
func (f *FOC) Mint(t testing.TB, to common.Address, amount *big.Int) {
	f.Call(t, f.Owner, "USDFC", f.USDFC, "mint", to, amount)
}

// AddProvider registers a PDP provider with its capabilities (keys and
// values as ServiceProviderRegistry stores them), approves it on FWSS and
// returns its id.
func (f *FOC) AddProvider(t testing.TB, sp common.Address, name string, caps map[string][]byte) uint64 {
	t.Helper()
	id := f.RegisterProvider(t, sp, name, caps)
	f.Call(t, f.Owner, "FilecoinWarmStorageService", f.FWSS, "addApprovedProvider", new(big.Int).SetUint64(id))
	return id
}

// RegisterProvider registers a provider without approving it on FWSS.
func (f *FOC) RegisterProvider(t testing.TB, sp common.Address, name string, caps map[string][]byte) uint64 {
	t.Helper()
	var keys []string
	var vals [][]byte
	for k, v := range caps {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	f.Call(t, f.Owner, "ServiceProviderRegistry", f.Registry, "addProvider", sp, name, keys, vals)
	n := f.Read(t, "ServiceProviderRegistry", f.Registry, "getProvidersByProductType", uint8(0), false, big.NewInt(0), big.NewInt(1000))
	return uint64(reflect.ValueOf(n[0]).FieldByName("Providers").Len())
}
