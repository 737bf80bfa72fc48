package trustless_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
)

// Every case of the hostile corpus is refused, with its reason, by both
// readers: the whole-CAR reader (inspect, diff, pin) and the streaming
// verifier (verify), each sequential and pipelined; the valid ones are accepted
// by both, so the two never disagree on the same bytes.
func TestCorpusReaders(t *testing.T) {
	for _, tc := range trustlesstest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			car, err := trustlesstest.Read(tc.Name)
			if err != nil {
				t.Fatal(err)
			}
			check := func(reader string, err error) {
				t.Helper()
				if !errors.Is(err, tc.Want) || (tc.Want == nil) != (err == nil) {
					t.Fatalf("%s: got %v, want %v", reader, err, tc.Want)
				}
				if err != nil && !strings.Contains(err.Error(), tc.Reason) {
					t.Errorf("%s: %q does not say %q", reader, err, tc.Reason)
				}
				if err != nil && strings.ContainsAny(err.Error(), "\n\x00") {
					t.Errorf("%s: the reason is not one line: %q", reader, err)
				}
			}
			for _, workers := range []int{1, 3} {
				whole, err := trustless.ReadCAR(bytes.NewReader(car), trustless.Limits{Workers: workers})
				if err == nil {
					err = whole.Verify()
				}
				check("ReadCAR", err)
			}
			if tc.Name == "two-roots" {
				return // the streaming verifier is asked for one root
			}
			roots, err := trustless.ReadRoots(bytes.NewReader(car), trustless.Limits{})
			if err != nil {
				check("ReadRoots", err)
				return
			}
			for _, workers := range []int{1, 3} {
				_, err := trustless.VerifyCAR(bytes.NewReader(car), roots[0], trustless.Options{Limits: trustless.Limits{Workers: workers}})
				check("VerifyCAR", err)
			}
		})
	}
}
