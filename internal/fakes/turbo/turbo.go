// Package turbo is a fake of the Turbo upload service, for tests: there is
// no Turbo server one can run. It implements what dapp-publish uses, as
// documented and as the service's source answers
// (ardriveapp/turbo-upload-service: docs/openapi.yaml, src/router.ts,
// src/routes/dataItemPost.ts, src/routes/info.ts, src/utils/signReceipt.ts):
//
//	GET  /                          {version, addresses, gateway, freeUploadLimitBytes}
//	POST /v1/tx, /v1/tx/{token}     one signed ANS-104 data item, application/octet-stream
//	POST /tx, /tx/{token}
//
// A posted item is parsed and its signature verified (only Arweave RSA
// items are accepted here). The answers are the service's: 200 with a
// receipt signed by the service's wallet over deepHash(["Bundlr", version,
// id, deadlineHeight, timestamp]); 202 "Data Item Exists" for an item
// posted before; 400 "Invalid Content Type", "Data item parsing error!",
// "Invalid Data Item!" or the size limit; 402 "Insufficient balance" when
// the owner's credits do not cover an item above the free limit; 403
// "Forbidden" for a blocked owner; 503 when its payment service is down.
//
// Forward, when set, hands each accepted item on, as the real service
// bundles items onto Arweave; ForwardTo posts each one to an Arweave node
// (arlocal) as an ANS-104 bundle transaction, so tests can fetch items back
// through a gateway.
package turbo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// Defaults of a fake.
const (
	DefaultFreeLimit = 107520 // what clients fall back to (105 KiB)
	MaxItem          = 64 << 20
	receiptVersion   = "0.2.0"
)

// Server is a running fake.
type Server struct {
	URL        string
	Wallet     *artx.Wallet // signs receipts
	FreeLimit  int64        // items up to this size are free
	WincByByte int64        // price above the free limit

	// Forward, if set, is called with each accepted item.
	Forward func(item []byte) error

	mu       sync.Mutex
	balances map[string]*big.Int // winc by owner address
	blocked  map[string]bool
	items    map[string][]byte
	posts    int
	down     bool
}

// Start starts a fake on 127.0.0.1 whose receipts are signed by wallet,
// stopped when t ends.
func Start(t testing.TB, wallet *artx.Wallet) *Server {
	t.Helper()
	s := &Server{Wallet: wallet, FreeLimit: DefaultFreeLimit, WincByByte: 1000,
		balances: map[string]*big.Int{}, blocked: map[string]bool{}, items: map[string][]byte{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Fund adds winc (Turbo credits) to an address.
func (s *Server) Fund(address string, winc int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balance(address).Add(s.balances[address], big.NewInt(winc))
}

func (s *Server) balance(address string) *big.Int {
	if s.balances[address] == nil {
		s.balances[address] = new(big.Int)
	}
	return s.balances[address]
}

// Balance returns an address's credits.
func (s *Server) Balance(address string) *big.Int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return new(big.Int).Set(s.balance(address))
}

// Block makes the service refuse an owner (403).
func (s *Server) Block(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[address] = true
}

// SetDown makes the service answer 503, as when its payment service is
// unreachable.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Items returns the accepted items by id.
func (s *Server) Items() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]byte, len(s.items))
	for k, v := range s.items {
		out[k] = v
	}
	return out
}

// Posts counts POSTs of data items (accepted or not).
func (s *Server) Posts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/":
		s.info(w)
	case r.Method == http.MethodPost && isTxPath(r.URL.Path):
		s.post(w, r)
	default:
		http.NotFound(w, r)
	}
}

func isTxPath(p string) bool {
	p = strings.TrimPrefix(p, "/v1")
	return p == "/tx" || (strings.HasPrefix(p, "/tx/") && !strings.Contains(p[4:], "/") && p != "/tx/")
}

func (s *Server) info(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"version":              receiptVersion,
		"addresses":            map[string]string{"arweave": s.Wallet.Address()},
		"gateway":              "arweave.net",
		"freeUploadLimitBytes": s.FreeLimit,
	})
}

func text(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg)
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.posts++
	down := s.down
	s.mu.Unlock()
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/octet-stream" {
		text(w, http.StatusBadRequest, "Invalid Content Type")
		return
	}
	if r.ContentLength > MaxItem {
		text(w, http.StatusBadRequest, fmt.Sprintf("Data item is too large, this service only accepts data items up to %d bytes!", MaxItem))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxItem+1))
	if err != nil || len(body) > MaxItem {
		text(w, http.StatusBadRequest, "Data item parsing error!")
		return
	}
	d, err := artx.ReadDataItem(strings.NewReader(string(body)))
	if err != nil || d.SigType != artx.SigTypeArweave {
		text(w, http.StatusBadRequest, "Data item parsing error!")
		return
	}
	id, owner := d.IDString(), artx.Address(d.Owner)
	if s.exists(id) {
		w.WriteHeader(http.StatusAccepted) // "Data Item Exists", as a status message
		return
	}
	if down {
		text(w, http.StatusServiceUnavailable, "Data Item: "+id+". Upload Service is Unavailable. Payment Service is unreachable")
		return
	}
	if !s.canPay(owner, int64(len(body))) { // the service checks the balance before the signature
		text(w, http.StatusPaymentRequired, "Insufficient balance")
		return
	}
	if _, _, err := artx.ParseDataItem(body); err != nil {
		text(w, http.StatusBadRequest, "Invalid Data Item!")
		return
	}
	s.accept(w, id, owner, body)
}

func (s *Server) cost(size int64) *big.Int {
	if size <= s.FreeLimit {
		return new(big.Int)
	}
	return big.NewInt(size * s.WincByByte)
}

func (s *Server) canPay(owner string, size int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balance(owner).Cmp(s.cost(size)) >= 0
}

func (s *Server) exists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.items[id]
	return ok
}

// accept charges the owner, stores the item and answers with a receipt.
func (s *Server) accept(w http.ResponseWriter, id, owner string, item []byte) {
	s.mu.Lock()
	cost := s.cost(int64(len(item)))
	switch {
	case s.blocked[owner]:
		s.mu.Unlock()
		text(w, http.StatusForbidden, "Forbidden")
		return
	case s.balance(owner).Cmp(cost) < 0: // spent meanwhile
		s.mu.Unlock()
		text(w, http.StatusPaymentRequired, "Insufficient balance")
		return
	}
	s.balances[owner].Sub(s.balances[owner], cost)
	s.items[id] = item
	fwd := s.Forward
	s.mu.Unlock()
	if fwd != nil {
		if err := fwd(item); err != nil {
			text(w, http.StatusServiceUnavailable, "Data Item: "+id+". Upload Service is Unavailable. "+err.Error())
			return
		}
	}
	rc, err := s.receipt(id, owner, cost)
	if err != nil {
		text(w, http.StatusServiceUnavailable, "Unable to sign receipt...")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rc)
}

func (s *Server) receipt(id, owner string, cost *big.Int) (map[string]any, error) {
	deadline, ts := int64(1_500_000), time.Now().UnixMilli()
	msg := artx.DeepHash([]any{"Bundlr", receiptVersion, id, strconv.FormatInt(deadline, 10), strconv.FormatInt(ts, 10)})
	sig, err := s.Wallet.Sign(msg[:])
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": id, "owner": owner, "dataCaches": []string{"arweave.net"}, "fastFinalityIndexes": []string{"arweave.net"},
		"deadlineHeight": deadline, "timestamp": ts, "version": receiptVersion, "winc": cost.String(),
		"signature": base64.RawURLEncoding.EncodeToString(sig), "public": base64.RawURLEncoding.EncodeToString(s.Wallet.Owner()),
	}, nil
}
