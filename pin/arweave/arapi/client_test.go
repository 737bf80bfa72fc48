package arapi

import (
	"encoding/json"
	"testing"
)

// The hand-built POST /chunk body is the JSON arweave-js sends.
func TestChunkJSON(t *testing.T) {
	ch := Chunk{DataRoot: []byte{1, 2, 3}, DataSize: 1 << 40, DataPath: []byte{0xff, 0xfe}, Offset: 262143, Data: []byte("chunk data")}
	var got map[string]string
	if err := json.Unmarshal(appendChunkJSON(nil, ch), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"data_root": "AQID", "data_size": "1099511627776", "data_path": "__4", "offset": "262143", "chunk": "Y2h1bmsgZGF0YQ"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v", got)
	}
}
