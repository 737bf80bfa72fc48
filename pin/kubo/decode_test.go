package kubo

import (
	"bytes"
	"strings"
	"testing"
)

func TestDecodeImport(t *testing.T) {
	const root = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	tests := []struct {
		name      string
		in        string
		roots     int
		pinErrors int
		blocks    int64
		wantErr   bool
	}{
		{"root and stats", `{"Root":{"Cid":{"/":"` + root + `"},"PinErrorMsg":""}}` + "\n" + `{"Stats":{"BlockCount":5,"BlockBytesCount":1234}}`, 1, 0, 5, false},
		{"pin error", `{"Root":{"Cid":{"/":"` + root + `"},"PinErrorMsg":"block not found"}}`, 1, 1, 0, false},
		{"empty", ``, 0, 0, 0, false},
		{"bad cid", `{"Root":{"Cid":{"/":"nope"}}}`, 0, 0, 0, true},
		{"truncated", `{"Root":{"Cid":{"/":"` + root, 0, 0, 0, true},
		{"not json", `<html>`, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := decodeImport(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(res.Roots) != tt.roots || len(res.PinErrors) != tt.pinErrors || res.Blocks != tt.blocks {
				t.Errorf("got %+v", res)
			}
		})
	}
}

func FuzzDecodeImport(f *testing.F) {
	f.Add([]byte(`{"Root":{"Cid":{"/":"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"},"PinErrorMsg":""}}` + "\n" + `{"Stats":{"BlockCount":5,"BlockBytesCount":1234}}`))
	f.Add([]byte(`{"Root":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := decodeImport(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, c := range res.Roots {
			if !c.Defined() {
				t.Fatalf("undefined root accepted")
			}
		}
	})
}
