package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
)

// The CAR check `pin` runs while it uploads reads with the same stack as
// inspect and verify: a CAR whose folders lie, whose hashes are weak or
// whose tree is a bomb is refused (it used to pass: go-car only hashed the
// blocks), and a CAR with two roots is refused from its header.
func TestPinInputRefusesHostileCARs(t *testing.T) {
	for _, tc := range trustlesstest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			in, err := openCARForPin(trustlesstest.Path(tc.Name))
			if err == nil {
				defer in.close()
				err = in.check()
			}
			switch {
			case tc.Name == "two-roots":
				if err == nil || !strings.Contains(err.Error(), "names 2 roots; a bundle has exactly one") {
					t.Fatalf("got %v", err)
				}
			case tc.Want == nil && err != nil:
				t.Fatalf("a valid CAR was refused: %v", err)
			case tc.Want != nil && (!errors.Is(err, tc.Want) || !strings.Contains(err.Error(), tc.Reason)):
				t.Fatalf("got %v, want %v saying %q", err, tc.Want, tc.Reason)
			}
		})
	}
}
