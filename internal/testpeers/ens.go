package testpeers

import (
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Artifact is a compiled contract from an npm package (Truffle or Hardhat
// JSON): its ABI and creation bytecode.
type Artifact struct {
	ABI      abi.ABI
	Bytecode []byte
}

// LoadArtifact reads an artifact JSON file below the npm peers folder, for
// example "@ensdomains/ens/build/contracts/ENSRegistry.json".
func LoadArtifact(t testing.TB, rel string) *Artifact {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(NPMDir(t), rel))
	if err != nil {
		t.Fatalf("reading contract artifact: %v", err)
	}
	var raw struct {
		ABI      json.RawMessage `json:"abi"`
		Bytecode string          `json:"bytecode"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	a := &Artifact{}
	if a.ABI, err = abi.JSON(strings.NewReader(string(raw.ABI))); err != nil {
		t.Fatalf("%s: abi: %v", rel, err)
	}
	if a.Bytecode, err = hex.DecodeString(strings.TrimPrefix(raw.Bytecode, "0x")); err != nil || len(a.Bytecode) == 0 {
		t.Fatalf("%s: no creation bytecode (%v)", rel, err)
	}
	return a
}

// Deploy creates the contract with constructor args and returns its address.
func (a *Anvil) Deploy(t testing.TB, key *ecdsa.PrivateKey, art *Artifact, args ...any) common.Address {
	t.Helper()
	ctor, err := art.ABI.Pack("", args...)
	if err != nil {
		t.Fatalf("packing constructor: %v", err)
	}
	r := a.Transact(t, key, nil, append(append([]byte{}, art.Bytecode...), ctor...))
	return r.ContractAddress
}

// Call packs and sends a state-changing call to a contract, failing the test
// unless it succeeds.
func (a *Anvil) Call(t testing.TB, key *ecdsa.PrivateKey, to common.Address, art *Artifact, method string, args ...any) {
	t.Helper()
	data, err := art.ABI.Pack(method, args...)
	if err != nil {
		t.Fatalf("packing %s: %v", method, err)
	}
	a.Transact(t, key, &to, data)
}

// ENS is the real ENS registry and public resolver (bytecode from the npm
// packages @ensdomains/ens and @ensdomains/resolver) deployed on anvil.
// Account 0 owns the root.
type ENS struct {
	Anvil       *Anvil
	Registry    common.Address
	Resolver    common.Address
	RegistryABI *Artifact
	ResolverABI *Artifact
	root        *ecdsa.PrivateKey
}

// DeployENS deploys a registry and a PublicResolver bound to it.
func DeployENS(t testing.TB, a *Anvil) *ENS {
	t.Helper()
	e := &ENS{
		Anvil:       a,
		RegistryABI: LoadArtifact(t, "@ensdomains/ens/build/contracts/ENSRegistry.json"),
		ResolverABI: LoadArtifact(t, "@ensdomains/resolver/build/contracts/PublicResolver.json"),
		root:        a.Key(t, 0),
	}
	e.Registry = a.Deploy(t, e.root, e.RegistryABI)
	e.Resolver = e.DeployResolver(t)
	return e
}

// DeployResolver deploys another PublicResolver on the same registry.
func (e *ENS) DeployResolver(t testing.TB) common.Address {
	t.Helper()
	return e.Anvil.Deploy(t, e.root, e.ResolverABI, e.Registry)
}

// Register creates name (an already normalised, dotted ASCII name), sets its
// resolver (zero: none) and hands it to owner. Parents are created as needed
// and stay with account 0.
func (e *ENS) Register(t testing.TB, name string, resolver, owner common.Address) {
	t.Helper()
	labels := strings.Split(name, ".")
	node := common.Hash{}
	rootAddr := crypto.PubkeyToAddress(e.root.PublicKey)
	for i := len(labels) - 1; i >= 0; i-- {
		label := crypto.Keccak256Hash([]byte(labels[i]))
		e.Anvil.Call(t, e.root, e.Registry, e.RegistryABI, "setSubnodeOwner", node, label, rootAddr)
		node = crypto.Keccak256Hash(node[:], label[:])
	}
	if resolver != (common.Address{}) {
		e.Anvil.Call(t, e.root, e.Registry, e.RegistryABI, "setResolver", node, resolver)
	}
	if owner != rootAddr {
		e.Anvil.Call(t, e.root, e.Registry, e.RegistryABI, "setOwner", node, owner)
	}
}
