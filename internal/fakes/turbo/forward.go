package turbo

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// ForwardTo makes the fake post every accepted item to an Arweave node
// (arlocal) as a one-item ANS-104 bundle (Bundle-Format: binary,
// Bundle-Version: 2.0.0) in a transaction signed by bundler, which must be
// funded there. The node unbundles it, so the item is served and indexed
// under its own id, as items Turbo bundles are on arweave.net.
func (s *Server) ForwardTo(gateway string, bundler *artx.Wallet) {
	api := &arapi.Client{Base: gateway}
	s.Forward = func(item []byte) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		data, err := Bundle(item)
		if err != nil {
			return err
		}
		tree, err := artx.BuildTree(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		anchor, err := api.Anchor(ctx)
		if err != nil {
			return err
		}
		reward, err := api.Price(ctx, int64(len(data)))
		if err != nil {
			return err
		}
		tx := artx.NewTransaction(tree, data, []artx.Tag{{Name: "Bundle-Format", Value: "binary"}, {Name: "Bundle-Version", Value: "2.0.0"}}, anchor, reward.String())
		if err := tx.Sign(bundler); err != nil {
			return err
		}
		if err := api.PostTx(ctx, tx); err != nil {
			return fmt.Errorf("bundling onto %s: %w", gateway, err)
		}
		return nil
	}
}

// Bundle encodes data items as an ANS-104 bundle: the count (32 bytes,
// little endian), then each item's size (32 bytes LE) and id, then the
// items.
func Bundle(items ...[]byte) ([]byte, error) {
	var b bytes.Buffer
	le32 := func(n int) {
		var x [32]byte
		binary.LittleEndian.PutUint64(x[:8], uint64(n))
		b.Write(x[:])
	}
	le32(len(items))
	for _, it := range items {
		d, err := artx.ReadDataItem(bytes.NewReader(it))
		if err != nil {
			return nil, err
		}
		le32(len(it))
		b.Write(d.ID())
	}
	for _, it := range items {
		b.Write(it)
	}
	return b.Bytes(), nil
}
