package arweave_test

import "encoding/base64"

func artxB64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
