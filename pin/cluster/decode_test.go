package cluster

import (
	"bytes"
	"strings"
	"testing"
)

func TestPinInfo(t *testing.T) {
	tests := []struct {
		name         string
		json         string
		min          int
		enough       bool
		failed, knwn bool
	}{
		{"pinned everywhere", `{"cid":"x","allocations":["a","b"],"peer_map":{"a":{"status":"pinned"},"b":{"status":"pinned"}}}`, -1, true, false, true},
		{"one of two, need all", `{"allocations":["a","b"],"peer_map":{"a":{"status":"pinned"},"b":{"status":"pinning"}}}`, 0, false, false, true},
		{"one of two, need one", `{"allocations":["a","b"],"peer_map":{"a":{"status":"pinned"},"b":{"status":"pin_error","error":"x"}}}`, 1, true, false, true},
		{"errors leave too few", `{"allocations":["a","b"],"peer_map":{"a":{"status":"pin_error","error":"block not found"},"b":{"status":"pinned"}}}`, 2, false, true, true},
		{"unknown", `{"peer_map":{"a":{"status":"unpinned"}}}`, 1, false, false, false},
		{"empty", `{}`, 1, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := decodePinInfo(strings.NewReader(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if st.enough(tt.min) != tt.enough || (st.failed(tt.min) != "") != tt.failed || st.known() != tt.knwn {
				t.Errorf("enough %v failed %q known %v", st.enough(tt.min), st.failed(tt.min), st.known())
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"cid":"x","allocations":["a"],"peer_map":{"a":{"status":"pinned"}}}`))
	f.Add([]byte(`[{"name":"bundle.car","cid":"bafy"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if st, err := decodePinInfo(bytes.NewReader(data)); err == nil {
			_ = st.enough(1)
			_ = st.failed(-1)
			if st.enough(0) && st.pinned() == 0 {
				t.Fatalf("enough with no pinned peer")
			}
		}
		_, _ = decodeAdded(bytes.NewReader(data))
	})
}
