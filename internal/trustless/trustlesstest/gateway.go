package trustlesstest

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
)

// Gateway is a trustless gateway (GET /ipfs/{cid}?format=car|raw) that
// serves CARs as they are, lies included: a CAR for any CID its header
// names as a root, and any block any CAR holds. It is how tests put the
// corpus in front of verify and serve.
type Gateway struct {
	cars   map[string][]byte // root (multihash) -> CAR
	blocks map[string][]byte // CID bytes -> block
}

// NewGateway serves the given CARs.
func NewGateway(cars ...[]byte) *Gateway {
	g := &Gateway{cars: map[string][]byte{}, blocks: map[string][]byte{}}
	for _, car := range cars {
		cr, err := trustless.NewCARReader(bytes.NewReader(car), trustless.Limits{MaxSectionSize: 8 << 20})
		if err != nil {
			continue
		}
		for _, r := range cr.Roots {
			g.cars[string(r.Hash())] = car
		}
		for {
			c, data, _, err := cr.Next()
			if err != nil {
				break
			}
			g.blocks[c.KeyString()] = bytes.Clone(data)
		}
	}
	return g
}

// NewCorpusGateway serves every CAR of the corpus.
func NewCorpusGateway() (*Gateway, error) {
	var cars [][]byte
	for _, tc := range Cases() {
		car, err := Read(tc.Name)
		if err != nil {
			return nil, err
		}
		cars = append(cars, car)
	}
	return NewGateway(cars...), nil
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s, ok := strings.CutPrefix(r.URL.Path, "/ipfs/")
	c, err := cid.Decode(strings.TrimSuffix(s, "/"))
	if !ok || err != nil {
		http.Error(w, "not a /ipfs/CID path", http.StatusBadRequest)
		return
	}
	switch r.URL.Query().Get("format") {
	case "car":
		car, ok := g.cars[string(c.Hash())]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.ipld.car; version=1")
		io.Copy(w, bytes.NewReader(car))
	case "raw":
		b, ok := g.blocks[c.KeyString()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.ipld.raw")
		w.Write(b)
	default:
		http.Error(w, "only trustless responses", http.StatusNotAcceptable)
	}
}

// Redirect answers every request with a 302 to the same path and query on
// the base URL to (another host: what a verifier must refuse or name).
func Redirect(to string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to+r.URL.RequestURI(), http.StatusFound)
	})
}
