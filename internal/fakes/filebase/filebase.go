// Package filebase is a fake of Filebase's IPFS RPC API, for tests: there is
// no Filebase server one can run. Filebase exposes a Kubo-compatible RPC
// (https://rpc.filebase.io/api/v0/..., POST only) authorised by a
// bucket-scoped Bearer token (filebase.com/docs/ipfs/rpc-api). The fake
// implements the commands dapp-publish uses:
//
//	POST /api/v0/dag/import?pin-roots=true   multipart CAR -> {"Root":{"Cid":{"/":...},"PinErrorMsg":""}}
//	POST /api/v0/pin/ls?arg=<cid>&type=recursive
//	POST /api/v0/pin/rm?arg=<cid>
//	GET  /ipfs/<cid>?format=car               the bucket's gateway
//
// with Kubo's error body {"Message":..., "Code":0, "Type":"error"} and 401
// for a missing or wrong token. Uploaded CARs are verified (every block
// hashed, the root's DAG complete) before they are pinned.
package filebase

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/fakes/carstore"
	"github.com/ipfs/go-cid"
)

// Server is a running fake with one bucket.
type Server struct {
	URL   string
	Token string // the bucket token accepted

	store *carstore.Store
	mu    sync.Mutex
	pins  map[string]int // root -> pin count (duplicates would show here)
}

// Start starts a fake on 127.0.0.1 that accepts token and stops when t ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{Token: token, store: carstore.New(t.TempDir()), pins: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Pins returns how many pins the bucket holds for root.
func (s *Server) Pins(root cid.Cid) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pins[root.String()]
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/ipfs/") && r.Method == http.MethodGet {
		s.store.ServeGateway(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "401 Unauthorized: invalid or missing bucket token\n")
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusMethodNotAllowed, "405 - Method Not Allowed")
		return
	}
	switch r.URL.Path {
	case "/api/v0/dag/import":
		s.dagImport(w, r)
	case "/api/v0/pin/ls":
		s.pinLs(w, r)
	case "/api/v0/pin/rm":
		s.pinRm(w, r)
	default:
		fail(w, http.StatusNotFound, "command not found")
	}
}

// fail writes Kubo's error object.
func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"Message": msg, "Code": 0, "Type": "error"})
}

func (s *Server) dagImport(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		fail(w, http.StatusBadRequest, "expected a multipart body: "+err.Error())
		return
	}
	part, err := mr.NextPart()
	if err != nil {
		fail(w, http.StatusBadRequest, "no file in the request: "+err.Error())
		return
	}
	root, _, err := s.store.Put(part)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if r.URL.Query().Get("pin-roots") != "false" {
		s.mu.Lock()
		if s.pins[root.String()] == 0 { // a pin is a set entry, as in Kubo
			s.pins[root.String()] = 1
		}
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	_ = enc.Encode(map[string]any{"Root": map[string]any{"Cid": map[string]string{"/": root.String()}, "PinErrorMsg": ""}})
}

func (s *Server) arg(w http.ResponseWriter, r *http.Request) (cid.Cid, bool) {
	c, err := cid.Decode(r.URL.Query().Get("arg"))
	if err != nil {
		fail(w, http.StatusInternalServerError, "invalid path "+r.URL.Query().Get("arg"))
		return cid.Undef, false
	}
	return c, true
}

func (s *Server) pinLs(w http.ResponseWriter, r *http.Request) {
	c, ok := s.arg(w, r)
	if !ok {
		return
	}
	if s.Pins(c) == 0 {
		fail(w, http.StatusInternalServerError, "path '"+c.String()+"' is not pinned")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Keys": map[string]any{c.String(): map[string]string{"Type": "recursive", "Name": ""}}})
}

func (s *Server) pinRm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.arg(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	n := s.pins[c.String()]
	delete(s.pins, c.String())
	s.mu.Unlock()
	if n == 0 {
		fail(w, http.StatusInternalServerError, "not pinned or pinned indirectly")
		return
	}
	s.store.Delete(c)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Pins": []string{c.String()}})
}
