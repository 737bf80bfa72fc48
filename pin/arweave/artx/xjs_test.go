package artx_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

// The cross-checks run the reference JavaScript implementations (the npm
// arweave 1.15.7 and arbundles beside arlocal) on the same bytes. arlocal
// does not check chunk proofs, so these are what guards them.
const xjsScript = `
const fs = require('fs');
const Arweave = require('arweave');
const Transaction = require('arweave/node/lib/transaction').default;
const { createData, DataItem } = require('arbundles');
const { ArweaveSigner } = require('arbundles/src/signing');
const { serializeTags } = require('arbundles/src/parser');
const b64 = (b) => Arweave.utils.bufferTob64Url(new Uint8Array(b));
(async () => {
  const [jwkPath, casesPath] = process.argv.slice(2);
  const jwk = JSON.parse(fs.readFileSync(jwkPath));
  const arweave = Arweave.init({});
  const out = [];
  for (const c of JSON.parse(fs.readFileSync(casesPath))) {
    const data = fs.readFileSync(c.file);
    const tx = await arweave.createTransaction({ data, last_tx: c.anchor, reward: c.reward }, jwk);
    for (const t of c.tags) tx.addTag(t.name, t.value);
    await arweave.transactions.sign(tx, jwk);
    const ch = tx.chunks;
    const ours = new Transaction(c.our_tx);
    const signer = new ArweaveSigner(jwk);
    const item = createData(data, signer, { tags: c.tags });
    await item.sign(signer);
    out.push({
      data_root: tx.data_root,
      chunks: ch.chunks.map((x) => ({ min: x.minByteRange, max: x.maxByteRange, hash: b64(x.dataHash) })),
      proofs: ch.proofs.map((p) => ({ offset: p.offset, proof: b64(p.proof) })),
      js_tx: tx.toJSON(),
      our_tx_valid: await arweave.transactions.verify(ours),
      js_item: b64(item.getRaw()),
      our_item_valid: await DataItem.verify(Buffer.from(c.our_item, 'base64')),
      tags_raw: c.tags.length ? b64(serializeTags(c.tags)) : '',
    });
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`

type xjsCase struct {
	File    string          `json:"file"`
	Anchor  string          `json:"anchor"`
	Reward  string          `json:"reward"`
	Tags    []jsTag         `json:"tags"`
	OurTx   json.RawMessage `json:"our_tx"`
	OurItem string          `json:"our_item"` // std base64 (Buffer.from(..., 'base64'))
}

type jsTag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type xjsResult struct {
	DataRoot string `json:"data_root"`
	Chunks   []struct {
		Min, Max int64
		Hash     string
	} `json:"chunks"`
	Proofs []struct {
		Offset int64  `json:"offset"`
		Proof  string `json:"proof"`
	} `json:"proofs"`
	JSTx         json.RawMessage `json:"js_tx"`
	OurTxValid   bool            `json:"our_tx_valid"`
	JSItem       string          `json:"js_item"`
	OurItemValid bool            `json:"our_item_valid"`
	TagsRaw      string          `json:"tags_raw"`
}

func TestCrossCheckArweaveJS(t *testing.T) {
	js := testpeers.NewArweaveJS(t)
	w := artxtest.Wallet(t, 0)
	dir := t.TempDir()
	sizes := []int{0, 1, 256 * kib, 256*kib + 1, 1024*kib + 10*kib,
		512*kib + 1001,       // the last-two-chunks rule on an odd remainder
		256*kib + 32*kib - 1, // the rule with two chunks only
		3*256*kib + 5, 512 * kib}
	tags := []artx.Tag{{Name: "Content-Type", Value: "text/html; charset=utf-8"}, {Name: "File-Hash", Value: "0123abcd"}}
	anchor := bytes.Repeat([]byte{0x42}, 48)
	var cases []xjsCase
	var trees []*artx.Tree
	for _, size := range sizes {
		data := randBytes(uint64(size)+99, size)
		file := filepath.Join(dir, "data"+itoa(size))
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tree, err := artx.BuildTree(bytes.NewReader(data), int64(size))
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, tree)
		tx := artx.NewTransaction(tree, nil, tags, anchor, "1000")
		if err := tx.Sign(w); err != nil {
			t.Fatal(err)
		}
		txJSON, _ := json.Marshal(tx)
		hdr, _, err := artx.SignDataItem(w, tags, nil, artx.DeepHash(data))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, xjsCase{File: file, Anchor: b64(anchor), Reward: "1000", Tags: toJS(tags), OurTx: txJSON,
			OurItem: base64.StdEncoding.EncodeToString(append(hdr, data...))})
	}
	casesPath := filepath.Join(dir, "cases.json")
	b, _ := json.Marshal(cases)
	os.WriteFile(casesPath, b, 0o644)
	jwkPath := artxtest.WalletFile(t, 0)
	var results []xjsResult
	if err := json.Unmarshal(js.Run(t, xjsScript, jwkPath, casesPath), &results); err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		size, tree := sizes[i], trees[i]
		t.Run(itoa(size), func(t *testing.T) { checkAgainstJS(t, size, tree, r, tags) })
	}
}

func checkAgainstJS(t *testing.T, size int, tree *artx.Tree, r xjsResult, tags []artx.Tag) {
	if r.DataRoot != b64(tree.Root()) {
		t.Errorf("data_root %s, arweave-js %s", b64(tree.Root()), r.DataRoot)
	}
	ours := tree.Chunks()
	if len(ours) != len(r.Chunks) || len(r.Proofs) != len(r.Chunks) {
		t.Fatalf("%d chunks, arweave-js %d (%d proofs)", len(ours), len(r.Chunks), len(r.Proofs))
	}
	for i, c := range ours {
		jc, jp := r.Chunks[i], r.Proofs[i]
		if c.Min != jc.Min || c.Max != jc.Max || b64(c.DataHash[:]) != jc.Hash {
			t.Errorf("chunk %d: [%d,%d) %s, arweave-js [%d,%d) %s", i, c.Min, c.Max, b64(c.DataHash[:]), jc.Min, jc.Max, jc.Hash)
		}
		if b64(tree.Proof(i)) != jp.Proof || jp.Offset != c.Max-1 {
			t.Errorf("chunk %d: proof differs from arweave-js (offset %d vs %d)", i, c.Max-1, jp.Offset)
		}
	}
	if !r.OurTxValid {
		t.Error("arweave-js does not verify our transaction's signature")
	}
	jtx, err := artx.ParseTransaction(r.JSTx)
	if err != nil {
		t.Fatal(err)
	}
	if err := jtx.Verify(); err != nil {
		t.Errorf("arweave-js's transaction does not verify here: %v", err)
	}
	if !r.OurItemValid {
		t.Error("arbundles does not verify our data item")
	}
	item, _ := base64.RawURLEncoding.DecodeString(r.JSItem)
	d, _, err := artx.ParseDataItem(item)
	if err != nil {
		t.Fatalf("arbundles' data item does not verify here: %v", err)
	}
	raw, _ := artx.EncodeTags(tags)
	if b64(raw) != r.TagsRaw || !bytes.Equal(raw, d.RawTags) {
		t.Errorf("tags encode to % x, arbundles to %s", raw, r.TagsRaw)
	}
}

func toJS(tags []artx.Tag) []jsTag {
	var out []jsTag
	for _, t := range tags {
		out = append(out, jsTag{t.Name, t.Value})
	}
	return out
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
