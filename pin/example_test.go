package pin_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/all"
	"github.com/dapp-publish/dapp-publish/pin/kubo"
	"github.com/dapp-publish/dapp-publish/pin/pinata"
	"github.com/ipfs/go-cid"
)

// Store a packed bundle on two holders at once, each retried on transient
// errors and bounded by a timeout, and print one line per receipt.
func ExampleRun() {
	reg := all.Registry()
	var providers []pin.Provider
	jwt, err := secret.FromEnv("PINATA_JWT", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range []struct {
		name, typ string
		settings  pin.Settings
	}{
		{"own-node", kubo.Type, &kubo.Config{HTTP: pin.HTTP{Endpoint: "http://127.0.0.1:5001", Gateway: "http://127.0.0.1:8080"}}},
		{"pinata", pinata.Type, &pinata.Config{HTTP: pin.HTTP{Token: jwt}}},
	} {
		p, err := reg.New(e.name, e.typ, e.settings)
		if err != nil {
			fmt.Println(err)
			return
		}
		providers = append(providers, pin.Wrap(p, pin.Policy{Timeout: 10 * time.Minute}))
	}
	car, err := os.Open("site.car") // from `dapp-publish pack`
	if err != nil {
		fmt.Println(err)
		return
	}
	defer car.Close()
	fi, _ := car.Stat()
	root, _ := cid.Decode("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi") // the CAR's root
	receipts := pin.Run(context.Background(), providers, pin.Bundle{Root: root, CAR: car, Size: fi.Size()}, nil)
	for _, r := range receipts {
		fmt.Println(r.Provider, r.Status, r.Error)
	}
	if !pin.AllPinned(receipts) {
		os.Exit(1)
	}
}
