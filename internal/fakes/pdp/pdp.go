// Package pdp is a fake Filecoin storage provider's PDP HTTP API (Curio's
// pdp/handlers*.go, as its PDP API documentation describes it), for tests:
// a storage provider cannot be run here. It implements
//
//	GET  /pdp/ping
//	POST /pdp/piece {pieceCid, dataSetId?}     200 stored already | 201 Location /pdp/piece/upload/{uuid}
//	PUT  /pdp/piece/upload/{uuid}               204; the bytes must hash to the announced piece CID
//	GET  /pdp/piece?pieceCid=                   200 {pieceCid} | 202 still processing | 404
//	POST /pdp/data-sets {recordKeeper, extraData}             201 Location /pdp/data-sets/created/{tx}
//	GET  /pdp/data-sets/created/{tx}            {createMessageHash, dataSetCreated, txStatus, ok, dataSetId}
//	GET  /pdp/data-sets/{id}                    {id, pieces: [{pieceId, pieceCid}]}
//	POST /pdp/data-sets/{id}/pieces {pieces, extraData}       201 Location .../pieces/added/{tx}
//	GET  /pdp/data-sets/{id}/pieces/added/{tx}  {txHash, txStatus, addMessageOk, piecesAdded, confirmedPieceIds}
//	GET  /piece/{pieceCid}                      the piece's bytes
//
// Like Curio it sends the data set and piece transactions to the
// PDPVerifier (here: the stand-in on anvil, which calls the FWSS stand-in,
// which checks the client's EIP-712 signatures), from the provider's own
// key, and reports their state as the chain has it. Faults and states are
// switched on by the fields of Server.
package pdp

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
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

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/ethereum/go-ethereum/accounts/abi"
	bind "github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// Chain is where the fake sends its transactions.
type Chain struct {
	Client      *ethclient.Client
	ChainID     int64
	Key         *ecdsa.PrivateKey // the storage provider's
	Verifier    common.Address
	VerifierABI abi.ABI
	FWSS        common.Address
	// Payer returns the payer of a data set (FWSS getDataSet), for
	// X-PDP-Upload-Auth.
	Payer func(dataSetID uint64) common.Address
}

// Server is a running fake.
type Server struct {
	URL   string
	chain Chain

	// Faults and states.
	FailPuts          int  // answer this many piece uploads with 503
	ProcessingPolls   int  // answer this many piece lookups after an upload with 202
	PendingPolls      int  // report a confirmed transaction as still pending (200) this many times
	NeverConfirm      bool // accept piece additions but never send them
	RequireUploadAuth bool // PDPUploadRequireAuth: uploads need X-PDP-Upload-Auth
	CorruptServe      bool // serve pieces with one byte flipped
	TamperAdd         bool // flip a bit of the signature in piece additions: the chain rejects them

	mu      sync.Mutex
	pieces  map[string][]byte // parked pieces by v2 CID
	uploads map[string]piece.Commitment
	polls   map[string]int
	txs     map[string]*txInfo
	sets    map[uint64][]setPiece
	// Signed is every request with extraData, in order, for tests that
	// recover its signer.
	Signed []Signed
	// Puts counts upload attempts; Adds counts piece additions asked for.
	Puts, Adds int
}

// Signed is a request carrying signed extraData.
type Signed struct {
	Kind      string // "create" or "add"
	DataSetID uint64 // add
	Pieces    [][]byte
	Extra     []byte
}

type setPiece struct {
	id  uint64
	cid string
}

type txInfo struct {
	hash    common.Hash
	kind    string // create | add
	set     uint64
	cid     string
	pending int
	fake    bool
}

// New starts the fake on 127.0.0.1, stopped when the test ends.
func New(t testing.TB, ch Chain) *Server {
	s := &Server{chain: ch, pieces: map[string][]byte{}, uploads: map[string]piece.Commitment{}, polls: map[string]int{},
		txs: map[string]*txInfo{}, sets: map[uint64][]setPiece{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pdp/ping", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /pdp/piece", s.announce)
	mux.HandleFunc("PUT /pdp/piece/upload/{id}", s.upload)
	mux.HandleFunc("GET /pdp/piece", s.find)
	mux.HandleFunc("POST /pdp/data-sets", s.createSet)
	mux.HandleFunc("GET /pdp/data-sets/created/{tx}", s.created)
	mux.HandleFunc("GET /pdp/data-sets/{id}", s.getSet)
	mux.HandleFunc("POST /pdp/data-sets/{id}/pieces", s.addPieces)
	mux.HandleFunc("GET /pdp/data-sets/{id}/pieces/added/{tx}", s.added)
	mux.HandleFunc("GET /piece/{cid}", s.serve)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// HasPiece reports whether a piece is parked.
func (s *Server) HasPiece(c string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pieces[c] != nil
}

func fail(w http.ResponseWriter, code int, msg string) { http.Error(w, msg, code) }

func readJSON(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v)
}

func (s *Server) announce(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PieceCid  string `json:"pieceCid"`
		DataSetID uint64 `json:"dataSetId"`
	}
	if err := readJSON(r, &req); err != nil {
		fail(w, 400, "invalid request body")
		return
	}
	c, err := piece.Parse(req.PieceCid)
	if err != nil {
		fail(w, 400, "invalid pieceCid: must be a v2 piece CID")
		return
	}
	if c.Size > 1065353216 || c.Size < 127 {
		fail(w, 400, "piece size out of range")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pieces[req.PieceCid] != nil {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"pieceCid": req.PieceCid})
		return
	}
	id := randomID()
	s.uploads[id] = c
	w.Header().Set("Location", "/pdp/piece/upload/"+id)
	w.WriteHeader(http.StatusCreated)
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.Puts++
	want, ok := s.uploads[r.PathValue("id")]
	failNow := s.FailPuts > 0
	if failNow {
		s.FailPuts--
	}
	s.mu.Unlock()
	if !ok {
		fail(w, 404, "upload not found")
		return
	}
	if failNow {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		fail(w, 503, "storage temporarily unavailable")
		return
	}
	if s.RequireUploadAuth {
		if err := s.checkAuth(r.Header.Get("X-PDP-Upload-Auth")); err != nil {
			fail(w, 401, "Unauthorized: "+err.Error())
			return
		}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(want.Size)+1))
	if err != nil {
		fail(w, 400, "read error")
		return
	}
	pw := piece.NewWriter(1)
	pw.Write(data)
	got, err := pw.Sum()
	if err != nil || got != want {
		fail(w, 400, "computed piece CID does not match the expected piece CID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.uploads, r.PathValue("id"))
	c := want.CID().String()
	s.pieces[c] = data
	s.polls[c] = s.ProcessingPolls
	w.WriteHeader(http.StatusNoContent)
}

// checkAuth verifies X-PDP-Upload-Auth as Curio does: dataSetId.nonce.
// expiry.0xsig, an EIP-712 PieceUploadAuth by the data set's payer.
func (s *Server) checkAuth(h string) error {
	parts := strings.SplitN(strings.TrimSpace(h), ".", 4)
	if len(parts) != 4 {
		return fmt.Errorf("expected dataSetId.nonce.expiry.signature")
	}
	set, err1 := strconv.ParseUint(parts[0], 10, 64)
	nonce, ok := new(big.Int).SetString(parts[1], 10)
	expiry, err2 := strconv.ParseInt(parts[2], 10, 64)
	sig, err3 := hexutil.Decode(parts[3])
	if err1 != nil || !ok || err2 != nil || err3 != nil || len(sig) != 65 || set == 0 {
		return fmt.Errorf("malformed")
	}
	if expiry < time.Now().Unix() {
		return fmt.Errorf("expired")
	}
	cid := math.HexOrDecimal256(*big.NewInt(s.chain.ChainID))
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain":    {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}, {Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
			"PieceUploadAuth": {{Name: "dataSetId", Type: "uint256"}, {Name: "nonce", Type: "uint256"}, {Name: "expiry", Type: "uint256"}},
		},
		PrimaryType: "PieceUploadAuth",
		Domain:      apitypes.TypedDataDomain{Name: "FilecoinWarmStorageService", Version: "1", ChainId: &cid, VerifyingContract: s.chain.FWSS.Hex()},
		Message:     apitypes.TypedDataMessage{"dataSetId": new(big.Int).SetUint64(set), "nonce": nonce, "expiry": big.NewInt(expiry)},
	}
	hash, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		return err
	}
	if sig[64] >= 27 {
		sig[64] -= 27
	}
	pub, err := crypto.SigToPub(hash, sig)
	if err != nil {
		return err
	}
	if crypto.PubkeyToAddress(*pub) != s.chain.Payer(set) {
		return fmt.Errorf("signer not payer")
	}
	return nil
}

func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	c := r.URL.Query().Get("pieceCid")
	if _, err := piece.Parse(c); err != nil {
		fail(w, 400, "invalid pieceCid")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pieces[c] == nil {
		fail(w, 404, "piece not found")
		return
	}
	if s.polls[c] > 0 {
		s.polls[c]--
		w.WriteHeader(http.StatusAccepted)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"pieceCid": c})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	data := s.pieces[r.PathValue("cid")]
	s.mu.Unlock()
	if data == nil {
		fail(w, 404, "piece not found")
		return
	}
	if s.CorruptServe {
		data = append([]byte(nil), data...)
		data[len(data)/2] ^= 1
	}
	w.Write(data)
}

func (s *Server) createSet(w http.ResponseWriter, r *http.Request) {
	var req struct{ RecordKeeper, ExtraData string }
	if err := readJSON(r, &req); err != nil || !common.IsHexAddress(req.RecordKeeper) {
		fail(w, 400, "invalid recordKeeper")
		return
	}
	if common.HexToAddress(req.RecordKeeper) != s.chain.FWSS {
		fail(w, 403, "recordKeeper address not allowed for public service")
		return
	}
	extra, err := hexutil.Decode(req.ExtraData)
	if err != nil || len(extra) > 4096 {
		fail(w, 400, "invalid extraData")
		return
	}
	tx, err := s.send("createDataSet", s.chain.FWSS, extra)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	s.mu.Lock()
	s.Signed = append(s.Signed, Signed{Kind: "create", Extra: extra})
	s.txs[tx.Hex()] = &txInfo{hash: tx, kind: "create", pending: s.PendingPolls}
	s.mu.Unlock()
	w.Header().Set("Location", "/pdp/data-sets/created/"+tx.Hex())
	w.WriteHeader(http.StatusCreated)
}

// send signs and sends a PDPVerifier call from the provider's key; the
// chain's verdict is read when the status is asked for.
func (s *Server) send(method string, args ...any) (common.Hash, error) {
	c := bind.NewBoundContract(s.chain.Verifier, s.chain.VerifierABI, s.chain.Client, s.chain.Client, s.chain.Client)
	opts := bind.NewKeyedTransactor(s.chain.Key, big.NewInt(s.chain.ChainID))
	opts.GasLimit = 10_000_000 // a reverting call is still sent, as Curio's would be mined
	opts.Context = context.Background()
	tx, err := c.Transact(opts, method, args...)
	if err != nil {
		return common.Hash{}, err
	}
	return tx.Hash(), nil
}

// receipt returns the transaction's receipt, nil while pending.
func (s *Server) receipt(tx common.Hash) *types.Receipt {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := s.chain.Client.TransactionReceipt(ctx, tx)
	if err != nil {
		return nil
	}
	return r
}

// state is a transaction's status as Curio reports it: pending until mined
// (and for PendingPolls polls after), rejected when reverted.
func (s *Server) state(ti *txInfo) (string, *types.Receipt) {
	if ti.fake {
		return "pending", nil
	}
	r := s.receipt(ti.hash)
	switch {
	case r == nil:
		return "pending", nil
	case r.Status != types.ReceiptStatusSuccessful:
		return "rejected", r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ti.pending > 0 {
		ti.pending--
		return "confirmed-pending", r
	}
	return "confirmed", r
}

func (s *Server) created(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ti := s.txs[r.PathValue("tx")]
	s.mu.Unlock()
	if ti == nil || ti.kind != "create" {
		fail(w, 404, "data set creation not found")
		return
	}
	st, rc := s.state(ti)
	out := map[string]any{"createMessageHash": ti.hash.Hex(), "dataSetCreated": false, "service": "public", "txStatus": "pending", "ok": nil}
	switch st {
	case "rejected":
		out["txStatus"], out["ok"] = "rejected", false
	case "confirmed-pending": // mined, but the provider has not recorded it yet
		out["txStatus"], out["ok"] = "confirmed", true
	case "confirmed":
		id := new(big.Int).SetBytes(rc.Logs[len(rc.Logs)-1].Topics[1].Bytes()).Uint64()
		out["txStatus"], out["ok"], out["dataSetCreated"], out["dataSetId"] = "confirmed", true, true, id
	}
	json.NewEncoder(w).Encode(out)
}

func (s *Server) getSet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		fail(w, 400, "invalid dataSetId")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := []map[string]any{}
	for _, p := range s.sets[id] {
		ps = append(ps, map[string]any{"pieceId": p.id, "pieceCid": p.cid, "subPieceCid": p.cid, "subPieceOffset": 0})
	}
	json.NewEncoder(w).Encode(map[string]any{"id": id, "nextChallengeEpoch": 0, "pieces": ps})
}

func (s *Server) addPieces(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	var req struct {
		Pieces []struct {
			PieceCid  string `json:"pieceCid"`
			SubPieces []struct {
				SubPieceCid string `json:"subPieceCid"`
			} `json:"subPieces"`
		} `json:"pieces"`
		ExtraData string `json:"extraData"`
	}
	if err != nil || readJSON(r, &req) != nil || len(req.Pieces) == 0 || len(req.Pieces) > 40 {
		fail(w, 400, "invalid request body")
		return
	}
	extra, err := hexutil.Decode(req.ExtraData)
	if err != nil {
		fail(w, 400, "invalid extraData")
		return
	}
	var cids []struct{ Data []byte }
	var raw [][]byte
	for _, p := range req.Pieces {
		if len(p.SubPieces) != 1 || p.SubPieces[0].SubPieceCid != p.PieceCid || !s.HasPiece(p.PieceCid) {
			fail(w, 404, "subPiece not found: "+p.PieceCid)
			return
		}
		c, _ := piece.Parse(p.PieceCid)
		cids = append(cids, struct{ Data []byte }{c.CID().Bytes()})
		raw = append(raw, c.CID().Bytes())
	}
	s.mu.Lock()
	s.Adds++
	s.Signed = append(s.Signed, Signed{Kind: "add", DataSetID: id, Pieces: raw, Extra: extra})
	s.mu.Unlock()
	if s.TamperAdd {
		extra = append([]byte(nil), extra...)
		extra[len(extra)-40] ^= 1
	}
	ti := &txInfo{kind: "add", set: id, cid: req.Pieces[0].PieceCid, pending: s.PendingPolls}
	if s.NeverConfirm {
		ti.fake = true
		rand.Read(ti.hash[:])
	} else if ti.hash, err = s.send("addPieces", new(big.Int).SetUint64(id), s.chain.FWSS, cids, extra); err != nil {
		fail(w, 500, err.Error())
		return
	}
	s.mu.Lock()
	s.txs[ti.hash.Hex()] = ti
	s.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("/pdp/data-sets/%d/pieces/added/%s", id, ti.hash.Hex()))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) added(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ti := s.txs[r.PathValue("tx")]
	s.mu.Unlock()
	if ti == nil || ti.kind != "add" || strconv.FormatUint(ti.set, 10) != r.PathValue("id") {
		fail(w, 404, "piece addition not found")
		return
	}
	st, rc := s.state(ti)
	out := map[string]any{"txHash": ti.hash.Hex(), "txStatus": "pending", "dataSetId": ti.set, "pieceCount": 1, "addMessageOk": nil, "piecesAdded": false}
	switch st {
	case "rejected":
		out["txStatus"], out["addMessageOk"] = "rejected", false
	case "confirmed-pending":
		out["txStatus"], out["addMessageOk"] = "confirmed", true
	case "confirmed":
		// PiecesAdded(setId indexed, pieceIds, pieceCids): the first id
		// is the first word of the data.
		var pid uint64
		for _, l := range rc.Logs {
			if l.Address == s.chain.Verifier && len(l.Topics) == 2 && len(l.Data) >= 96 {
				pid = new(big.Int).SetBytes(l.Data[96:128]).Uint64()
			}
		}
		s.mu.Lock()
		known := false
		for _, p := range s.sets[ti.set] {
			known = known || p.id == pid
		}
		if !known {
			s.sets[ti.set] = append(s.sets[ti.set], setPiece{id: pid, cid: ti.cid})
		}
		s.mu.Unlock()
		out["txStatus"], out["addMessageOk"], out["piecesAdded"], out["confirmedPieceIds"] = "confirmed", true, true, []uint64{pid}
		out["confirmedTxHash"] = ti.hash.Hex()
	}
	json.NewEncoder(w).Encode(out)
}
