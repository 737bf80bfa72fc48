// Package all lists every IPFS provider type the program can build: one
// explicit registry, no init() side effects.
package all

import (
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/cluster"
	"github.com/dapp-publish/dapp-publish/pin/filebase"
	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/kubo"
	"github.com/dapp-publish/dapp-publish/pin/lighthouse"
	"github.com/dapp-publish/dapp-publish/pin/pinata"
	"github.com/dapp-publish/dapp-publish/pin/psa"
)

// Registry returns a registry with every provider type.
func Registry() *pin.Registry {
	r := pin.NewRegistry()
	r.Register(kubo.Type, kubo.New)
	r.Register(cluster.Type, cluster.New)
	r.Register(psa.Type, psa.New)
	r.Register(pinata.Type, pinata.New)
	r.Register(filebase.Type, filebase.New)
	r.Register(filecoin.Type, filecoin.New)
	r.Register(lighthouse.Type, lighthouse.New)
	r.Register(arweave.Type, arweave.New)
	return r
}
