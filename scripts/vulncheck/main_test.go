package main

import (
	"strings"
	"testing"
)

func TestPolicy(t *testing.T) {
	tr := func(mod string) []frame {
		return []frame{{Module: mod, Version: "v1.0.0", Package: mod, Function: "F"}, {Package: "ours", Function: "main"}}
	}
	tests := []struct {
		name    string
		finding finding
		code    int
		says    string
	}{
		{"fixable module", finding{OSV: "GO-1", FixedVersion: "v1.0.1", Trace: tr("example.com/m")}, 1, "go get example.com/m@v1.0.1"},
		{"no fix, not allowed", finding{OSV: "GO-2", Trace: tr("example.com/m")}, 1, "no fixed version"},
		{"no fix, allowed", finding{OSV: "GO-3", Trace: tr("example.com/m")}, 0, "allowed: GO-3"},
		{"standard library", finding{OSV: "GO-4", FixedVersion: "v1.26.9", Trace: tr("stdlib")}, 0, "fixed in Go 1.26.9"},
	}
	for _, tt := range tests {
		var b strings.Builder
		key := tt.finding.OSV + " " + tt.finding.Trace[0].Module
		code := report(&b, map[string][]finding{key: {tt.finding}}, map[string]string{}, map[string]string{"GO-3": "does not apply"})
		if code != tt.code || !strings.Contains(b.String(), tt.says) {
			t.Errorf("%s: exit %d, said %q", tt.name, code, b.String())
		}
	}
}
