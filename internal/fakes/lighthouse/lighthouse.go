// Package lighthouse is a fake of Lighthouse's storage API (lighthouse.storage),
// for tests: there is no Lighthouse server one can run. It implements what
// dapp-publish uses, as Lighthouse's SDK and docs describe it:
//
//	POST /api/v0/dag/import                 multipart "file": a CAR (Bearer API key);
//	                                        answers Kubo's dag/import line {"Root":{"Cid":{"/":...}}}
//	GET  /api/lighthouse/deal_status?cid=   the Filecoin deals of a root: a JSON list in the
//	                                        long form (dealId, miner, pieceCID, dealStatus, ...)
//	                                        or, with ShortDeals, {DealID, Provider}; 400 for an
//	                                        unknown or invalid CID
//	GET  /api/lighthouse/file_info?cid=     {cid, fileSizeInBytes, ...}; 400 for an unknown CID
//	GET  /ipfs/{cid}?format=car             the stored DAG
//
// Errors as the service gives them: 401 {"error":"..."} for a bad key, 402
// when the account's storage is used up, 413 over the upload limit, 429 with
// Retry-After when rate limited. Uploads are checked like a real service
// stores them (internal/fakes/carstore).
package lighthouse

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/fakes/carstore"
	"github.com/ipfs/go-cid"
)

// Server is a running fake.
type Server struct {
	URL    string
	APIKey string // the only key accepted

	// States and faults.
	DealsAfter  int   // deal_status lists the deals only after this many polls
	ShortDeals  bool  // answer deal_status in the short {DealID, Provider} form
	QuotaLeft   int64 // bytes the account may still upload (0: unlimited)
	RateLimited int   // answer this many requests with 429
	ReportCID   string

	store *carstore.Store
	mu    sync.Mutex
	polls map[string]int
	// Imports counts CAR uploads.
	Imports int
}

// New starts the fake on 127.0.0.1; it stops when the test ends.
func New(t testing.TB, apiKey string) *Server {
	s := &Server{APIKey: apiKey, store: carstore.New(t.TempDir()), polls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v0/dag/import", s.auth(s.importCAR))
	mux.HandleFunc("GET /api/lighthouse/deal_status", s.dealStatus)
	mux.HandleFunc("GET /api/lighthouse/file_info", s.fileInfo)
	mux.HandleFunc("GET /ipfs/", s.store.ServeGateway)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

func jsonError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		limited := s.RateLimited > 0
		if limited {
			s.RateLimited--
		}
		s.mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "1")
			jsonError(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+s.APIKey {
			jsonError(w, http.StatusUnauthorized, "Invalid API Key")
			return
		}
		h(w, r)
	}
}

func (s *Server) importCAR(w http.ResponseWriter, r *http.Request) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		jsonError(w, 400, "expected multipart/form-data")
		return
	}
	if s.QuotaLeft > 0 && r.ContentLength > s.QuotaLeft {
		jsonError(w, http.StatusPaymentRequired, "Storage limit exceeded: upgrade your plan")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "file" {
		jsonError(w, 400, "no file")
		return
	}
	root, _, err := s.store.Put(io.LimitReader(part, 1<<30+1))
	if err != nil {
		jsonError(w, 400, err.Error())
		return
	}
	s.mu.Lock()
	s.Imports++
	s.mu.Unlock()
	report := root.String()
	if s.ReportCID != "" {
		report = s.ReportCID
	}
	json.NewEncoder(w).Encode(map[string]any{"Root": map[string]any{"Cid": map[string]string{"/": report}, "PinErrorMsg": ""}})
	json.NewEncoder(w).Encode(map[string]any{"Stats": map[string]int{"BlockCount": 1}})
}

// Has reports whether root was imported.
func (s *Server) Has(root cid.Cid) bool { return s.store.Has(root) }

func (s *Server) dealStatus(w http.ResponseWriter, r *http.Request) {
	c, err := cid.Decode(r.URL.Query().Get("cid"))
	if err != nil || !s.store.Has(c) {
		jsonError(w, 400, "Request failed")
		return
	}
	s.mu.Lock()
	n := s.polls[c.String()]
	s.polls[c.String()]++
	s.mu.Unlock()
	if n < s.DealsAfter {
		w.Write([]byte("[]"))
		return
	}
	if s.ShortDeals {
		json.NewEncoder(w).Encode([]map[string]any{{"DealID": 131800583, "Provider": 8403}, {"DealID": 131799904, "Provider": 10479}})
		return
	}
	var deals []map[string]any
	for i, miner := range []string{"f02620", "f01234"} {
		deals = append(deals, map[string]any{
			"chainDealID": fmt.Sprint(99000 + i), "endEpoch": 5000000, "publishCID": "bafy2bzacea", "storageProvider": miner,
			"dealStatus": "Active", "bundleId": "b", "dealUUID": "u", "startEpoch": 4000000, "aggregateIn": c.String(),
			"providerCollateral": "0", "pieceCID": "baga6ea4seaqhodinticavlv67m3pgrlcqzkyl7hxrdjk5lyl25s3bw63f3zxymy",
			"payloadCid": c.String(), "pieceSize": 34359738368, "carFileSize": 1000, "lastUpdate": 1700000000, "dealId": 99000 + i,
			"miner": miner, "content": 1,
		})
	}
	json.NewEncoder(w).Encode(deals)
}

func (s *Server) fileInfo(w http.ResponseWriter, r *http.Request) {
	c, err := cid.Decode(r.URL.Query().Get("cid"))
	if err != nil || !s.store.Has(c) {
		jsonError(w, 400, "Request failed")
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"cid": c.String(), "fileName": "bundle.car", "mimeType": "application/vnd.ipld.car", "encryption": false, "fileSizeInBytes": "0"})
}
