package ens

import (
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
)

// Only the functions dapp-publish calls, from the ENS and Safe contracts
// (selectors in shared/docs/protocols.md 1.2). Keeping them here avoids
// generated bindings and makes every call site explicit.
const (
	registryABIJSON = `[
 {"type":"function","name":"owner","stateMutability":"view","inputs":[{"name":"node","type":"bytes32"}],"outputs":[{"type":"address"}]},
 {"type":"function","name":"resolver","stateMutability":"view","inputs":[{"name":"node","type":"bytes32"}],"outputs":[{"type":"address"}]},
 {"type":"function","name":"isApprovedForAll","stateMutability":"view","inputs":[{"name":"owner","type":"address"},{"name":"operator","type":"address"}],"outputs":[{"type":"bool"}]}
]`
	resolverABIJSON = `[
 {"type":"function","name":"contenthash","stateMutability":"view","inputs":[{"name":"node","type":"bytes32"}],"outputs":[{"type":"bytes"}]},
 {"type":"function","name":"setContenthash","stateMutability":"nonpayable","inputs":[{"name":"node","type":"bytes32"},{"name":"hash","type":"bytes"}],"outputs":[]},
 {"type":"function","name":"supportsInterface","stateMutability":"view","inputs":[{"name":"interfaceID","type":"bytes4"}],"outputs":[{"type":"bool"}]},
 {"type":"function","name":"isApprovedForAll","stateMutability":"view","inputs":[{"name":"account","type":"address"},{"name":"operator","type":"address"}],"outputs":[{"type":"bool"}]},
 {"type":"function","name":"isApprovedFor","stateMutability":"view","inputs":[{"name":"owner","type":"address"},{"name":"node","type":"bytes32"},{"name":"delegate","type":"address"}],"outputs":[{"type":"bool"}]},
 {"type":"function","name":"authorisations","stateMutability":"view","inputs":[{"name":"node","type":"bytes32"},{"name":"owner","type":"address"},{"name":"target","type":"address"}],"outputs":[{"type":"bool"}]},
 {"type":"event","name":"ContenthashChanged","anonymous":false,"inputs":[{"name":"node","type":"bytes32","indexed":true},{"name":"hash","type":"bytes","indexed":false}]}
]`
	nameWrapperABIJSON = `[
 {"type":"function","name":"ownerOf","stateMutability":"view","inputs":[{"name":"id","type":"uint256"}],"outputs":[{"type":"address"}]}
]`
)

var (
	registryABI    = mustABI(registryABIJSON)
	resolverABI    = mustABI(resolverABIJSON)
	nameWrapperABI = mustABI(nameWrapperABIJSON)
)

func mustABI(s string) abi.ABI {
	a, err := abi.JSON(strings.NewReader(s))
	if err != nil {
		panic(err)
	}
	return a
}

// contenthashInterfaceID is the ERC-165 id resolvers report for ENSIP-7.
var contenthashInterfaceID = [4]byte{0xbc, 0x1c, 0x58, 0xd1}
