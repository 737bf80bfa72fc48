package trustlesstest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "write the corpus files in testdata again")

// TestCorpus checks that every file of the corpus is what its builder
// makes (run with -update to write them), and that testdata holds no file
// without a builder.
func TestCorpus(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range Cases() {
		names[tc.Name+".car"] = true
		got := tc.Build()
		if *update {
			if err := os.WriteFile(Path(tc.Name), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := Read(tc.Name)
		if err != nil {
			t.Fatalf("%v (run go test -update to write the corpus)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the file differs from what its builder makes; run go test -update", tc.Name)
		}
	}
	files, _ := filepath.Glob(filepath.Join(CorpusDir(), "*.car"))
	for _, f := range files {
		if !names[filepath.Base(f)] {
			t.Errorf("%s has no builder in Cases", f)
		}
	}
}

// The self-linking CAR is as small as the audit's.
func TestSelfLinkSize(t *testing.T) {
	if n := len(selfLink()); n > 100 {
		t.Errorf("self-link CAR has %d bytes", n)
	}
}

var big = flag.String("big", "", "write the audit-size bombs (a 100,000-deep chain) into this folder, for memory measurements")

// TestWriteBig writes, with -big DIR, the bombs at the audit's size, which
// are too large to keep in testdata: deep-chain-100000.car.
func TestWriteBig(t *testing.T) {
	if *big == "" {
		t.Skip("pass -big DIR")
	}
	if err := os.WriteFile(filepath.Join(*big, "deep-chain-100000.car"), DeepChain(100_000), 0o644); err != nil {
		t.Fatal(err)
	}
}
