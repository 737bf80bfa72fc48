package main

import (
	"io"
	"strings"
	"testing"
)

func TestPermuteArgs(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	tests := []struct{ in, want string }{
		{"dp pack dist -o site.car", "dp pack -o site.car dist"},
		{"dp pack --profile unixfs-v1-2025 --only-hash dist", "dp pack --profile unixfs-v1-2025 --only-hash dist"},
		{"dp pack dist --profile=unixfs-v0-2015 --json", "dp pack --profile=unixfs-v0-2015 --json dist"},
		{"dp pack -- -odd-name", "dp pack -- -odd-name"},
		{"dp ens set app.eth bafy --via calldata", "dp ens set --via calldata app.eth bafy"},
		{"dp --help", "dp --help"},
		{"dp nosuch -x", "dp nosuch -x"},
	}
	for _, tt := range tests {
		got := strings.Join(permuteArgs(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("permuteArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
