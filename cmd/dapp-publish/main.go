// Command dapp-publish packs a static DApp frontend into a content-addressed
// bundle, stores it on independent networks, verifies every copy and points
// an ENS name at it. See README.md for the commands.
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}
