package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
)

func TestVerifyCARGood(t *testing.T) {
	root, car, b := packCAR(t, testSite(1))
	var seen int
	res, err := VerifyCAR(bytes.NewReader(car), root, Options{OnBlock: func(c cid.Cid, data []byte) error {
		seen++
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Blocks != b.Blocks || seen != b.Blocks {
		t.Errorf("verified %d blocks (OnBlock %d), the packer wrote %d", res.Blocks, seen, b.Blocks)
	}
	if res.Bytes != int64(len(car)) {
		t.Errorf("counted %d bytes, the CAR has %d", res.Bytes, len(car))
	}
}

func TestVerifyCARCorruptions(t *testing.T) {
	root, good, _ := packCAR(t, testSite(1))
	_, other, _ := packCAR(t, testSite(2))
	for _, workers := range []int{1, 4} { // sequential and pipelined
		for _, tc := range corruptions {
			t.Run(fmt.Sprintf("%s/workers=%d", tc.name, workers), func(t *testing.T) {
				bad := tc.fn(t, good, other)
				_, err := VerifyCAR(bytes.NewReader(bad), root, Options{Limits: Limits{Workers: workers}})
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				t.Logf("caught: %v", err)
			})
		}
	}
}

func TestVerifyCARMalformed(t *testing.T) {
	root, good, _ := packCAR(t, testSite(1))
	p := splitCAR(t, good)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"header only", p.header, ErrIncomplete},
		{"half a header", p.header[:len(p.header)/2], ErrTruncated},
		{"not CBOR", append([]byte{5}, "hello"...), ErrMalformed},
		{"huge header", []byte{0xff, 0xff, 0xff, 0x7f}, ErrMalformed},
		{"huge section", append(append([]byte(nil), p.header...), 0xff, 0xff, 0xff, 0x7f), ErrMalformed},
		{"zero section", append(append([]byte(nil), p.header...), 0), ErrMalformed},
		{"bad cid", append(append([]byte(nil), p.header...), 3, 9, 9, 9), ErrMalformed},
		{"html error page", []byte("<html><head><title>502 Bad Gateway</title></head><body>upstream error, please retry later</body></html>"), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyCAR(bytes.NewReader(tc.in), root, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyCARDuplicatesAndAnyRoot(t *testing.T) {
	root, good, b := packCAR(t, testSite(1))
	_, other, _ := packCAR(t, testSite(2))
	p := splitCAR(t, good)
	p.sections = append(p.sections, p.sections[1]) // dups=y style
	res, err := VerifyCAR(bytes.NewReader(p.bytes()), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dups != 1 || res.Blocks != b.Blocks {
		t.Errorf("got %d blocks, %d dups; want %d, 1", res.Blocks, res.Dups, b.Blocks)
	}
	// With AnyRoot the header is ignored, but the blocks must still be ours.
	p.header = splitCAR(t, other).header
	if _, err := VerifyCAR(bytes.NewReader(p.bytes()), root, Options{AnyRoot: true}); err != nil {
		t.Errorf("AnyRoot: %v", err)
	}
	if _, err := VerifyCAR(bytes.NewReader(other), root, Options{AnyRoot: true}); !errors.Is(err, ErrWrongRoot) {
		t.Errorf("AnyRoot with another DAG: got %v, want ErrWrongRoot", err)
	}
}

func TestVerifyCARLimits(t *testing.T) {
	root, good, _ := packCAR(t, testSite(1))
	if _, err := VerifyCAR(bytes.NewReader(good), root, Options{Limits: Limits{MaxBlocks: 2}}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBlocks: got %v, want ErrTooLarge", err)
	}
	if _, err := VerifyCAR(bytes.NewReader(good), root, Options{Limits: Limits{MaxSectionSize: 1000}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("MaxSectionSize: got %v, want ErrMalformed", err)
	}
}

// A reader error mid-stream is reported, not mistaken for a clean end.
func TestVerifyCARReaderError(t *testing.T) {
	root, good, _ := packCAR(t, testSite(1))
	r := io.MultiReader(bytes.NewReader(good[:len(good)/2]), errReader{})
	if _, err := VerifyCAR(r, root, Options{}); !errors.Is(err, errBoom) {
		t.Fatalf("got %v, want the reader's error", err)
	}
}

var errBoom = errors.New("connection reset")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }

// A gateway that sends 200 and the start of a CAR, then nothing, fails after
// the idle timeout instead of hanging.
func TestFetchCARStalls(t *testing.T) {
	root, good, _ := packCAR(t, testSite(1))
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", carType)
		w.Write(good[:len(good)/3])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := (&Gateway{URL: srv.URL, IdleTimeout: 300 * time.Millisecond}).FetchCAR(context.Background(), root, Options{})
	if err == nil || !strings.Contains(err.Error(), "sent nothing for 300ms") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	t.Logf("%v", err)
}
