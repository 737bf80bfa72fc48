package verify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/verify"
)

// Verify a CAR stream (here one just packed; usually an HTTP body) against
// the root CID it should hold.
func ExampleVerifyCAR() {
	site := fstest.MapFS{"index.html": {Data: []byte("<p>hello</p>")}}
	var car bytes.Buffer
	b, err := bundle.Pack(context.Background(), site, bundle.Options{CAR: &car})
	if err != nil {
		panic(err)
	}
	res, err := verify.VerifyCAR(bytes.NewReader(car.Bytes()), b.Root, verify.Options{})
	fmt.Println(res.Blocks, err)

	// The same stream cut short: the DAG is incomplete.
	_, err = verify.VerifyCAR(bytes.NewReader(car.Bytes()[:car.Len()-5]), b.Root, verify.Options{})
	fmt.Println(errors.Is(err, verify.ErrTruncated))
	// Output:
	// 2 <nil>
	// true
}
