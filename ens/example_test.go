package ens_test

import (
	"fmt"

	"github.com/dapp-publish/dapp-publish/ens"
)

// A CIDv0 is stored as CIDv1 (the ENSIP-7 example) and printed in base32.
func ExampleParseContent() {
	c, err := ens.ParseContent("QmRAQB6YaCyidP37UdDnjFY5vQuiBrcqdyoW1CuDgwxkD4")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n%s\n", c.Contenthash(), c)
	// Output:
	// e3010170122029f2d17be6139079dc48696d1f582a8530eb9805b561eda517e22a892c7e3f1f
	// ipfs://bafybeibj6lixxzqtsb45ysdjnupvqkufgdvzqbnvmhw2kf7cfkesy7r7d4
}
