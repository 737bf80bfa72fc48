package ens

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	goens "github.com/wealdtech/go-ens/v3"
)

// Vectors from ensdomains/content-hash src/index.test.ts and ENSIP-7, as
// quoted in shared/docs/protocols.md section 1.1.
const (
	vecIPFSv0        = "QmRAQB6YaCyidP37UdDnjFY5vQuiBrcqdyoW1CuDgwxkD4"
	vecIPFSv1        = "bafybeibj6lixxzqtsb45ysdjnupvqkufgdvzqbnvmhw2kf7cfkesy7r7d4"
	vecIPFSHash      = "e3010170122029f2d17be6139079dc48696d1f582a8530eb9805b561eda517e22a892c7e3f1f"
	vecIPNSv1        = "k2k4r8kgnix5x0snul9112xdpqgiwc5xmvi8ja0szfhntep2d7qv8zz3"
	vecIPNSPeerHash  = "e5010172122029f2d17be6139079dc48696d1f582a8530eb9805b561eda517e22a892c7e3f1f"
	vecIPNSPeerB58   = "12D3KooWG4NvqQVczTrWY1H2tvsJmbQf5bbA3xGYXC4FM3wWCfE4"
	vecIPNSLibp2p    = "k51qzi5uqu5dihst24f3rp2ej4co9berxohfkxaenbq1wjty7nrd5e9xp4afx1"
	vecIPNSEd25519   = "e50101720024080112205cbd1cc86ac20d6640795809c2a185bb2504538a2de8076da5a6971b8acb4715"
	vecDNSLinkHash   = "e5010170000f6170702e756e69737761702e6f7267"
	vecArweave       = "ys32Pt8uC7TrVxHdOLByOspfPEq2LO63wREHQIM9SJQ"
	vecArweaveHash   = "90b2ca05cacdf63edf2e0bb4eb5711dd38b0723aca5f3c4ab62ceeb7c1110740833d4894"
	vecSwarmHash     = "e40101fa011b20d1de9994b4d039f6548d191eb26786769f580809256b4685ef316805265ea162"
	vecOnionHash     = "bc037a716b746c776934666563766f367269"
	vecRawLeafCIDv1  = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy" // raw codec 0x55
	vecRawLeafPrefix = "e3010155"                                                    // uvarint(0xe3) 01 55
)

func TestEncodeVectors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"ipfs CIDv0", vecIPFSv0, vecIPFSHash},
		{"ipfs CIDv1", vecIPFSv1, vecIPFSHash},
		{"ipfs:// CIDv0 (ENSIP-7 text form)", "ipfs://" + vecIPFSv0, vecIPFSHash},
		{"/ipfs/ path", "/ipfs/" + vecIPFSv1, vecIPFSHash},
		{"ipns legacy RSA PeerID (Qm)", "ipns://" + vecIPFSv0, vecIPNSPeerHash},
		{"ipns Ed25519 PeerID (base58)", "ipns://" + vecIPNSPeerB58, vecIPNSEd25519},
		{"ipns libp2p-key CIDv1", "ipns://" + vecIPNSLibp2p, vecIPNSEd25519},
		{"arweave", "ar://" + vecArweave, vecArweaveHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseContent(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(c.Contenthash()); got != tt.want {
				t.Errorf("contenthash = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEncodeRawLeafKeepsCodec(t *testing.T) {
	c, err := ParseContent(vecRawLeafCIDv1)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(c.Contenthash()); !strings.HasPrefix(got, vecRawLeafPrefix) {
		t.Errorf("contenthash = %s, want prefix %s", got, vecRawLeafPrefix)
	}
}

func TestDecodeVectors(t *testing.T) {
	tests := []struct {
		name, hash, want string
		ns               Namespace
	}{
		{"ipfs", vecIPFSHash, "ipfs://" + vecIPFSv1, IPFS},
		{"ipns legacy PeerID to CIDv1", vecIPNSPeerHash, "ipns://" + vecIPNSv1, IPNS},
		{"ipns Ed25519 to libp2p-key CIDv1", vecIPNSEd25519, "ipns://" + vecIPNSLibp2p, IPNS},
		{"ipns deprecated DNSLink", vecDNSLinkHash, "ipns://app.uniswap.org", IPNS},
		{"arweave", vecArweaveHash, "ar://" + vecArweave, Arweave},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hash)
			c, err := DecodeContenthash(b)
			if err != nil {
				t.Fatal(err)
			}
			if c.Namespace != tt.ns || c.String() != tt.want {
				t.Errorf("decoded %s %s, want %s %s", c.Namespace, c, tt.ns, tt.want)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	tests := []struct {
		name, hash string
		want       error
	}{
		{"swarm", vecSwarmHash, ErrUnsupportedNamespace},
		{"onion", vecOnionHash, ErrUnsupportedNamespace},
		{"truncated ipfs", vecIPFSHash[:len(vecIPFSHash)-2], ErrInvalidContent},
		{"trailing byte ipfs", vecIPFSHash + "00", ErrInvalidContent},
		{"short arweave", vecArweaveHash[:len(vecArweaveHash)-2], ErrInvalidContent},
		{"varint only", "e3", ErrInvalidContent},
		{"non-minimal varint", "e38100", ErrInvalidContent},
		{"ipfs namespace holding an IPNS key", "e301" + vecIPNSEd25519[4:], ErrInvalidContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hash)
			if _, err := DecodeContenthash(b); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// Invalid inputs from content-hash's tests ("invalidate" appends "aaaaaaa").
func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		vecIPFSv0 + "aaaaaaa",
		vecIPFSv1 + "aaaaaaa",
		"ipns://" + vecIPFSv0 + "aaaaaaa",
		"ipns://" + vecIPNSPeerB58 + "aaaaaaa",
		"ipns://" + vecIPNSLibp2p + "aaaaaaa",
		"ipns://12uA8M8Ku8mHUumxHcu7uee", // non-libp2p-key value: DNSLink-sized identity hash
		"ipns://" + vecIPFSv1,            // dag-pb CIDv1 is not an IPNS key
		vecIPNSLibp2p,                    // an IPNS key given as if it were content
		"ar://" + vecArweave[:42],
		"ar://" + vecArweave + "A",
		"bzz://d1de9994",
		"",
	} {
		if c, err := ParseContent(in); err == nil {
			t.Errorf("ParseContent(%q) = %s, want an error", in, c)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, in := range []string{"ipfs://" + vecIPFSv1, "ipns://" + vecIPNSLibp2p, "ipns://" + vecIPNSv1, "ar://" + vecArweave, "ipfs://" + vecRawLeafCIDv1} {
		c, err := ParseContent(in)
		if err != nil {
			t.Fatal(err)
		}
		if c.String() != in {
			t.Errorf("String() = %s, want %s", c, in)
		}
		d, err := DecodeContenthash(c.Contenthash())
		if err != nil || !d.Equal(c) || d.String() != in {
			t.Errorf("decode(encode(%s)) = %s, %v", in, d, err)
		}
	}
}

// go-ens is an independent implementation for IPFS; both must agree.
func TestIPFSAgreesWithGoENS(t *testing.T) {
	want, err := goens.StringToContenthash("/ipfs/" + vecIPFSv0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseContent(vecIPFSv0)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(c.Contenthash()) != hex.EncodeToString(want) {
		t.Errorf("ours %x, go-ens %x", c.Contenthash(), want)
	}
}

func FuzzDecodeContenthash(f *testing.F) {
	for _, h := range []string{vecIPFSHash, vecIPNSPeerHash, vecIPNSEd25519, vecDNSLinkHash, vecArweaveHash, vecSwarmHash, vecOnionHash, "", "e3", "90b2ca05"} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeContenthash(b)
		if err != nil || c.IsZero() {
			return
		}
		// What decodes must re-encode to something that decodes to the same
		// text, and that text must parse back to the same bytes.
		again, err := DecodeContenthash(c.Contenthash())
		if err != nil {
			t.Fatalf("re-decoding %x (from %x): %v", c.Contenthash(), b, err)
		}
		if again.String() != c.String() {
			t.Fatalf("text changed: %s then %s", c, again)
		}
		if _, ok := dnslinkName(c.CID); ok {
			return // deprecated form: decodable, deliberately not writable
		}
		p, err := ParseContent(c.String())
		if err != nil {
			t.Fatalf("ParseContent(%s) from %x: %v", c, b, err)
		}
		if !p.Equal(c) {
			t.Fatalf("parse(text) = %x, want %x", p.Contenthash(), c.Contenthash())
		}
	})
}
