package ens

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/redact"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// safeServiceShortNames maps chain ids to the Safe Transaction Service path
// segment (https://api.safe.global/tx-service/{shortName}), protocols.md 1.6.
var safeServiceShortNames = map[uint64]string{
	1: "eth", 11155111: "sep", 8453: "base", 42161: "arb1", 10: "oeth",
}

// SafeServiceURL returns the hosted Transaction Service base URL for a chain.
func SafeServiceURL(chainID uint64) (string, error) {
	short, ok := safeServiceShortNames[chainID]
	if !ok {
		return "", fmt.Errorf("no known Safe Transaction Service for chain %d", chainID)
	}
	return "https://api.safe.global/tx-service/" + short, nil
}

// SafeService is a client of the Safe Transaction Service API (v1).
type SafeService struct {
	// URL is the base, without /api: https://api.safe.global/tx-service/eth.
	URL string
	// APIKey is sent as "Authorization: Bearer"; it is a secret and is
	// never included in errors.
	APIKey string
	HTTP   *http.Client
}

// SafeInfo is the part of GET /api/v1/safes/{address}/ that proposing needs.
type SafeInfo struct {
	Address   string   `json:"address"`
	Nonce     flexUint `json:"nonce"`
	Threshold int      `json:"threshold"`
	Owners    []string `json:"owners"`
	Version   string   `json:"version"`
}

// flexUint accepts a JSON number or a decimal string: the service has
// returned nonces as both.
type flexUint uint64

func (f *flexUint) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseUint(s, 10, 64)
	*f = flexUint(n)
	return err
}

// SafeServiceError is a non-2xx answer; Body holds the service's explanation
// (for 422: not an owner, invalid signature, nonce already executed).
type SafeServiceError struct {
	Status int
	Body   string
}

func (e *SafeServiceError) Error() string {
	return fmt.Sprintf("Safe Transaction Service answered %d: %s", e.Status, e.Body)
}

// Info reads a Safe's nonce, owners, threshold and version.
func (s *SafeService) Info(ctx context.Context, safe common.Address) (*SafeInfo, error) {
	var info SafeInfo
	if err := s.do(ctx, http.MethodGet, "/api/v1/safes/"+safe.Hex()+"/", nil, &info); err != nil {
		return nil, fmt.Errorf("failed to read Safe %s: %w", safe.Hex(), err)
	}
	return &info, nil
}

// NextNonce returns the nonce a new proposal should use: one past the highest
// pending transaction, or the Safe's nonce when nothing is pending (as
// api-kit's getNextNonce does).
func (s *SafeService) NextNonce(ctx context.Context, safe common.Address, info *SafeInfo) (uint64, error) {
	var page struct {
		Results []struct {
			Nonce flexUint `json:"nonce"`
		} `json:"results"`
	}
	path := fmt.Sprintf("/api/v1/safes/%s/multisig-transactions/?executed=false&nonce__gte=%d&ordering=-nonce&limit=100", safe.Hex(), info.Nonce)
	if err := s.do(ctx, http.MethodGet, path, nil, &page); err != nil {
		return 0, fmt.Errorf("failed to list pending transactions of Safe %s: %w", safe.Hex(), err)
	}
	next := uint64(info.Nonce)
	for _, r := range page.Results {
		next = max(next, uint64(r.Nonce)+1)
	}
	return next, nil
}

// Proposal is the body of POST /api/v1/safes/{safe}/multisig-transactions/.
type Proposal struct {
	To                      string `json:"to"`
	Value                   string `json:"value"`
	Data                    string `json:"data"`
	Operation               uint8  `json:"operation"`
	SafeTxGas               string `json:"safeTxGas"`
	BaseGas                 string `json:"baseGas"`
	GasPrice                string `json:"gasPrice"`
	GasToken                string `json:"gasToken"`
	RefundReceiver          string `json:"refundReceiver"`
	Nonce                   uint64 `json:"nonce"`
	ContractTransactionHash string `json:"contractTransactionHash"`
	Sender                  string `json:"sender"`
	Signature               string `json:"signature"`
	Origin                  string `json:"origin,omitempty"`
}

// NewProposal fills a proposal body from a signed SafeTx.
func NewProposal(tx SafeTx, h common.Hash, sender common.Address, sig []byte, origin string) Proposal {
	if len(origin) > 200 {
		origin = origin[:200]
	}
	return Proposal{
		To: tx.To.Hex(), Value: tx.Value.String(), Data: hexutil.Encode(tx.Data), Operation: tx.Operation,
		SafeTxGas: tx.SafeTxGas.String(), BaseGas: tx.BaseGas.String(), GasPrice: tx.GasPrice.String(),
		GasToken: tx.GasToken.Hex(), RefundReceiver: tx.RefundReceiver.Hex(), Nonce: tx.Nonce.Uint64(),
		ContractTransactionHash: h.Hex(), Sender: sender.Hex(), Signature: hexutil.Encode(sig), Origin: origin,
	}
}

// SafeTx rebuilds the transaction a proposal describes (used by the fake
// service and by tests to check what was proposed).
func (p Proposal) SafeTx() (SafeTx, error) {
	data, err := hexutil.Decode(p.Data)
	if err != nil && p.Data != "" && p.Data != "0x" {
		return SafeTx{}, fmt.Errorf("bad data: %w", err)
	}
	tx := SafeTx{To: common.HexToAddress(p.To), Data: data, Operation: p.Operation,
		GasToken: common.HexToAddress(p.GasToken), RefundReceiver: common.HexToAddress(p.RefundReceiver),
		Nonce: new(big.Int).SetUint64(p.Nonce)}
	for _, f := range []struct {
		dst **big.Int
		s   string
	}{{&tx.Value, p.Value}, {&tx.SafeTxGas, p.SafeTxGas}, {&tx.BaseGas, p.BaseGas}, {&tx.GasPrice, p.GasPrice}} {
		v, ok := new(big.Int).SetString(f.s, 10)
		if !ok {
			return SafeTx{}, fmt.Errorf("bad number %q", f.s)
		}
		*f.dst = v
	}
	return tx, nil
}

// Propose submits a signed proposal.
func (s *SafeService) Propose(ctx context.Context, safe common.Address, p Proposal) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := s.do(ctx, http.MethodPost, "/api/v1/safes/"+safe.Hex()+"/multisig-transactions/", body, nil); err != nil {
		return fmt.Errorf("failed to propose to Safe %s: %w", safe.Hex(), err)
	}
	return nil
}

// do sends one request and decodes a JSON answer into out (if not nil).
func (s *SafeService) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(s.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.APIKey)
	}
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		// The service may quote the API key or the URL: scrub them before
		// the body is cut short, which would leave a piece unrecognised.
		var scrub redact.Set
		scrub.Add(s.APIKey)
		scrub.AddURL(s.URL)
		body := scrub.String(string(b))
		return &SafeServiceError{Status: resp.StatusCode, Body: strings.TrimSpace(body[:min(len(body), 2000)])}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("failed to decode the answer: %w", err)
	}
	return nil
}
