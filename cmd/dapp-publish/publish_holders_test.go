package main

import (
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
	"github.com/dapp-publish/dapp-publish/pin/cluster"
	"github.com/dapp-publish/dapp-publish/pin/filebase"
	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/kubo"
	"github.com/dapp-publish/dapp-publish/pin/lighthouse"
	"github.com/dapp-publish/dapp-publish/pin/pinata"
	"github.com/dapp-publish/dapp-publish/publish"
)

// TestHolderCapabilities: what publish asks of a holder (its network, a
// partial CAR, retrieval through its own API) comes from the capabilities
// its provider declares, found through the retry, timeout and concurrency
// wrappers every configured provider is in.
func TestHolderCapabilities(t *testing.T) {
	if pin.NetworkIPFS != publish.NetworkIPFS || pin.NetworkFilecoin != publish.NetworkFilecoin || pin.NetworkArweave != publish.NetworkArweave {
		t.Fatal("pin's and publish's network names differ")
	}
	tok := pin.HTTP{Token: secret.New("a-token-of-some-length", "TOKEN")}
	build := func(p pin.Provider, err error) pin.Provider {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		p         pin.Provider
		network   string
		partial   bool
		retriever bool
	}{
		{build(kubo.New("k", &kubo.Config{HTTP: pin.HTTP{Endpoint: "http://127.0.0.1:5001"}})), pin.NetworkIPFS, true, true},
		{build(filebase.New("f", &filebase.Config{HTTP: tok})), pin.NetworkIPFS, false, true},
		{build(cluster.New("c", &cluster.Config{HTTP: pin.HTTP{Endpoint: "http://127.0.0.1:9094"}})), pin.NetworkIPFS, true, false},
		{build(pinata.New("p", &pinata.Config{HTTP: tok})), pin.NetworkIPFS, false, false},
		{build(lighthouse.New("l", &lighthouse.Config{HTTP: tok})), pin.NetworkFilecoin, false, false},
		{filecoin.NewWithBackend("foc", nil, filecoin.Settings{}, nil), pin.NetworkFilecoin, false, false},
		{build(arweave.New("a", &arweave.Config{Wallet: artxtest.Secret(0), StateDir: t.TempDir()})), pin.NetworkArweave, false, false},
	} {
		h := &pinHolder{p: pin.Wrap(tc.p, pin.Policy{Timeout: 1, Concurrency: 1})}
		_, retriever := holderCapability[pin.Retriever](h)
		if h.Network() != tc.network || h.Incremental() != tc.partial || retriever != tc.retriever {
			t.Errorf("%s: network %s, incremental %v, retriever %v; want %s, %v, %v",
				tc.p.Type(), h.Network(), h.Incremental(), retriever, tc.network, tc.partial, tc.retriever)
		}
	}
}
