package bundle

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// nodeRef is what a parent needs to link to a node: its CID and the
// cumulative size of the DAG below it (the link's Tsize).
type nodeRef struct {
	cid   cid.Cid
	tsize uint64
}

// The DAG is built with boxo's own importer (balanced layout) and directory
// code (basic directories that switch to HAMT shards), so our CIDs come from
// the same code Kubo runs. What we add around it (read.go):
//
//   - files are hashed in parallel, each import with explicit parameters
//     (never boxo's process globals);
//   - with raw leaves, files are read and hashed in small pieces and boxo is
//     handed the leaf CIDs instead of the leaf bytes;
//   - leaves are not kept: only the nodes above them (a few per GiB) and the
//     directory nodes are held in memory;
//   - a full-file SHA-256 is computed for the Manifest on the same read.

// innerCollector is the ipld.DAGService handed to boxo's importer for one
// file. It keeps the non-leaf nodes and drops leaves.
type innerCollector struct {
	addOnly
	nodes map[string][]byte
}

func (c *innerCollector) Add(_ context.Context, n ipld.Node) error {
	if len(n.Links()) > 0 {
		c.nodes[n.Cid().KeyString()] = n.RawData()
	}
	return nil
}

func (c *innerCollector) AddMany(ctx context.Context, ns []ipld.Node) error {
	return addEach(ctx, c.Add, ns)
}

// addOnly completes an ipld.DAGService that boxo's importer only adds to.
type addOnly struct{}

var errNotStored = errors.New("node not kept in memory")

func (addOnly) Get(context.Context, cid.Cid) (ipld.Node, error) { return nil, errNotStored }
func (addOnly) GetMany(context.Context, []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption)
	close(ch)
	return ch
}
func (addOnly) Remove(context.Context, cid.Cid) error       { return nil }
func (addOnly) RemoveMany(context.Context, []cid.Cid) error { return nil }

func addEach(ctx context.Context, add func(context.Context, ipld.Node) error, ns []ipld.Node) error {
	for _, n := range ns {
		if err := add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func sortLargestFirst(files []*entry) {
	slices.SortStableFunc(files, func(a, b *entry) int { return cmp.Compare(b.size, a.size) })
}

// linkNode stands for an already-built child when it is added to a boxo
// directory: directories only need a child's CID and cumulative size.
type linkNode struct {
	ipld.Node // nil: any other method would panic, and none is called
	ref       nodeRef
}

func (l linkNode) Cid() cid.Cid             { return l.ref.cid }
func (l linkNode) Size() (uint64, error)    { return l.ref.tsize, nil }
func (l linkNode) Links() []*ipld.Link      { return nil }
func (l linkNode) RawData() []byte          { return nil }
func (l linkNode) String() string           { return l.ref.cid.String() }
func (l linkNode) Loggable() map[string]any { return nil }

// dirCollector keeps every directory and HAMT shard node boxo produces.
type dirCollector struct {
	nodes map[string][]byte
}

func (c *dirCollector) Add(_ context.Context, n ipld.Node) error {
	if _, ok := n.(linkNode); !ok {
		c.nodes[n.Cid().KeyString()] = n.RawData()
	}
	return nil
}

func (c *dirCollector) AddMany(ctx context.Context, ns []ipld.Node) error {
	return addEach(ctx, c.Add, ns)
}

func (c *dirCollector) Get(_ context.Context, k cid.Cid) (ipld.Node, error) {
	b, ok := c.nodes[k.KeyString()]
	if !ok {
		return nil, ipld.ErrNotFound{Cid: k}
	}
	return mdag.DecodeProtobuf(b)
}

func (c *dirCollector) GetMany(ctx context.Context, ks []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption, len(ks))
	for _, k := range ks {
		n, err := c.Get(ctx, k)
		ch <- &ipld.NodeOption{Node: n, Err: err}
	}
	close(ch)
	return ch
}
func (c *dirCollector) Remove(context.Context, cid.Cid) error       { return nil }
func (c *dirCollector) RemoveMany(context.Context, []cid.Cid) error { return nil }

// buildDir builds directory e (after its children) with boxo's dynamic
// directory, which becomes a HAMT shard above the profile's threshold.
func buildDir(ctx context.Context, e *entry, p Profile, col *dirCollector) error {
	for _, c := range e.children {
		if c.isDir {
			if err := buildDir(ctx, c, p, col); err != nil {
				return err
			}
		}
	}
	dir, err := uio.NewDirectory(col,
		uio.WithCidBuilder(p.cidBuilder()),
		uio.WithSizeEstimationMode(p.HAMTEstimation),
		uio.WithMaxHAMTFanout(p.HAMTFanout),
	)
	if err != nil {
		return err
	}
	dir.SetHAMTShardingSize(p.HAMTThreshold)
	for _, c := range e.children {
		if err := dir.AddChild(ctx, c.name, linkNode{ref: c.node}); err != nil {
			return fmt.Errorf("failed to add %s to its folder: %w", c.path, err)
		}
	}
	nd, err := dir.GetNode()
	if err != nil {
		return fmt.Errorf("failed to build folder %s: %w", display(e.path), err)
	}
	size, err := nd.Size()
	if err != nil {
		return err
	}
	col.nodes[nd.Cid().KeyString()] = nd.RawData()
	e.node = nodeRef{cid: nd.Cid(), tsize: size}
	return nil
}
