package testpeers

import (
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// Safe is a real Safe 1.4.1 (npm @safe-global/safe-contracts artifacts)
// deployed on anvil as a proxy of the singleton, set up with owners and a
// threshold.
type Safe struct {
	Address common.Address
	ABI     *Artifact // the Safe singleton's ABI (the proxy forwards to it)
}

const safeArtifacts = "@safe-global/safe-contracts/build/artifacts/contracts/"

// DeploySafe deploys the singleton and the proxy factory, then creates a
// proxy with setup(owners, threshold) and returns it. Account 0 pays.
func (a *Anvil) DeploySafe(t testing.TB, owners []common.Address, threshold int) *Safe {
	t.Helper()
	key := a.Key(t, 0)
	single := LoadArtifact(t, safeArtifacts+"Safe.sol/Safe.json")
	factory := LoadArtifact(t, safeArtifacts+"proxies/SafeProxyFactory.sol/SafeProxyFactory.json")
	singleton := a.Deploy(t, key, single)
	factoryAddr := a.Deploy(t, key, factory)
	zero := common.Address{}
	setup, err := single.ABI.Pack("setup", owners, big.NewInt(int64(threshold)), zero, []byte{}, zero, zero, big.NewInt(0), zero)
	if err != nil {
		t.Fatal(err)
	}
	data, err := factory.ABI.Pack("createProxyWithNonce", singleton, setup, big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	r := a.Transact(t, key, &factoryAddr, data)
	created := factory.ABI.Events["ProxyCreation"].ID
	for _, l := range r.Logs {
		if l.Address == factoryAddr && len(l.Topics) > 1 && l.Topics[0] == created {
			return &Safe{Address: common.BytesToAddress(l.Topics[1][12:]), ABI: single}
		}
	}
	t.Fatal("SafeProxyFactory emitted no ProxyCreation event")
	return nil
}

// Exec executes a Safe transaction with the given packed signatures, sent
// by key (any account may relay).
func (s *Safe) Exec(t testing.TB, a *Anvil, key *ecdsa.PrivateKey, to common.Address, data []byte, operation uint8, sigs []byte) {
	t.Helper()
	zero := common.Address{}
	z := big.NewInt(0)
	a.Call(t, key, s.Address, s.ABI, "execTransaction", to, z, data, operation, z, z, z, zero, zero, sigs)
}
