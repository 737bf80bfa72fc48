package artx

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Tag is a name/value pair attached to a transaction or data item. Arweave
// tags are bytes; here they are Go strings holding those bytes (UTF-8 in
// practice).
type Tag struct {
	Name, Value string
}

// Transaction is a format-2 Arweave transaction. Binary fields hold the
// decoded bytes; JSON carries them as unpadded base64url.
type Transaction struct {
	Format    int
	ID        []byte // SHA-256 of Signature
	LastTx    []byte // the anchor: a recent block hash or the wallet's last tx
	Owner     []byte // the signer's RSA modulus
	Tags      []Tag
	Target    []byte // empty: no transfer
	Quantity  string // winston transferred, "0"
	Data      []byte // inline data; nil when the data goes up as chunks
	DataSize  int64
	DataRoot  []byte // nil for empty data
	Reward    string // fee in winston
	Signature []byte
}

// Limits for transactions read from outside.
const (
	maxTagBytes = 2048     // the protocol's bound on all names and values together
	maxTxJSON   = 12 << 20 // a header with inline data of up to MaxChunkSize fits easily
)

// NewTransaction returns an unsigned transaction for data of size bytes
// whose chunk tree is tree, with inline data (nil for chunked upload).
func NewTransaction(tree *Tree, inline []byte, tags []Tag, anchor []byte, reward string) *Transaction {
	return &Transaction{
		Format: 2, LastTx: anchor, Tags: tags, Quantity: "0", Data: inline,
		DataSize: tree.Size(), DataRoot: tree.Root(), Reward: reward,
	}
}

// SignatureData is the deep hash a format-2 transaction's signature covers.
func (tx *Transaction) SignatureData() Digest {
	tags := make([]any, len(tx.Tags))
	for i, t := range tx.Tags {
		tags[i] = []any{[]byte(t.Name), []byte(t.Value)}
	}
	return DeepHash([]any{
		"2", tx.Owner, tx.Target, tx.Quantity, tx.Reward, tx.LastTx, tags,
		strconv.FormatInt(tx.DataSize, 10), tx.DataRoot,
	})
}

// Sign sets the owner, signs, and sets the id.
func (tx *Transaction) Sign(w *Wallet) error {
	tx.Format = 2
	tx.Owner = w.Owner()
	msg := tx.SignatureData()
	sig, err := w.Sign(msg[:])
	if err != nil {
		return fmt.Errorf("failed to sign: %w", err)
	}
	id := sha256.Sum256(sig)
	tx.Signature, tx.ID = sig, id[:]
	return nil
}

// Verify checks the id is the hash of the signature and the signature is
// the owner's over the transaction's fields (data_root included, so a
// verified header pins the data too).
func (tx *Transaction) Verify() error {
	if tx.Format != 2 {
		return fmt.Errorf("%w: format %d transactions are not checked", ErrBadSignature, tx.Format)
	}
	id := sha256.Sum256(tx.Signature)
	if !bytes.Equal(id[:], tx.ID) {
		return fmt.Errorf("%w: the id is not the hash of the signature", ErrBadSignature)
	}
	msg := tx.SignatureData()
	return VerifySignature(tx.Owner, msg[:], tx.Signature)
}

// IDString is the id as Arweave prints it.
func (tx *Transaction) IDString() string { return b64(tx.ID) }

// TagValue returns the value of the first tag named name.
func (tx *Transaction) TagValue(name string) (string, bool) { return tagValue(tx.Tags, name) }

func tagValue(tags []Tag, name string) (string, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

type jsonTag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type jsonTx struct {
	Format    int       `json:"format"`
	ID        string    `json:"id"`
	LastTx    string    `json:"last_tx"`
	Owner     string    `json:"owner"`
	Tags      []jsonTag `json:"tags"`
	Target    string    `json:"target"`
	Quantity  string    `json:"quantity"`
	Data      string    `json:"data"`
	DataSize  string    `json:"data_size"`
	DataRoot  string    `json:"data_root"`
	Reward    string    `json:"reward"`
	Signature string    `json:"signature"`
}

// MarshalJSON encodes the transaction as POST /tx takes it.
func (tx *Transaction) MarshalJSON() ([]byte, error) {
	j := jsonTx{
		Format: tx.Format, ID: b64(tx.ID), LastTx: b64(tx.LastTx), Owner: b64(tx.Owner), Tags: []jsonTag{},
		Target: b64(tx.Target), Quantity: tx.Quantity, Data: b64(tx.Data), DataSize: strconv.FormatInt(tx.DataSize, 10),
		DataRoot: b64(tx.DataRoot), Reward: tx.Reward, Signature: b64(tx.Signature),
	}
	for _, t := range tx.Tags {
		j.Tags = append(j.Tags, jsonTag{Name: b64([]byte(t.Name)), Value: b64([]byte(t.Value))})
	}
	return json.Marshal(j)
}

// ErrBadTransaction means transaction JSON from outside is malformed.
var ErrBadTransaction = errors.New("malformed transaction")

// ParseTransaction decodes a transaction header (GET /tx/{id}) and checks
// the form of every field. It does not verify the signature (Verify).
func ParseTransaction(data []byte) (*Transaction, error) {
	if len(data) > maxTxJSON {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadTransaction, len(data))
	}
	var in struct {
		jsonTx
		DataSize json.RawMessage `json:"data_size"` // a string; arlocal sends a number for 0
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTransaction, err)
	}
	j := in.jsonTx
	j.DataSize = strings.Trim(string(in.DataSize), `"`)
	tx := &Transaction{Format: j.Format, Quantity: j.Quantity, Reward: j.Reward}
	fields := []struct {
		name  string
		in    string
		out   *[]byte
		sizes []int // allowed decoded sizes; nil: any
	}{
		{"id", j.ID, &tx.ID, []int{32}},
		{"last_tx", j.LastTx, &tx.LastTx, []int{0, 32, 48}},
		{"owner", j.Owner, &tx.Owner, []int{OwnerSize}},
		{"target", j.Target, &tx.Target, []int{0, 32}},
		{"data", j.Data, &tx.Data, nil},
		{"data_root", j.DataRoot, &tx.DataRoot, []int{0, 32}},
		{"signature", j.Signature, &tx.Signature, []int{OwnerSize}},
	}
	for _, f := range fields {
		b, err := base64.RawURLEncoding.DecodeString(f.in)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s is not base64url", ErrBadTransaction, f.name)
		}
		if f.sizes != nil && !slices.Contains(f.sizes, len(b)) {
			return nil, fmt.Errorf("%w: field %s has %d bytes", ErrBadTransaction, f.name, len(b))
		}
		*f.out = b
	}
	if err := tx.parseNumbers(j); err != nil {
		return nil, err
	}
	return tx, tx.parseTags(j.Tags)
}

func (tx *Transaction) parseNumbers(j jsonTx) error {
	size, err := strconv.ParseInt(j.DataSize, 10, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("%w: data_size %.30q is not a size", ErrBadTransaction, j.DataSize)
	}
	tx.DataSize = size
	for name, v := range map[string]string{"quantity": j.Quantity, "reward": j.Reward} {
		if !isWinston(v) {
			return fmt.Errorf("%w: %s %.30q is not a winston amount", ErrBadTransaction, name, v)
		}
	}
	if (size == 0) != (len(tx.DataRoot) == 0) {
		return fmt.Errorf("%w: data_root and data_size disagree", ErrBadTransaction)
	}
	return nil
}

func (tx *Transaction) parseTags(tags []jsonTag) error {
	total := 0
	for _, t := range tags {
		n, err1 := base64.RawURLEncoding.DecodeString(t.Name)
		v, err2 := base64.RawURLEncoding.DecodeString(t.Value)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%w: a tag is not base64url", ErrBadTransaction)
		}
		if total += len(n) + len(v); total > maxTagBytes {
			return fmt.Errorf("%w: tags hold more than %d bytes", ErrBadTransaction, maxTagBytes)
		}
		tx.Tags = append(tx.Tags, Tag{Name: string(n), Value: string(v)})
	}
	return nil
}

// isWinston reports whether s is a decimal amount of winston.
func isWinston(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
