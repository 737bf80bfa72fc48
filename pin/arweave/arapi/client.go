// Package arapi is a client for the HTTP API of Arweave nodes and gateways
// (arweave.net and other ar.io gateways, arlocal in tests): price, anchor
// and balance, posting transactions and chunks, status, transaction
// headers, data, and GraphQL queries by owner and tag.
//
// Every answer is size-bounded and parsed strictly. Nothing a gateway says
// is trusted by callers without a check of their own: transaction headers
// are verified by their signature (artx.Transaction.Verify) and data by its
// data_root.
package arapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// Client talks to one node or gateway.
type Client struct {
	Base string       // e.g. https://arweave.net; no trailing slash
	HTTP *http.Client // nil: http.DefaultClient
}

// New returns a client for base, an http(s) URL without credentials.
func New(base string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("gateway %q is not an http(s) URL like https://arweave.net", base)
	}
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: hc}, nil
}

// Limits on answers.
const (
	maxSmallBody = 1 << 20  // status, price, anchor, balance, errors
	maxTxBody    = 16 << 20 // a transaction header (with inline data)
	maxGQLBody   = 16 << 20
)

// Error is an answer other than 2xx.
type Error struct {
	Op         string // e.g. "POST /chunk"
	Status     int
	Body       string // the start of the answer, printable
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: HTTP %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Temporary reports whether asking again may succeed: 408, 425, 429 and 5xx
// other than 501 and 505.
func (e *Error) Temporary() bool {
	switch e.Status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	case http.StatusNotImplemented, http.StatusHTTPVersionNotSupported:
		return false
	}
	return e.Status >= 500
}

// NetError is a request that got no HTTP answer (refused, reset, timed out).
type NetError struct {
	Op  string
	Err error
}

func (e *NetError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *NetError) Unwrap() error { return e.Err }

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// do sends a request and returns the answer when its status is 2xx (or is
// listed in ok); otherwise an *Error. The caller closes the body.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader, size int64, ctype string, ok ...int) (*http.Response, error) {
	op := method + " " + opPath(path)
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.client().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", op, context.Cause(ctx))
		}
		return nil, &NetError{Op: op + " " + c.Base, Err: unwrapURL(err)}
	}
	if resp.StatusCode/100 == 2 || slices.Contains(ok, resp.StatusCode) {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return nil, &Error{Op: op, Status: resp.StatusCode, Body: excerpt(b), RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
}

// opPath shortens a path for messages: transaction ids are kept, GraphQL
// and data paths are short already.
func opPath(p string) string {
	if len(p) > 120 {
		return p[:120] + "..."
	}
	return p
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func excerpt(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 && s < 3600 {
		return time.Duration(s) * time.Second
	}
	return 0
}

func (c *Client) getSmall(ctx context.Context, path string) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, path, nil, 0, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readAll(resp.Body, maxSmallBody, "GET "+path)
}

func readAll(r io.Reader, limit int64, op string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &NetError{Op: op, Err: err}
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: the answer is larger than %d bytes", op, limit)
	}
	return b, nil
}

// Price returns the fee in winston to store size bytes (GET /price/{size}).
func (c *Client) Price(ctx context.Context, size int64) (*big.Int, error) {
	b, err := c.getSmall(ctx, "/price/"+strconv.FormatInt(size, 10))
	if err != nil {
		return nil, err
	}
	return winston(b, "GET /price")
}

// Balance returns a wallet's balance in winston.
func (c *Client) Balance(ctx context.Context, address string) (*big.Int, error) {
	b, err := c.getSmall(ctx, "/wallet/"+url.PathEscape(address)+"/balance")
	if err != nil {
		return nil, err
	}
	return winston(b, "GET /wallet/balance")
}

func winston(b []byte, op string) (*big.Int, error) {
	s := strings.TrimSpace(string(b))
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || len(s) > 40 {
		return nil, fmt.Errorf("%s: %q is not an amount of winston", op, excerpt(b))
	}
	return v, nil
}

// Anchor returns a recent block hash to use as a transaction's last_tx.
func (c *Client) Anchor(ctx context.Context) ([]byte, error) {
	b, err := c.getSmall(ctx, "/tx_anchor")
	if err != nil {
		return nil, err
	}
	a, err := b64(strings.TrimSpace(string(b)))
	if err != nil || (len(a) != 32 && len(a) != 48) {
		return nil, fmt.Errorf("GET /tx_anchor: %q is not a block or transaction hash", excerpt(b))
	}
	return a, nil
}

// PostTx posts a signed transaction (with its data inline if it has any).
// A node that already has it answers 208, which counts as success.
func (c *Client) PostTx(ctx context.Context, tx *artx.Transaction) error {
	body, err := json.Marshal(tx)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, http.MethodPost, "/tx", bytes.NewReader(body), int64(len(body)), "application/json", http.StatusAlreadyReported)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxSmallBody))
	return resp.Body.Close()
}

// Chunk is one POST /chunk body.
type Chunk struct {
	DataRoot []byte
	DataSize int64
	DataPath []byte
	Offset   int64 // the chunk's last byte: Max - 1
	Data     []byte
}

// Fatal chunk errors: asking again with the same chunk cannot succeed.
var fatalChunkErrors = []string{"invalid_json", "chunk_too_big", "data_path_too_big", "offset_too_big",
	"data_size_too_big", "chunk_proof_ratio_not_attractive", "invalid_proof"}

// ErrChunkRejected wraps a node's fatal answer to a chunk.
var ErrChunkRejected = errors.New("the node rejected the chunk")

// bodies recycles POST /chunk bodies: a chunk is 256 KiB, about 350 KB as
// base64 JSON, and a large site sends thousands.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 360<<10); return &b }}

// appendChunkJSON appends the POST /chunk body for ch. Only base64url and
// digits go between the quotes: nothing needs escaping.
func appendChunkJSON(b []byte, ch Chunk) []byte {
	b = append(b, `{"data_root":"`...)
	b = base64URL.AppendEncode(b, ch.DataRoot)
	b = append(b, `","data_size":"`...)
	b = strconv.AppendInt(b, ch.DataSize, 10)
	b = append(b, `","data_path":"`...)
	b = base64URL.AppendEncode(b, ch.DataPath)
	b = append(b, `","offset":"`...)
	b = strconv.AppendInt(b, ch.Offset, 10)
	b = append(b, `","chunk":"`...)
	b = base64URL.AppendEncode(b, ch.Data)
	return append(b, `"}`...)
}

// PostChunk uploads one chunk with its proof.
func (c *Client) PostChunk(ctx context.Context, ch Chunk) error {
	bp := bodies.Get().(*[]byte)
	defer bodies.Put(bp)
	body := appendChunkJSON((*bp)[:0], ch)
	*bp = body
	resp, err := c.do(ctx, http.MethodPost, "/chunk", bytes.NewReader(body), int64(len(body)), "application/json")
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			for _, f := range fatalChunkErrors {
				if strings.Contains(ae.Body, f) {
					return fmt.Errorf("%w: %w", ErrChunkRejected, err)
				}
			}
		}
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxSmallBody))
	return resp.Body.Close()
}

// Status is what a node knows of a transaction.
type Status struct {
	Known         bool  // false: 404, the node has never seen it (or dropped it)
	Pending       bool  // in the mempool, not mined yet
	Height        int64 // the block it was mined in
	Confirmations int64
}

// Status asks GET /tx/{id}/status.
func (c *Client) Status(ctx context.Context, id string) (Status, error) {
	if !artx.IsTxID(id) {
		return Status{}, fmt.Errorf("%q is not a transaction id", id)
	}
	resp, err := c.do(ctx, http.MethodGet, "/tx/"+id+"/status", nil, 0, "")
	var ae *Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	defer resp.Body.Close()
	b, err := readAll(resp.Body, maxSmallBody, "GET /tx/status")
	if err != nil {
		return Status{}, err
	}
	if resp.StatusCode == http.StatusAccepted || strings.TrimSpace(string(b)) == "Pending" {
		return Status{Known: true, Pending: true}, nil
	}
	var s struct {
		Height        int64 `json:"block_height"`
		Confirmations int64 `json:"number_of_confirmations"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return Status{}, fmt.Errorf("GET /tx/%s/status: %q is not a status", id, excerpt(b))
	}
	return Status{Known: true, Height: s.Height, Confirmations: s.Confirmations}, nil
}

// ErrPending is returned by Tx for a transaction the node holds only in its
// mempool (202): its header is not served yet.
var ErrPending = errors.New("transaction is pending")

// Tx fetches and parses a transaction header (GET /tx/{id}). The caller
// verifies it.
func (c *Client) Tx(ctx context.Context, id string) (*artx.Transaction, error) {
	if !artx.IsTxID(id) {
		return nil, fmt.Errorf("%q is not a transaction id", id)
	}
	resp, err := c.do(ctx, http.MethodGet, "/tx/"+id, nil, 0, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return nil, fmt.Errorf("GET /tx/%s: %w", id, ErrPending)
	}
	b, err := readAll(resp.Body, maxTxBody, "GET /tx")
	if err != nil {
		return nil, err
	}
	tx, err := artx.ParseTransaction(b)
	if err != nil {
		return nil, fmt.Errorf("GET /tx/%s: %w", id, err)
	}
	if enc(tx.ID) != id {
		return nil, fmt.Errorf("GET /tx/%s: the gateway answered with transaction %s", id, enc(tx.ID))
	}
	return tx, nil
}

// Data streams a transaction's data (GET /{id}). For a path manifest the
// gateway serves its index instead: use RawData.
func (c *Client) Data(ctx context.Context, id string) (io.ReadCloser, error) {
	if !artx.IsTxID(id) {
		return nil, fmt.Errorf("%q is not a transaction id", id)
	}
	resp, err := c.do(ctx, http.MethodGet, "/"+id, nil, 0, "")
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// RawData fetches the raw data of a small transaction (a path manifest),
// at most limit bytes: GET /raw/{id} (ar.io gateways), else the node API's
// GET /tx/{id}/data (base64url).
func (c *Client) RawData(ctx context.Context, id string, limit int64) ([]byte, error) {
	if !artx.IsTxID(id) {
		return nil, fmt.Errorf("%q is not a transaction id", id)
	}
	resp, err := c.do(ctx, http.MethodGet, "/raw/"+id, nil, 0, "")
	if err == nil {
		defer resp.Body.Close()
		return readAll(resp.Body, limit, "GET /raw")
	}
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		return nil, err
	}
	resp, err = c.do(ctx, http.MethodGet, "/tx/"+id+"/data", nil, 0, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := readAll(resp.Body, limit*4/3+4, "GET /tx/data")
	if err != nil {
		return nil, err
	}
	return b64(strings.TrimSpace(string(b)))
}

func enc(b []byte) string { return base64URL.EncodeToString(b) }

func b64(s string) ([]byte, error) { return base64URL.DecodeString(s) }
