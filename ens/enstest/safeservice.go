// Package enstest provides a fake Safe Transaction Service for tests of
// dapp-publish's Safe proposals. It implements the endpoints the ens package
// uses, with the checks and error bodies the real service documents:
//
//	GET  /api/v1/safes/{address}/                         Safe info (404 if unknown)
//	GET  /api/v1/safes/{address}/multisig-transactions/   pending transactions
//	POST /api/v1/safes/{address}/multisig-transactions/   propose (201; 400 malformed;
//	                                                      401 missing API key; 422 wrong hash,
//	                                                      executed nonce, bad signature,
//	                                                      signer not owner or delegate)
//
// Everything else is the real thing: the server listens on 127.0.0.1 and the
// signature is recovered from the EIP-712 hash with go-ethereum.
package enstest

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// Safe is the state the fake keeps for one Safe.
type Safe struct {
	Nonce     uint64
	Threshold int
	Owners    []common.Address
	Delegates []common.Address
	Version   string
}

// Stored is an accepted proposal, with the signer the fake recovered.
type Stored struct {
	Safe     common.Address
	Proposal ens.Proposal
	Signer   common.Address
}

// SafeService is a running fake.
type SafeService struct {
	URL     string
	ChainID *big.Int
	// APIKey, when set, must be sent as "Authorization: Bearer <key>".
	APIKey string

	mu       sync.Mutex
	safes    map[common.Address]*Safe
	accepted []Stored
}

// NewSafeService starts the fake on 127.0.0.1; it stops when the test ends.
func NewSafeService(t testing.TB, chainID *big.Int) *SafeService {
	s := &SafeService{ChainID: chainID, safes: map[common.Address]*Safe{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// SetNonce records that the Safe executed transactions up to nonce-1.
func (s *SafeService) SetNonce(addr common.Address, nonce uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.safes[addr].Nonce = nonce
}

// AddSafe registers a Safe the service knows about.
func (s *SafeService) AddSafe(addr common.Address, safe Safe) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.safes[addr] = &safe
}

// Accepted returns the proposals accepted so far.
func (s *SafeService) Accepted() []Stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Stored(nil), s.accepted...)
}

func (s *SafeService) serve(w http.ResponseWriter, r *http.Request) {
	if s.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.APIKey {
		reply(w, http.StatusUnauthorized, map[string]string{"detail": "Authentication credentials were not provided."})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/safes/")
	if !ok {
		reply(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	addr, sub, _ := strings.Cut(rest, "/")
	if !common.IsHexAddress(addr) || common.HexToAddress(addr).Hex() != addr {
		reply(w, http.StatusUnprocessableEntity, map[string]any{"code": 1, "message": "Checksum address validation failed", "arguments": []string{addr}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	safe := s.safes[common.HexToAddress(addr)]
	if safe == nil {
		reply(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	switch {
	case sub == "" && r.Method == http.MethodGet:
		s.info(w, addr, safe)
	case sub == "multisig-transactions/" && r.Method == http.MethodGet:
		var from uint64
		fmt.Sscan(r.URL.Query().Get("nonce__gte"), &from)
		s.pending(w, common.HexToAddress(addr), from)
	case sub == "multisig-transactions/" && r.Method == http.MethodPost:
		s.propose(w, r, common.HexToAddress(addr), safe)
	default:
		reply(w, http.StatusMethodNotAllowed, map[string]string{"detail": "Method not allowed."})
	}
}

func (s *SafeService) info(w http.ResponseWriter, addr string, safe *Safe) {
	owners := make([]string, len(safe.Owners))
	for i, o := range safe.Owners {
		owners[i] = o.Hex()
	}
	reply(w, http.StatusOK, map[string]any{
		"address": addr, "nonce": fmt.Sprint(safe.Nonce), "threshold": safe.Threshold,
		"owners": owners, "version": safe.Version,
	})
}

func (s *SafeService) pending(w http.ResponseWriter, safe common.Address, from uint64) {
	results := []map[string]any{}
	for _, a := range s.accepted {
		if a.Safe == safe && a.Proposal.Nonce >= from {
			results = append(results, map[string]any{"nonce": a.Proposal.Nonce, "safeTxHash": a.Proposal.ContractTransactionHash})
		}
	}
	reply(w, http.StatusOK, map[string]any{"count": len(results), "results": results})
}

func (s *SafeService) propose(w http.ResponseWriter, r *http.Request, addr common.Address, safe *Safe) {
	var p ens.Proposal
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		reply(w, http.StatusBadRequest, map[string][]string{"nonFieldErrors": {"Invalid JSON: " + err.Error()}})
		return
	}
	if msg := s.check(addr, safe, p); msg != "" {
		reply(w, http.StatusUnprocessableEntity, map[string][]string{"nonFieldErrors": {msg}})
		return
	}
	sig, _ := hexutil.Decode(p.Signature)
	signer, _ := ens.RecoverSafeSigner(common.HexToHash(p.ContractTransactionHash), sig)
	s.accepted = append(s.accepted, Stored{Safe: addr, Proposal: p, Signer: signer})
	w.WriteHeader(http.StatusCreated)
}

// check applies the service's validation, returning its message or "".
func (s *SafeService) check(addr common.Address, safe *Safe, p ens.Proposal) string {
	tx, err := p.SafeTx()
	if err != nil {
		return err.Error()
	}
	want := tx.Hash(s.ChainID, addr, safe.Version)
	if got := common.HexToHash(p.ContractTransactionHash); got != want {
		return fmt.Sprintf("Contract-transaction-hash=%s does not match provided contract-tx-hash=%s", want.Hex(), got.Hex())
	}
	if p.Nonce < safe.Nonce {
		return fmt.Sprintf("Tx with nonce=%d for safe=%s was already executed", p.Nonce, addr.Hex())
	}
	sig, err := hexutil.Decode(p.Signature)
	if err != nil {
		return "Signature=" + p.Signature + " is not valid"
	}
	signer, err := ens.RecoverSafeSigner(want, sig)
	if err != nil {
		return "Signature=" + p.Signature + " is not valid"
	}
	if signer.Hex() != p.Sender {
		return fmt.Sprintf("Signer=%s does not match sender=%s", signer.Hex(), p.Sender)
	}
	if !has(safe.Owners, signer) && !has(safe.Delegates, signer) {
		return fmt.Sprintf("Signer=%s is not an owner or delegate. Current owners=%v. Delegates=%v", signer.Hex(), safe.Owners, safe.Delegates)
	}
	return ""
}

func has(list []common.Address, a common.Address) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
