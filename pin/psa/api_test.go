package psa

import (
	"bytes"
	"strings"
	"testing"
	"time"
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

func TestToRemove(t *testing.T) {
	at := func(sec int) time.Time { return time.Date(2026, 1, 1, 0, 0, sec, 0, time.UTC) }
	pins := func(secs ...int) []PinStatus {
		var out []PinStatus
		for i, s := range secs {
			out = append(out, PinStatus{RequestID: string(rune('a' + i)), Created: at(s)})
		}
		return out
	}
	ids := func(sts []PinStatus) string {
		s := ""
		for _, st := range sts {
			s += st.RequestID
		}
		return s
	}
	tests := []struct {
		name   string
		others []PinStatus // newest first
		keep   int
		want   string
	}{
		{"replace: remove all others", pins(5, 4, 3), 1, "abc"},
		{"nothing else", nil, 1, ""},
		{"keep 2 of 3", pins(5, 4, 3), 2, "bc"},
		{"keep 3 of 3", pins(5, 4, 3), 3, "c"},
		{"keep more than there are", pins(5), 3, ""},
		{"tie with the oldest kept is kept", pins(5, 5, 4), 2, "c"},
		{"replace keeps nothing else, ties or not", pins(5, 5), 1, "ab"},
		{"all tied: nothing removed", pins(4, 4, 4), 2, ""},
	}
	for _, tt := range tests {
		if got := ids(toRemove(tt.others, tt.keep)); got != tt.want {
			t.Errorf("%s: removed %q, want %q", tt.name, got, tt.want)
		}
	}
}
