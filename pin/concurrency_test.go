package pin_test

import (
	"context"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/fakes/faults"
	"github.com/dapp-publish/dapp-publish/internal/fakes/filebase"
	"github.com/dapp-publish/dapp-publish/internal/fakes/pinata"
	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	pfilebase "github.com/dapp-publish/dapp-publish/pin/filebase"
	"github.com/dapp-publish/dapp-publish/pin/kubo"
	ppinata "github.com/dapp-publish/dapp-publish/pin/pinata"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
)

// TestThreeProvidersInParallel: a real Kubo and the Pinata and Filebase
// fakes, each made slow by a proxy on its upload path. Run's wall time is
// about the slowest provider's, not the sum.
func TestThreeProvidersInParallel(t *testing.T) {
	k := testpeers.StartKubo(t)
	pn := pinata.Start(t, "jwt")
	fb := filebase.Start(t, "tok")
	delays := map[string]time.Duration{"kubo": 1500 * time.Millisecond, "pinata": time.Second, "filebase": 2 * time.Second}
	slow := func(target, path string, d time.Duration) string {
		p := faults.New(t, target)
		p.Add(path, 1, faults.Delay(d))
		return p.URL
	}
	kp, err := kubo.New("kubo", &kubo.Config{HTTP: pin.HTTP{Endpoint: slow(k.API, "/api/v0/dag/import", delays["kubo"])}})
	if err != nil {
		t.Fatal(err)
	}
	pp, err := ppinata.New("pinata", &ppinata.Config{HTTP: pin.HTTP{Endpoint: slow(pn.URL, "/v3/files", delays["pinata"]), Token: secret.New("jwt", "PINATA_JWT")}})
	if err != nil {
		t.Fatal(err)
	}
	fp, err := pfilebase.New("filebase", &pfilebase.Config{HTTP: pin.HTTP{Endpoint: slow(fb.URL, "/api/v0/dag/import", delays["filebase"]), Token: secret.New("tok", "FILEBASE_TOKEN")}})
	if err != nil {
		t.Fatal(err)
	}
	b := pintest.NewBundle(t, 11, 2<<20)
	start := time.Now()
	rs := pin.Run(context.Background(), []pin.Provider{kp, pp, fp}, b.Bundle, nil)
	wall := time.Since(start)
	for _, r := range rs {
		if r.Status != pin.StatusPinned {
			t.Fatalf("%s: %s %s", r.Provider, r.Status, r.Error)
		}
		if took := r.Finished.Sub(r.Started); took < delays[r.Provider] {
			t.Errorf("%s took %v, less than its injected delay %v", r.Provider, took, delays[r.Provider])
		}
	}
	sum := delays["kubo"] + delays["pinata"] + delays["filebase"]
	t.Logf("wall %v; slowest provider %v; sum %v", wall, delays["filebase"], sum)
	if wall < delays["filebase"] || wall > delays["filebase"]+time.Second {
		t.Errorf("wall time %v, want about the slowest provider's %v (the sum is %v)", wall, delays["filebase"], sum)
	}
}
