package trustless_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	tt "github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-unixfsnode/data"
	dagpb "github.com/ipld/go-codec-dagpb"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	mh "github.com/multiformats/go-multihash"
	"github.com/spaolacci/murmur3"
)

// FuzzTree builds small DAGs of folders from the fuzzer's bytes (basic
// folders and fanout-8 HAMTs several levels deep, shared sub-folders,
// hostile names, misplaced or duplicated HAMT entries, stray bitfield
// bits) and checks the walker against boxo's view of the same blocks
// (go-unixfsnode, what the gateway resolves and lists):
//
//   - whenever the walker accepts, every path it lists resolves in boxo to
//     the CID it lists, each folder lists exactly boxo's names, and the
//     totals are within the limits;
//   - a tree whose folders hold an invalid or duplicate name, or a name
//     boxo lists but cannot resolve to what it lists, is refused;
//   - a tree of basic folders that is honest and within the limits is
//     accepted (HAMTs may be refused for structure boxo tolerates).
func FuzzTree(f *testing.F) {
	f.Add([]byte{0, 2, 0, 4, 1, 5, 0, 2, 0, 4, 1, 5})
	f.Add([]byte{3, 9, 0, 0, 0})
	f.Add([]byte{3, 9, 1, 0, 1})
	f.Add([]byte{0, 3, 0, 0, 1, 1, 2, 2, 0, 2, 5, 4, 5, 4})
	f.Add([]byte{0, 2, 4, 0, 4, 0})
	f.Add([]byte{3, 12, 2, 1, 4, 0, 2, 6, 6, 6, 6})
	f.Fuzz(func(t *testing.T, prog []byte) {
		car, blocks, basicOnly := buildProgram(prog)
		lim := trustless.Limits{MaxEntries: 60, MaxPathBytes: 600, MaxDepth: 6, MaxPathLen: 40}
		root, paths, dirs, err := listing(t, car, lim)
		if err != nil && !errors.Is(err, trustless.ErrBadDirectory) && !errors.Is(err, trustless.ErrTooLarge) {
			t.Fatalf("unexpected refusal: %v", err)
		}
		o := oracle(blocks, rootOf(car), lim)
		switch {
		case err == nil && o.lies != "":
			t.Fatalf("accepted a tree that lies: %s", o.lies)
		case err == nil && o.over != "":
			t.Fatalf("accepted a tree over the limits: %s", o.over)
		case err == nil:
			if len(paths) != len(o.paths) {
				t.Fatalf("listed %d paths, boxo's view has %d", len(paths), len(o.paths))
			}
			for p, c := range paths {
				if oc, ok := o.paths[p]; !ok || !oc.Equals(c) || dirs[p] != o.dirs[p] {
					t.Fatalf("%q: listed %s (dir %v), boxo has %s (dir %v)", p, c, dirs[p], oc, o.dirs[p])
				}
			}
			_ = root
		case basicOnly && o.lies == "" && o.over == "" && !o.capped:
			t.Fatalf("refused an honest tree within the limits: %v", err)
		}
	})
}

func rootOf(car []byte) cid.Cid {
	roots, _ := trustless.ReadRoots(strings.NewReader(string(car)), trustless.Limits{})
	return roots[0]
}

var fuzzNames = []string{"a", "b", "c", "index.html", "", ".", "..", "x/y", "n\x00", "a", "longer-name.js", "b"}

// buildProgram turns bytes into a CAR of folders (the last one the root)
// over four raw files. It reports whether every folder is a basic one.
func buildProgram(prog []byte) ([]byte, map[string][]byte, bool) {
	next := func() int {
		if len(prog) == 0 {
			return 0
		}
		b := prog[0]
		prog = prog[1:]
		return int(b)
	}
	var nodes []tt.Block
	for i := range 4 {
		nodes = append(nodes, tt.Raw(fmt.Sprint("file ", i)))
	}
	all := slices.Clone(nodes)
	basicOnly := true
	for i := 0; i < 10 && len(prog) > 0; i++ {
		op := next()
		if op%4 == 3 {
			basicOnly = false
			var es []hEntry
			seen := map[string]bool{}
			for range next() % 12 {
				name := fmt.Sprint("h", next()%24)
				if !seen[name] {
					seen[name] = true
					es = append(es, hEntry{name, nodes[next()%len(nodes)]})
				}
			}
			blocks := buildHAMT(es, 0, next()%6, next())
			all = append(all, blocks...)
			nodes = append(nodes, blocks[len(blocks)-1])
			continue
		}
		var links []tt.Link
		for range next() % 5 {
			links = append(links, tt.L(fuzzNames[next()%len(fuzzNames)], nodes[next()%len(nodes)]))
		}
		d := tt.Dir(links...)
		nodes, all = append(nodes, d), append(all, d)
	}
	root := nodes[len(nodes)-1]
	blocks := map[string][]byte{}
	for _, b := range all {
		blocks[b.Cid.KeyString()] = b.Data
	}
	// Only the blocks under the root go into the CAR: a bad block anywhere
	// in a CAR makes it refused, reachable or not.
	var car []tt.Block
	reach := map[string]bool{}
	var visit func(c cid.Cid)
	visit = func(c cid.Cid) {
		if reach[c.KeyString()] {
			return
		}
		reach[c.KeyString()] = true
		car = append(car, tt.Block{Cid: c, Data: blocks[c.KeyString()]})
		if c.Type() != cid.DagProtobuf {
			return
		}
		nb := dagpb.Type.PBNode.NewBuilder()
		if dagpb.DecodeBytes(nb, blocks[c.KeyString()]) != nil {
			return
		}
		for it := nb.Build().(dagpb.PBNode).FieldLinks().Iterator(); !it.Done(); {
			_, l := it.Next()
			visit(l.FieldHash().Link().(cidlink.Link).Cid)
		}
	}
	visit(root.Cid)
	return tt.CAR([]cid.Cid{root.Cid}, car...), blocks, basicOnly
}

type hEntry struct {
	name   string
	target tt.Block
}

// buildHAMT builds a fanout-8 HAMT level (3 bits of the name hash per
// level) as boxo would, then applies one mutation to the top level:
// 1 moves an entry to another bucket, 2 adds a second link of an entry's
// name in another bucket, 3 sets a bitfield bit with no link, 4 swaps two
// links, 5 names a link for a wrong bucket. It returns the blocks, the
// level's shard last.
func buildHAMT(es []hEntry, level, mutation, pick int) []tt.Block {
	groups := map[int][]hEntry{}
	for _, e := range es {
		b := int(murmur3.Sum64([]byte(e.name))>>(61-3*level)) & 7
		groups[b] = append(groups[b], e)
	}
	type link struct {
		bucket int
		link   tt.Link
	}
	var out []tt.Block
	var links []link
	for b := range 8 {
		g := groups[b]
		switch {
		case len(g) == 1:
			links = append(links, link{b, tt.L(fmt.Sprintf("%X", b)+g[0].name, g[0].target)})
		case len(g) > 1 && level < 20:
			sub := buildHAMT(g, level+1, 0, 0)
			out = append(out, sub...)
			links = append(links, link{b, tt.L(fmt.Sprintf("%X", b), sub[len(sub)-1])})
		}
	}
	if len(links) > 0 && level == 0 {
		i := pick % len(links)
		free := -1
		for b := range 8 {
			if len(groups[b]) == 0 {
				free = b
			}
		}
		switch {
		case mutation == 1 && free >= 0:
			name := links[i].link.Name[1:]
			links[i] = link{free, tt.Link{Name: fmt.Sprintf("%X", free) + name, Cid: links[i].link.Cid}}
		case mutation == 2 && free >= 0 && len(links[i].link.Name) > 1:
			links = append(links, link{free, tt.Link{Name: fmt.Sprintf("%X", free) + links[i].link.Name[1:], Cid: tt.Raw("evil").Cid}})
			out = append(out, tt.Raw("evil"))
		case mutation == 3 && free >= 0:
			links = append(links, link{free, tt.Link{}}) // a bit, no link
		case mutation == 4 && len(links) > 1:
			j := (i + 1) % len(links)
			links[i].link, links[j].link = links[j].link, links[i].link
		case mutation == 5:
			links[i].link.Name = fmt.Sprintf("%X", (links[i].bucket+1)%8) + links[i].link.Name[1:]
		}
	}
	slices.SortStableFunc(links, func(a, b link) int { return a.bucket - b.bucket })
	var pbLinks []tt.Link
	var buckets []int
	for _, l := range links {
		buckets = append(buckets, l.bucket)
		if l.link.Cid.Defined() {
			pbLinks = append(pbLinks, l.link)
		}
	}
	shard := tt.Sum(cid.DagProtobuf, tt.PB(pbLinks, tt.HAMTData(8, buckets)), mh.SHA2_256, -1)
	return append(out, shard)
}

// treeOracle is boxo's view of a tree: its paths, and whether it lies or
// is over the limits.
type treeOracle struct {
	paths  map[string]cid.Cid
	dirs   map[string]bool
	lies   string
	over   string
	capped bool // the expansion was cut short (far over the limits)
}

func oracle(blocks map[string][]byte, root cid.Cid, lim trustless.Limits) *treeOracle {
	v := newBoxoView(blocks)
	o := &treeOracle{paths: map[string]cid.Cid{"": root}, dirs: map[string]bool{}}
	var bytes, depth, longest int
	var walk func(c cid.Cid, prefix string, d int)
	walk = func(c cid.Cid, prefix string, d int) {
		if len(o.paths) > 5000 {
			o.capped = true
			return
		}
		if c.Type() != cid.DagProtobuf {
			return
		}
		n, err := v.load(c)
		if err != nil || n.Kind().String() != "map" || !isFolder(blocks, c) {
			return
		}
		o.dirs[prefix] = true
		seen := map[string]bool{}
		for it := n.MapIterator(); !it.Done(); {
			k, val, err := it.Next()
			if err != nil {
				o.lies = fmt.Sprintf("boxo cannot list %s: %v", c, err)
				return
			}
			name, _ := k.AsString()
			l, _ := val.AsLink()
			target, _ := cid.Parse(l.String())
			got, rerr := v.resolveIn(c, name)
			switch {
			case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
				o.lies = fmt.Sprintf("%s holds the name %q", c, name)
			case seen[name]:
				o.lies = fmt.Sprintf("%s holds %q twice", c, name)
			case rerr != nil || !got.Equals(target):
				o.lies = fmt.Sprintf("%s lists %q as %s, a lookup finds %s (%v)", c, name, target, got, rerr)
			}
			seen[name] = true
			p := name
			if prefix != "" {
				p = prefix + "/" + name
			}
			o.paths[p] = target
			bytes += len(p)
			depth, longest = max(depth, d+1), max(longest, len(p))
			walk(target, p, d+1)
		}
	}
	walk(root, "", 0)
	switch {
	case o.capped || len(o.paths)-1 > lim.MaxEntries:
		o.over = fmt.Sprintf("%d paths", len(o.paths)-1)
	case bytes > int(lim.MaxPathBytes):
		o.over = fmt.Sprintf("%d path bytes", bytes)
	case depth > lim.MaxDepth:
		o.over = fmt.Sprintf("depth %d", depth)
	case longest > lim.MaxPathLen:
		o.over = fmt.Sprintf("a %d-byte path", longest)
	}
	for p := range o.paths {
		if !o.dirs[p] {
			o.dirs[p] = false
		}
	}
	return o
}

// isFolder reports whether c is a UnixFS folder (basic or HAMT) as
// go-unixfsnode decodes it: the nodes whose entries a site's paths go
// through.
func isFolder(blocks map[string][]byte, c cid.Cid) bool {
	nb := dagpb.Type.PBNode.NewBuilder()
	if err := dagpb.DecodeBytes(nb, blocks[c.KeyString()]); err != nil {
		return false
	}
	pb := nb.Build().(dagpb.PBNode)
	if !pb.FieldData().Exists() {
		return false
	}
	d, err := data.DecodeUnixFSData(pb.FieldData().Must().Bytes())
	if err != nil {
		return false
	}
	t := d.FieldDataType().Int()
	return t == data.Data_Directory || t == data.Data_HAMTShard
}

// TestTreeSharedShardThenMisplaced: a HAMT sub-shard reached twice in the
// same position (memoised the second time) must not make the check skip
// the entry after it; here that entry sits in a bucket a lookup of its name
// never reaches (found by FuzzTree: the memoised step moved past two
// entries).
func TestTreeSharedShardThenMisplaced(t *testing.T) {
	car, _, _ := buildProgram([]byte("7\"000010000008011027710800X"))
	lim := trustless.Limits{MaxEntries: 60, MaxPathBytes: 600, MaxDepth: 6, MaxPathLen: 40}
	if _, _, _, err := listing(t, car, lim); !errors.Is(err, trustless.ErrBadDirectory) || !strings.Contains(err.Error(), `holds "h0" in bucket 6`) {
		t.Fatalf("%v, want the misplaced h0 refused", err)
	}
}
