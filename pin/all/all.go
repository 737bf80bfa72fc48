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

// Registry returns a registry with every provider type: its settings
// (config.go of each package) and its constructor.
func Registry() *pin.Registry {
	r := pin.NewRegistry()
	pin.Register(r, kubo.Type, kubo.New)
	pin.Register(r, cluster.Type, cluster.New)
	pin.Register(r, psa.Type, psa.New)
	pin.Register(r, pinata.Type, pinata.New)
	pin.Register(r, filebase.Type, filebase.New)
	pin.Register(r, filecoin.Type, filecoin.New)
	pin.Register(r, lighthouse.Type, lighthouse.New)
	pin.Register(r, arweave.Type, arweave.New)
	return r
}
