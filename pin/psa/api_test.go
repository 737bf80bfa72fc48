package psa

import (
	"bytes"
	"strings"
	"testing"
)

func TestFailureMessage(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"error":{"reason":"INSUFFICIENT_FUNDS","details":"plan limit reached"}}`, "INSUFFICIENT_FUNDS: plan limit reached (the account has no credit left for pinning; top it up with the service)"},
		{`{"error":{"reason":"UNAUTHORIZED"}}`, "UNAUTHORIZED (the access token is missing or invalid)"},
		{`{"error":{"reason":"CUSTOM_THING","details":"x"}}`, "CUSTOM_THING: x"},
		{`{"code":500,"message":"x"}`, ""},
		{`not json`, ""},
	}
	for _, tt := range tests {
		if got := failureMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("failureMessage(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestDecodeStatus(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{`{"requestid":"r1","status":"pinned","created":"2026-01-01T00:00:00Z","pin":{"cid":"bafy"},"delegates":[]}`, true},
		{`{"requestid":"r1","status":"done"}`, false},
		{`{"status":"pinned"}`, false},
		{`[]`, false},
	}
	for _, tt := range tests {
		if _, err := decodeStatus(strings.NewReader(tt.in)); (err == nil) != tt.ok {
			t.Errorf("decodeStatus(%s): err = %v", tt.in, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"count":1,"results":[{"requestid":"r1","status":"queued","pin":{"cid":"bafy","name":"n"}}]}`))
	f.Add([]byte(`{"requestid":"r1","status":"pinned","pin":{"cid":"x"}}`))
	f.Add([]byte(`{"error":{"reason":"X","details":"y"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if st, err := decodeStatus(bytes.NewReader(data)); err == nil && st.RequestID == "" {
			t.Fatal("accepted a status without requestid")
		}
		if res, err := decodeResults(bytes.NewReader(data)); err == nil {
			for _, r := range res.Results {
				if r.RequestID == "" {
					t.Fatal("accepted a result without requestid")
				}
			}
		}
		_ = failureMessage(data)
	})
}
