// Package pinata is a fake of Pinata's v3 Files API, for tests: there is no
// Pinata server one can run. It implements what dapp-publish uses, as
// documented (docs.pinata.cloud/api-reference: upload-a-file, list-files,
// delete-file):
//
//	POST   /v3/files                  multipart: file, network, name, car, group_id, keyvalues
//	GET    /v3/files/{network}?cid=   list files
//	DELETE /v3/files/{network}/{id}   delete a file
//	GET    /ipfs/{cid}?format=car     the gateway, serving what was stored
//
// with Bearer JWT auth and Pinata's error bodies. Uploads with car=true are
// checked like the real service stores them: a valid CARv1/v2 whose root
// DAG is complete; the reported cid is the CAR's root. car=true is only
// allowed on the public network. Uploads without car=true are refused here
// (dapp-publish never sends them).
//
// Both Pinata hosts (uploads.pinata.cloud and api.pinata.cloud) are served
// from one base URL.
package pinata

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/fakes/carstore"
	"github.com/ipfs/go-cid"
)

// File is Pinata's file object.
type File struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	CID           string            `json:"cid"`
	Size          int64             `json:"size"`
	NumberOfFiles int               `json:"number_of_files"`
	MimeType      string            `json:"mime_type"`
	GroupID       *string           `json:"group_id"`
	KeyValues     map[string]string `json:"keyvalues"`
	CreatedAt     time.Time         `json:"created_at"`
	Network       string            `json:"network,omitempty"`
	IsDuplicate   bool              `json:"is_duplicate,omitempty"`
}

// Server is a running fake.
type Server struct {
	URL string
	JWT string // the only token accepted

	// ReportCID, when set, is reported instead of the stored root (a
	// service that answers with the wrong CID).
	ReportCID string

	store *carstore.Store
	mu    sync.Mutex
	files []File
}

// Start starts a fake on 127.0.0.1 that accepts jwt and stops when t ends.
func Start(t testing.TB, jwt string) *Server {
	t.Helper()
	s := &Server{JWT: jwt, store: carstore.New(t.TempDir())}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Files returns the files the account holds.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]File(nil), s.files...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/ipfs/") && r.Method == http.MethodGet {
		s.store.ServeGateway(w, r) // public gateway: no auth
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.JWT {
		fail(w, http.StatusUnauthorized, "INVALID_CREDENTIALS", "Invalid/expired credentials provided")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v3/files":
		s.upload(w, r)
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "v3" && parts[1] == "files":
		s.list(w, r, parts[2])
	case r.Method == http.MethodDelete && len(parts) == 4 && parts[0] == "v3" && parts[1] == "files":
		s.delete(w, parts[2], parts[3])
	default:
		fail(w, http.StatusNotFound, "NOT_FOUND", "no route "+r.Method+" "+r.URL.Path)
	}
}

// fail writes Pinata's error body.
func fail(w http.ResponseWriter, code int, reason, details string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"reason": reason, "details": details}})
}

func reply(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
}

// upload streams the multipart form: plain fields first, then the file,
// which goes straight to the store (never into memory).
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		fail(w, http.StatusBadRequest, "BAD_REQUEST", "expected multipart/form-data: "+err.Error())
		return
	}
	fields := map[string]string{"network": "private"} // Pinata's default
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			fail(w, http.StatusBadRequest, "BAD_REQUEST", "no file part")
			return
		}
		if err != nil {
			fail(w, http.StatusBadRequest, "BAD_REQUEST", "malformed multipart body: "+err.Error())
			return
		}
		if part.FormName() != "file" {
			v, _ := io.ReadAll(io.LimitReader(part, 64<<10))
			fields[part.FormName()] = string(v)
			continue
		}
		s.storeFile(w, part, fields)
		return
	}
}

func (s *Server) storeFile(w http.ResponseWriter, body io.Reader, fields map[string]string) {
	if fields["car"] != "true" {
		fail(w, http.StatusBadRequest, "BAD_REQUEST", "this fake only accepts car=true uploads")
		return
	}
	if fields["network"] != "public" {
		fail(w, http.StatusBadRequest, "BAD_REQUEST", "CAR uploads are only supported on the public network")
		return
	}
	root, size, err := s.store.Put(body)
	if err != nil {
		fail(w, http.StatusBadRequest, "INVALID_CAR", err.Error())
		return
	}
	f, dup := s.record(root, size, fields["name"])
	f.IsDuplicate = dup
	if s.ReportCID != "" {
		f.CID = s.ReportCID
	}
	reply(w, f)
}

// record adds a file, or returns the existing one for the same CID:
// Pinata deduplicates by CID within an account.
func (s *Server) record(root cid.Cid, size int64, name string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		if f.CID == root.String() {
			return f, true
		}
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	f := File{ID: hex.EncodeToString(id), Name: name, CID: root.String(), Size: size, NumberOfFiles: 1,
		MimeType: "application/vnd.ipld.car", KeyValues: map[string]string{}, CreatedAt: time.Now().UTC(), Network: "public"}
	s.files = append(s.files, f)
	return f, false
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, network string) {
	if network != "public" && network != "private" {
		fail(w, http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf("network must be public or private, not %q", network))
		return
	}
	want := r.URL.Query().Get("cid")
	out := []File{}
	for _, f := range s.Files() {
		if f.Network == network && (want == "" || f.CID == want) {
			out = append(out, f)
		}
	}
	reply(w, map[string]any{"files": out, "next_page_token": ""})
}

func (s *Server) delete(w http.ResponseWriter, network, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.files {
		if f.ID == id && f.Network == network {
			s.files = append(s.files[:i], s.files[i+1:]...)
			if c, err := cid.Decode(f.CID); err == nil {
				s.store.Delete(c)
			}
			reply(w, nil)
			return
		}
	}
	fail(w, http.StatusNotFound, "NOT_FOUND", "file "+id+" not found")
}
