package verify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
)

// TestCheckCAR: a source outside the gateway protocol is reported as a
// gateway is: a complete CAR verifies (with its tree when asked), a flipped
// byte is a failed integrity check, a folder that lies is refused, and a
// source that cannot be opened is neither complete nor verified.
func TestCheckCAR(t *testing.T) {
	root, good, b := packCAR(t, testSite(1))
	open := func(car []byte) func(context.Context) (io.ReadCloser, error) {
		return func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(car)), nil }
	}
	rep := CheckCAR(context.Background(), root, "node (RPC)", open(good), CheckOptions{Tree: true})
	if !rep.OK() || rep.Blocks != b.Blocks || rep.Bytes != int64(len(good)) || rep.Tree == nil || rep.Source != "node (RPC)" || rep.Mode != ModeCAR {
		t.Fatalf("good CAR: %+v", rep)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	if rep := CheckCAR(context.Background(), root, "s", open(bad), CheckOptions{}); rep.OK() || !errors.Is(rep.Err, ErrHashMismatch) || rep.Verified {
		t.Fatalf("flipped byte: %+v", rep)
	}
	lying, err := trustlesstest.Read("dup-name")
	if err != nil {
		t.Fatal(err)
	}
	lroot, _ := corpusRoot(t, "dup-name")
	if rep := CheckCAR(context.Background(), lroot, "s", open(lying), CheckOptions{}); rep.OK() || !errors.Is(rep.Err, ErrBadDirectory) {
		t.Fatalf("lying folder: %+v", rep)
	}
	down := errors.New("connection refused")
	rep = CheckCAR(context.Background(), root, "s", func(context.Context) (io.ReadCloser, error) { return nil, down }, CheckOptions{})
	if rep.OK() || rep.Complete || rep.Verified || !errors.Is(rep.Err, down) {
		t.Fatalf("unreachable: %+v", rep)
	}
}
