package pinata

import (
	"bytes"
	"testing"
)

func TestErrorMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"error":{"reason":"INVALID_CREDENTIALS","details":"Invalid/expired credentials provided"}}`, "INVALID_CREDENTIALS: Invalid/expired credentials provided"},
		{`{"error":{"code":400,"message":"Invalid file"}}`, "Invalid file"},
		{`{"error":"Not Found"}`, "Not Found"},
		{`{"data":null}`, ""},
		{`oops`, ""},
	}
	for _, tt := range tests {
		if got := errorMessage([]byte(tt.in)); got != tt.want {
			t.Errorf("errorMessage(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"data":{"id":"x","cid":"bafy","size":1}}`))
	f.Add([]byte(`{"data":{"files":[{"id":"x","cid":"bafy"}],"next_page_token":""}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if f, err := decodeUpload(bytes.NewReader(data)); err == nil && f.CID == "" {
			t.Fatal("accepted an upload answer without cid")
		}
		_, _ = decodeList(bytes.NewReader(data))
		_ = errorMessage(data)
	})
}
