package trustless_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-unixfsnode"
	dagpb "github.com/ipld/go-codec-dagpb"
	"github.com/ipld/go-ipld-prime"
	"github.com/ipld/go-ipld-prime/datamodel"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
)

// boxoView reads a DAG the way boxo's gateway resolves paths: through
// go-unixfsnode over the blocks given (no verification: the reference).
type boxoView struct {
	lsys  ipld.LinkSystem
	nodes map[cid.Cid]datamodel.Node // reified folders, by CID
}

func newBoxoView(blocks map[string][]byte) *boxoView {
	lsys := cidlink.DefaultLinkSystem()
	lsys.StorageReadOpener = func(_ ipld.LinkContext, l ipld.Link) (io.Reader, error) {
		c := l.(cidlink.Link).Cid
		if b, ok := blocks[c.KeyString()]; ok {
			return bytes.NewReader(b), nil
		}
		if data, ok := trustless.Inline(c); ok {
			return bytes.NewReader(data), nil
		}
		return nil, fmt.Errorf("no block %s", c)
	}
	unixfsnode.AddUnixFSReificationToLinkSystem(&lsys)
	return &boxoView{lsys: lsys, nodes: map[cid.Cid]datamodel.Node{}}
}

func (v *boxoView) load(c cid.Cid) (datamodel.Node, error) {
	if n, ok := v.nodes[c]; ok {
		return n, nil
	}
	lctx := ipld.LinkContext{Ctx: context.Background()}
	n, err := v.lsys.Load(lctx, cidlink.Link{Cid: c}, dagpb.Type.PBNode)
	if err != nil {
		return nil, err
	}
	if n, err = unixfsnode.Reify(lctx, n, &v.lsys); err == nil {
		v.nodes[c] = n
	}
	return n, err
}

// resolve looks p up from root segment by segment, as the gateway does.
func (v *boxoView) resolve(root cid.Cid, p string) (cid.Cid, error) {
	c := root
	if p == "" {
		return c, nil
	}
	for _, seg := range strings.Split(p, "/") {
		if c.Type() != cid.DagProtobuf {
			return cid.Undef, fmt.Errorf("%s is not a folder", c)
		}
		var err error
		if c, err = v.resolveIn(c, seg); err != nil {
			return cid.Undef, err
		}
	}
	return c, nil
}

// resolveIn looks one name up in folder c.
func (v *boxoView) resolveIn(c cid.Cid, name string) (cid.Cid, error) {
	n, err := v.load(c)
	if err != nil {
		return cid.Undef, err
	}
	l, err := n.LookupByString(name)
	if err != nil {
		return cid.Undef, err
	}
	link, err := l.AsLink()
	if err != nil {
		return cid.Undef, err
	}
	return link.(cidlink.Link).Cid, nil
}

// list returns the names a listing of folder c shows (go-unixfsnode's map
// iterator, HAMT levels folded away), in order.
func (v *boxoView) list(c cid.Cid) ([]string, error) {
	n, err := v.load(c)
	if err != nil {
		return nil, err
	}
	var names []string
	for it := n.MapIterator(); it != nil && !it.Done(); {
		k, _, err := it.Next()
		if err != nil {
			return nil, err
		}
		s, _ := k.AsString()
		names = append(names, s)
	}
	return names, nil
}
