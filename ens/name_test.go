package ens

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Namehash vectors from ENSIP-1 (protocols.md 1.3).
func TestNamehashVectors(t *testing.T) {
	for name, want := range map[string]string{
		"":        "0x0000000000000000000000000000000000000000000000000000000000000000",
		"eth":     "0x93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae",
		"foo.eth": "0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f",
	} {
		if got := Namehash(name).Hex(); got != want {
			t.Errorf("Namehash(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestNormalizedNodeRefuses(t *testing.T) {
	for _, name := range []string{"", "a..eth", "ex\u0430mple.eth" /* Cyrillic a: mixed script */, "ab--cd.eth", "a_b.eth"} {
		if _, _, err := NormalizedNode(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("NormalizedNode(%q) err = %v, want ErrInvalidName", name, err)
		}
	}
	norm, node, err := NormalizedNode("Foo.ETH")
	if err != nil || norm != "foo.eth" || node.Hex() != "0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f" {
		t.Errorf("NormalizedNode(Foo.ETH) = %s %s %v", norm, node, err)
	}
}

// TestENSIP15Vectors runs the validation tests shipped inside the
// go-ens-normalize module (ensip15/tests.json) through our wrapper.
func TestENSIP15Vectors(t *testing.T) {
	var tests []struct {
		Name  string `json:"name"`
		Norm  string `json:"norm"`
		Error bool   `json:"error"`
	}
	if err := json.Unmarshal(readModuleFile(t, "github.com/adraffy/go-ens-normalize", "ensip15/tests.json"), &tests); err != nil {
		t.Fatal(err)
	}
	if len(tests) < 1000 {
		t.Fatalf("only %d vectors loaded", len(tests))
	}
	failed := 0
	for _, tt := range tests {
		if tt.Norm == "" {
			tt.Norm = tt.Name
		}
		norm, err := Normalize(tt.Name)
		switch {
		case tt.Error && err == nil:
			failed++
			t.Errorf("%+q: want error, got %+q", tt.Name, norm)
		case !tt.Error && err != nil:
			failed++
			t.Errorf("%+q: unexpected error %v", tt.Name, err)
		case !tt.Error && norm != tt.Norm:
			failed++
			t.Errorf("%+q: got %+q, want %+q", tt.Name, norm, tt.Norm)
		case tt.Error && !errors.Is(err, ErrInvalidName):
			failed++
			t.Errorf("%+q: error %v does not wrap ErrInvalidName", tt.Name, err)
		}
		if failed > 20 {
			t.Fatal("too many failures")
		}
	}
	t.Logf("%d ENSIP-15 vectors", len(tests))
}

// readModuleFile reads a file from a dependency's module folder, located with
// `go list -m` so the test follows the version go.mod selects.
func readModuleFile(t *testing.T, module, file string) []byte {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		t.Fatalf("locating module %s: %v", module, err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
