package lighthouse

import (
	"bytes"
	"strings"
	"testing"
)

func TestDecodeImport(t *testing.T) {
	root := "bafybeigrrtbpqnl2wmt7jxixuarmcqhb45lrm4d2ep6i2ihsvzrna2tfty"
	for _, body := range []string{
		`{"Root":{"Cid":{"/":"` + root + `"},"PinErrorMsg":""}}` + "\n" + `{"Stats":{"BlockCount":3}}`,
		`{"Stats":{"BlockCount":3}}` + "\n" + `{"Root":{"Cid":{"/":"` + root + `"}}}`,
		`{"Name":"bundle.car","Hash":"` + root + `","Size":"10"}`,
		`{"data":{"Name":"bundle.car","Hash":"` + root + `"}}`,
	} {
		c, err := decodeImport(strings.NewReader(body))
		if err != nil || c.String() != root {
			t.Errorf("%s: %v %v", body, c, err)
		}
	}
	for _, body := range []string{`{"Root":{"Cid":{"/":"` + root + `"},"PinErrorMsg":"out of space"}}`, `{"Stats":{}}`, `not json`} {
		if _, err := decodeImport(strings.NewReader(body)); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
}

func TestDecodeDeals(t *testing.T) {
	long := `[{"dealId":5,"miner":"f02620","pieceCID":"baga6ea4seaqhodinticavlv67m3pgrlcqzkyl7hxrdjk5lyl25s3bw63f3zxymy","dealStatus":"Active"},{"dealId":0,"dealStatus":"Sealing"}]`
	ds, err := decodeDeals(strings.NewReader(long))
	if err != nil || len(ds) != 1 || ds[0].ID != 5 || ds[0].Miner != "f02620" || ds[0].PieceCID == "" {
		t.Fatalf("%+v %v", ds, err)
	}
	ds, err = decodeDeals(strings.NewReader(`{"data":[{"DealID":131800583,"Provider":8403}]}`))
	if err != nil || len(ds) != 1 || ds[0].Miner != "f08403" {
		t.Fatalf("%+v %v", ds, err)
	}
	if _, err := decodeDeals(strings.NewReader(`[{"dealId":1,"miner":"f0\u001b[31m"}]`)); err == nil {
		t.Error("an escape sequence in a miner name was accepted")
	}
}

// FuzzDecode feeds every decoder of Lighthouse's answers.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"Root":{"Cid":{"/":"bafkqaaa"}}}`))
	f.Add([]byte(`[{"dealId":5,"miner":"f02620","dealStatus":"Active"}]`))
	f.Add([]byte(`{"cid":"bafkqaaa","fileSizeInBytes":"3"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeImport(bytes.NewReader(b))
		decodeFileInfo(bytes.NewReader(b))
		errorMessage(b)
		ds, err := decodeDeals(bytes.NewReader(b))
		if err == nil {
			for _, d := range ds {
				if d.ID == 0 || !printable(d.Miner) || !printable(d.Status) {
					t.Fatalf("deal %+v accepted", d)
				}
			}
		}
	})
}
