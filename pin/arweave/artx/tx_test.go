package artx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

func signedTx(t *testing.T, data []byte, tags []artx.Tag) *artx.Transaction {
	t.Helper()
	tree, err := artx.BuildTree(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	tx := artx.NewTransaction(tree, nil, tags, bytes.Repeat([]byte{7}, 48), "123456")
	if err := tx.Sign(artxtest.Wallet(t, 0)); err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestTransactionSignVerify(t *testing.T) {
	tx := signedTx(t, randBytes(3, 300*kib), []artx.Tag{{Name: "Content-Type", Value: "text/html"}})
	if err := tx.Verify(); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(tx)
	if err != nil {
		t.Fatal(err)
	}
	back, err := artx.ParseTransaction(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(); err != nil {
		t.Fatalf("after a JSON round trip: %v", err)
	}
	for name, edit := range map[string]func(*artx.Transaction){
		"tag value":  func(x *artx.Transaction) { x.Tags[0].Value = "text/plain" },
		"data root":  func(x *artx.Transaction) { x.DataRoot = bytes.Repeat([]byte{1}, 32) },
		"data size":  func(x *artx.Transaction) { x.DataSize++ },
		"reward":     func(x *artx.Transaction) { x.Reward = "1" },
		"anchor":     func(x *artx.Transaction) { x.LastTx = bytes.Repeat([]byte{8}, 48) },
		"id":         func(x *artx.Transaction) { x.ID = bytes.Repeat([]byte{9}, 32) },
		"other tags": func(x *artx.Transaction) { x.Tags = append(x.Tags, artx.Tag{Name: "a", Value: "b"}) },
		"owner":      func(x *artx.Transaction) { x.Owner = artxtest.Wallet(t, 1).Owner() },
	} {
		c, _ := artx.ParseTransaction(js)
		edit(c)
		if err := c.Verify(); !errors.Is(err, artx.ErrBadSignature) {
			t.Errorf("changed %s: Verify = %v", name, err)
		}
	}
}

func TestParseTransactionErrors(t *testing.T) {
	good, _ := json.Marshal(signedTx(t, []byte("hello"), nil))
	var m map[string]any
	json.Unmarshal(good, &m)
	for name, edit := range map[string]func(map[string]any){
		"short id":       func(m map[string]any) { m["id"] = "AAAA" },
		"short owner":    func(m map[string]any) { m["owner"] = "AAAA" },
		"bad base64":     func(m map[string]any) { m["signature"] = "!!" },
		"negative size":  func(m map[string]any) { m["data_size"] = "-1" },
		"size, no root":  func(m map[string]any) { m["data_root"] = "" },
		"reward not int": func(m map[string]any) { m["reward"] = "1e9" },
		"huge tags": func(m map[string]any) {
			m["tags"] = []map[string]string{{"name": "YQ", "value": strings.Repeat("QUFB", 700)}}
		},
		"tag not base64":  func(m map[string]any) { m["tags"] = []map[string]string{{"name": "*", "value": "YQ"}} },
		"data_size words": func(m map[string]any) { m["data_size"] = "ten" },
	} {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		edit(c)
		b, _ := json.Marshal(c)
		if _, err := artx.ParseTransaction(b); !errors.Is(err, artx.ErrBadTransaction) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestDeepHashShape(t *testing.T) {
	// A list and a blob of the same bytes hash differently, and so do
	// lists nested differently.
	a := artx.DeepHash([]any{[]byte("ab")})
	b := artx.DeepHash([]byte("ab"))
	c := artx.DeepHash([]any{[]byte("a"), []byte("b")})
	d := artx.DeepHash([]any{[]any{[]byte("a"), []byte("b")}})
	if a == b || a == c || c == d {
		t.Fatal("deep hash collisions between shapes")
	}
	bh := artx.NewBlobHasher()
	bh.Write([]byte("a"))
	bh.Write([]byte("b"))
	if bh.Digest() != b {
		t.Fatal("streamed blob hash differs")
	}
}
