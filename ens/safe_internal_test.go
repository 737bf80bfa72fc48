package ens

import "testing"

// Published type hashes (protocols.md 1.6, from the Safe contracts).
func TestSafeTypeHashes(t *testing.T) {
	for name, tc := range map[string]struct{ got, want string }{
		"domain": {safeDomainTypeHash.Hex(), "0x47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218"},
		"SafeTx": {safeTxTypeHash.Hex(), "0xbb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8"},
		// Safe < 1.3.0 DOMAIN_SEPARATOR_TYPEHASH (GnosisSafe.sol v1.2.0).
		"legacy domain": {safeLegacyDomainTypeHash.Hex(), "0x035aff83d86937d35b32e04f0ddc6ff469290eef2f1b692d8a815c89404d4749"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s type hash = %s, want %s", name, tc.got, tc.want)
		}
	}
}

func TestVersionBefore(t *testing.T) {
	for v, want := range map[string]bool{"1.1.1": true, "1.2.0": true, "1.3.0": false, "1.3.0+L2": false, "1.4.1": false, "2.0.0": false, "x": false} {
		if got := versionBefore(v, 1, 3); got != want {
			t.Errorf("versionBefore(%q) = %v", v, got)
		}
	}
}
