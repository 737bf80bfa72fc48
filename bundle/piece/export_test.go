package piece

import (
	b32 "encoding/base32"
	"strings"
)

func base32(b []byte) string {
	return strings.ToLower(b32.StdEncoding.WithPadding(b32.NoPadding).EncodeToString(b))
}
