// Package trustlesstest builds the hostile-CAR corpus in testdata/: CARs
// that lie about their directories, use weak hashes, or blow up a naive
// walk, plus a few odd but valid ones. The same files are read by the tests
// of inspect, diff, verify and serve; `go test ./internal/trustless/trustlesstest
// -update` writes them again from the builders here (TestCorpus fails when a
// file differs from what its builder makes).
package trustlesstest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	"github.com/spaolacci/murmur3"
)

// Case is one CAR of the corpus.
type Case struct {
	Name string // the file is testdata/<Name>.car
	What string // what the CAR does, in one line
	// Want is the sentinel every reader must refuse the CAR with (errors.Is),
	// nil for a CAR every reader must accept.
	Want error
	// Reason is a piece of the error text a user must see.
	Reason string
	// Serve, for a refused case, is a path under the root ("/" for the
	// root itself) that a lenient gateway would answer; a verifying one
	// must not answer it with 200. Empty when serving a path of the DAG is
	// harmless (only listing the whole tree is the bomb).
	Serve string
	Build func() []byte
}

// The pages the corpus sites hold.
var (
	Good = Raw("<!doctype html><p>the page that was verified</p>\n")
	Evil = Raw("<!doctype html><p>the page an attacker chose</p>\n")
)

// Cases lists the corpus. The deep chain is 4,096 folders deep here (the
// audit's was 10^5; DeepChain builds any depth).
func Cases() []Case {
	return []Case{
		// Lookups take the first entry of a name, and the old tree walk kept
		// the last: the attacker's page comes first.
		{Name: "dup-name", What: "a folder with two entries named index.html, the attacker's first", Want: trustless.ErrBadDirectory,
			Reason: `two entries named "index.html"`, Serve: "index.html",
			Build: lyingDir(L("index.html", Evil), L("index.html", Good))},
		{Name: "slash-name", What: "an entry whose name holds '/'", Want: trustless.ErrBadDirectory,
			Reason: `named "assets/app.js"`, Serve: "assets/app.js",
			Build: lyingDir(L("index.html", Good), L("assets/app.js", Evil))},
		{Name: "nul-name", What: "an entry whose name holds NUL", Want: trustless.ErrBadDirectory,
			Reason: `named "index.html\x00.png"`,
			Build:  lyingDir(L("index.html", Good), L("index.html\x00.png", Evil))},
		{Name: "dot-name", What: "an entry named .", Want: trustless.ErrBadDirectory,
			Reason: `named "."`, Build: lyingDir(L("index.html", Good), L(".", Evil))},
		{Name: "dotdot-name", What: "an entry named ..", Want: trustless.ErrBadDirectory,
			Reason: `named ".."`, Build: lyingDir(L("index.html", Good), L("..", Evil))},
		{Name: "empty-name", What: "an entry without a name", Want: trustless.ErrBadDirectory,
			Reason: "an entry without a name", Build: lyingDir(L("index.html", Good), L("", Evil))},
		{Name: "hamt-misplaced", What: "a HAMT entry in a bucket its name does not hash to", Want: trustless.ErrBadDirectory,
			Reason: "where a lookup of that name never looks", Build: hamtMisplaced},
		{Name: "hamt-extra-link", What: "a HAMT shard with a link its bitfield does not count", Want: trustless.ErrBadDirectory,
			Reason: "buckets set for", Build: hamtExtraLink},
		{Name: "hamt-bad-prefix", What: "a HAMT link named for another bucket", Want: trustless.ErrBadDirectory,
			Reason: "not for its bucket", Build: hamtBadPrefix},
		{Name: "weak-sha1", What: "a file under a SHA-1 CID", Want: trustless.ErrInsecureHash,
			Reason: "sha1", Serve: "index.html", Build: weakFile(mh.SHA1, -1)},
		{Name: "weak-md5", What: "a file under an MD5 CID", Want: trustless.ErrInsecureHash,
			Reason: "md5", Serve: "index.html", Build: weakFile(mh.MD5, -1)},
		{Name: "weak-murmur3", What: "a file under a murmur3 CID", Want: trustless.ErrInsecureHash,
			Reason: "murmur3", Serve: "index.html", Build: weakFile(mh.MURMUR3X64_64, -1)},
		{Name: "sha256-trunc19", What: "a file under SHA-256 cut to 19 bytes", Want: trustless.ErrInsecureHash,
			Reason: "19-byte digest", Serve: "index.html", Build: weakFile(mh.SHA2_256, 19)},
		{Name: "sha256-trunc20", What: "a file under SHA-256 cut to 20 bytes (verifcid's minimum)", Want: trustless.ErrInsecureHash,
			Reason: "truncated to 20 of its 32 bytes", Serve: "index.html", Build: weakFile(mh.SHA2_256, 20)},
		{Name: "identity-129", What: "an identity CID of 129 bytes", Want: trustless.ErrInsecureHash,
			Reason: "identity", Serve: "big.txt", Build: identityTooLong},
		{Name: "self-link", What: "a 59-byte CAR: a folder that links to itself through a 2-byte SHA-256", Want: trustless.ErrInsecureHash,
			Reason: "2-byte digest", Serve: "/", Build: selfLink},
		{Name: "diamond", What: "64 levels of folders, each linking the next 24 times: 24^64 paths", Want: trustless.ErrTooLarge,
			Reason: "MaxEntries", Build: diamond},
		{Name: "deep-chain", What: "folders nested 4,096 deep", Want: trustless.ErrTooLarge,
			Reason: "MaxDepth", Build: func() []byte { return DeepChain(4096) }},
		{Name: "two-roots", What: "two roots, the second one's DAG missing a block", Want: trustless.ErrIncomplete,
			Reason: "not in the CAR", Build: twoRoots},
		{Name: "nonminimal-varint", What: "a section length with a redundant varint byte", Want: trustless.ErrMalformed,
			Reason: "not minimally encoded", Build: nonMinimal},
		{Name: "identity-link", What: "a file inline in an identity CID, absent from the CAR as Kubo's gateway sends it (valid)",
			Build: identityLink},
		{Name: "hamt-valid", What: "a valid one-level HAMT folder (the corpus's HAMT builder, checked against go-unixfsnode)",
			Build: hamtValid},
	}
}

// CorpusDir is the folder the corpus files live in.
func CorpusDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// Path is the file of the named case.
func Path(name string) string { return filepath.Join(CorpusDir(), name+".car") }

// Read returns the named case's CAR as stored in testdata.
func Read(name string) ([]byte, error) { return os.ReadFile(Path(name)) }

// lyingDir is a site whose root folder has the given entries.
func lyingDir(links ...Link) func() []byte {
	return func() []byte {
		root := Dir(links...)
		return CAR([]cid.Cid{root.Cid}, root, Good, Evil)
	}
}

// weakFile is a site whose index.html is a raw block under a weak hash.
func weakFile(code uint64, length int) func() []byte {
	return func() []byte {
		page := Sum(cid.Raw, Evil.Data, code, length)
		root := Dir(L("index.html", page))
		return CAR([]cid.Cid{root.Cid}, root, page)
	}
}

func identityTooLong() []byte {
	big := Sum(cid.Raw, []byte(strings.Repeat("x", 129)), mh.IDENTITY, -1)
	root := Dir(L("big.txt", big), L("index.html", Good))
	return CAR([]cid.Cid{root.Cid}, root, Good)
}

// selfLink finds, by brute force (deterministic: about 2^16 tries), a
// folder block whose SHA-256 starts with the two bytes of the CID it links
// to, so with the hash cut to two bytes it links to itself.
func selfLink() []byte {
	want := []byte{0x00, 0x00}
	h, _ := mh.Encode(want, mh.SHA2_256)
	self := cid.NewCidV1(cid.DagProtobuf, h)
	for nonce := 0; ; nonce++ {
		data := PB([]Link{{Name: fmt.Sprintf("a%x", nonce), Cid: self}}, DirData())
		sum := sha256.Sum256(data)
		if sum[0] == want[0] && sum[1] == want[1] {
			return CAR([]cid.Cid{self}, Block{Cid: self, Data: data})
		}
	}
}

// diamond is 64 levels of folders, each linking the next one 24 times.
func diamond() []byte {
	const levels, width = 64, 24
	next := Dir()
	blocks := []Block{next}
	for range levels {
		links := make([]Link, width)
		for i := range links {
			links[i] = L(fmt.Sprint(i), next)
		}
		next = Dir(links...)
		blocks = append(blocks, next)
	}
	for i, j := 0, len(blocks)-1; i < j; i, j = i+1, j-1 {
		blocks[i], blocks[j] = blocks[j], blocks[i]
	}
	return CAR([]cid.Cid{next.Cid}, blocks...)
}

// DeepChain is a CAR of folders nested depth deep: a/a/a/.../index.html.
func DeepChain(depth int) []byte {
	next := Dir(L("index.html", Good))
	blocks := []Block{Good, next}
	for range depth - 1 {
		next = Dir(L("a", next))
		blocks = append(blocks, next)
	}
	for i, j := 0, len(blocks)-1; i < j; i, j = i+1, j-1 {
		blocks[i], blocks[j] = blocks[j], blocks[i]
	}
	return CAR([]cid.Cid{next.Cid}, blocks...)
}

func twoRoots() []byte {
	one := Dir(L("index.html", Good))
	two := Dir(L("index.html", Evil))
	return CAR([]cid.Cid{one.Cid, two.Cid}, one, Good, two)
}

// nonMinimal is a valid one-folder CAR whose first section length has a
// redundant continuation byte (0x80 | low bits, then 0x00).
func nonMinimal() []byte {
	root := Dir(L("index.html", Good))
	car := CAR([]cid.Cid{root.Cid}, root, Good)
	hl, n := binary.Uvarint(car)
	at := n + int(hl)
	l, m := binary.Uvarint(car[at:])
	if l >= 128 || m != 1 {
		panic("the first section should have a one-byte length")
	}
	out := append([]byte(nil), car[:at]...)
	out = append(out, byte(l)|0x80, 0x00)
	return append(out, car[at+1:]...)
}

func identityLink() []byte {
	small := Sum(cid.Raw, []byte("inline file"), mh.IDENTITY, -1)
	root := Dir(L("index.html", Good), L("small.txt", small))
	return CAR([]cid.Cid{root.Cid}, root, Good)
}

// hamtEntry is an entry of a one-level HAMT of fanout 256.
type hamtEntry struct {
	name   string
	bucket int
	target Block
}

// hamtBucket is the bucket of name at the first level of a fanout-256 HAMT:
// the top 8 bits of its murmur3-64 hash.
func hamtBucket(name string) int { return int(murmur3.Sum64([]byte(name)) >> 56) }

// hamtNames are names with distinct first-level buckets.
func hamtNames(n int) []hamtEntry {
	var es []hamtEntry
	used := map[int]bool{}
	for i := 0; len(es) < n; i++ {
		name := fmt.Sprintf("file-%03d.txt", i)
		if b := hamtBucket(name); !used[b] {
			used[b] = true
			es = append(es, hamtEntry{name: name, bucket: b, target: Raw(name)})
		}
	}
	return es
}

// hamtShard encodes one shard (fanout 256) from entries in bucket order.
func hamtShard(es []hamtEntry) Block {
	var links []Link
	var buckets []int
	for _, e := range es {
		buckets = append(buckets, e.bucket)
		links = append(links, L(fmt.Sprintf("%02X", e.bucket)+e.name, e.target))
	}
	return Sum(cid.DagProtobuf, PB(links, HAMTData(256, buckets)), mh.SHA2_256, -1)
}

func sortByBucket(es []hamtEntry) []hamtEntry {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].bucket < es[j-1].bucket; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	return es
}

// hamtSite is a root folder holding a HAMT folder "many" with entries es.
func hamtSite(es []hamtEntry, shard Block) []byte {
	root := Dir(L("many", shard))
	blocks := []Block{root, shard}
	for _, e := range es {
		blocks = append(blocks, e.target)
	}
	return CAR([]cid.Cid{root.Cid}, blocks...)
}

func hamtValid() []byte {
	es := sortByBucket(hamtNames(8))
	return hamtSite(es, hamtShard(es))
}

// hamtMisplaced moves one entry to a free bucket its name does not hash to:
// listings show it, lookups never find it.
func hamtMisplaced() []byte {
	es := sortByBucket(hamtNames(8))
	used := map[int]bool{}
	for _, e := range es {
		used[e.bucket] = true
	}
	for b := 0; b < 256; b++ {
		if !used[b] {
			es[0].bucket = b
			break
		}
	}
	es = sortByBucket(es)
	return hamtSite(es, hamtShard(es))
}

// hamtExtraLink appends a link the bitfield does not count.
func hamtExtraLink() []byte {
	es := sortByBucket(hamtNames(8))
	var links []Link
	for _, e := range es {
		links = append(links, L(fmt.Sprintf("%02X", e.bucket)+e.name, e.target))
	}
	links = append(links, L("FFindex.html", Evil))
	var buckets []int
	for _, e := range es {
		buckets = append(buckets, e.bucket)
	}
	shard := Sum(cid.DagProtobuf, PB(links, HAMTData(256, buckets)), mh.SHA2_256, -1)
	blocks := []Block{Dir(L("many", shard)), shard, Evil}
	for _, e := range es {
		blocks = append(blocks, e.target)
	}
	return CAR([]cid.Cid{blocks[0].Cid}, blocks...)
}

// hamtBadPrefix names the first link for another bucket than the one its
// bitfield position says.
func hamtBadPrefix() []byte {
	es := sortByBucket(hamtNames(8))
	var links []Link
	var buckets []int
	for i, e := range es {
		buckets = append(buckets, e.bucket)
		prefix := fmt.Sprintf("%02X", e.bucket)
		if i == 0 {
			prefix = fmt.Sprintf("%02X", (e.bucket+1)%256)
		}
		links = append(links, L(prefix+e.name, e.target))
	}
	shard := Sum(cid.DagProtobuf, PB(links, HAMTData(256, buckets)), mh.SHA2_256, -1)
	return hamtSite(es, shard)
}
