package ens

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
	mbase "github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"
	"github.com/multiformats/go-varint"
)

// Namespace is the storage system a contenthash points into.
type Namespace string

// The namespaces dapp-publish writes. Others (swarm, onion, ...) are decoded
// by nobody here and refused with ErrUnsupportedNamespace.
const (
	IPFS    Namespace = "ipfs"
	IPNS    Namespace = "ipns"
	Arweave Namespace = "arweave"
)

// Multicodec codes of the namespaces (multiformats/multicodec table.csv) and of
// the CID content types the rules below depend on.
const (
	codecIPFS      = 0xe3
	codecIPNS      = 0xe5
	codecArweave   = 0xb29910
	codecLibp2pKey = 0x72
	codecDagPB     = 0x70
)

// arweaveTxLen is the size of an Arweave transaction id: 32 bytes, 43
// characters of unpadded base64url.
const arweaveTxLen = 32

// minIPNSIdentityLen is the shortest identity multihash accepted as an IPNS
// key: an inlined Ed25519 public key is 36 bytes. Anything shorter is a DNSLink
// name stuffed into ipns-ns, which content-hash rejects on encode.
const minIPNSIdentityLen = 36

// Errors returned by ParseContent and DecodeContenthash.
var (
	ErrUnsupportedNamespace = errors.New("unsupported contenthash namespace")
	ErrInvalidContent       = errors.New("invalid content value")
)

// Content is a decoded contenthash: where a name points.
type Content struct {
	Namespace Namespace
	// CID is set for IPFS and IPNS; it is always version 1.
	CID cid.Cid
	// ArweaveTx is the 32-byte transaction id for Arweave.
	ArweaveTx []byte
}

// ParseContent reads the text forms users type: a bare CID, ipfs://CID,
// /ipfs/CID, ipns://NAME, /ipns/NAME, or ar://TXID. IPFS CIDs of any version
// and codec are accepted and normalised to v1, as content-hash does.
func ParseContent(text string) (Content, error) {
	text = strings.TrimSpace(text)
	for prefix, parse := range map[string]func(string) (Content, error){
		"ipfs://": parseIPFS, "/ipfs/": parseIPFS,
		"ipns://": parseIPNS, "/ipns/": parseIPNS,
		"ar://": parseArweave,
	} {
		if rest, ok := strings.CutPrefix(text, prefix); ok {
			return parse(strings.TrimSuffix(rest, "/"))
		}
	}
	if strings.Contains(text, "://") {
		return Content{}, fmt.Errorf("%w: %q (use ipfs://, ipns:// or ar://)", ErrUnsupportedNamespace, text)
	}
	return parseIPFS(text)
}

func parseIPFS(s string) (Content, error) {
	c, err := cid.Decode(s)
	if err != nil {
		return Content{}, fmt.Errorf("%w: IPFS CID %q: %v", ErrInvalidContent, s, err)
	}
	if c.Type() == codecLibp2pKey {
		return Content{}, fmt.Errorf("%w: %q is an IPNS key, not content; write it as ipns://%s", ErrInvalidContent, s, s)
	}
	return Content{Namespace: IPFS, CID: cid.NewCidV1(c.Type(), c.Hash())}, nil
}

// parseIPNS accepts a libp2p-key CID (k51…) or a base58 PeerID (12D3Koo…,
// Qm…), which is a bare multihash that gets wrapped as libp2p-key.
func parseIPNS(s string) (Content, error) {
	var hash mh.Multihash
	if c, err := cid.Decode(s); err == nil && c.Version() == 1 {
		if c.Type() != codecLibp2pKey {
			return Content{}, fmt.Errorf("%w: IPNS name %q is a CID with codec 0x%x, not libp2p-key", ErrInvalidContent, s, c.Type())
		}
		hash = c.Hash()
	} else if h, err := mh.FromB58String(s); err == nil {
		hash = h
	} else {
		return Content{}, fmt.Errorf("%w: IPNS name %q is neither a libp2p-key CID nor a PeerID", ErrInvalidContent, s)
	}
	if err := checkIPNSKey(hash); err != nil {
		return Content{}, fmt.Errorf("%w: IPNS name %q: %v", ErrInvalidContent, s, err)
	}
	return Content{Namespace: IPNS, CID: cid.NewCidV1(codecLibp2pKey, hash)}, nil
}

// checkIPNSKey refuses identity multihashes too short to hold a public key.
func checkIPNSKey(hash mh.Multihash) error {
	d, err := mh.Decode(hash)
	if err != nil {
		return err
	}
	if d.Code == mh.IDENTITY && len(hash) < minIPNSIdentityLen {
		return errors.New("identity multihash too short to be a key (DNSLink names are not valid IPNS contenthashes)")
	}
	return nil
}

func parseArweave(s string) (Content, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != arweaveTxLen {
		return Content{}, fmt.Errorf("%w: Arweave transaction id %q must be 43 characters of base64url (32 bytes)", ErrInvalidContent, s)
	}
	return Content{Namespace: Arweave, ArweaveTx: b}, nil
}

// Contenthash returns the bytes stored on chain: uvarint(namespace) ‖ value.
func (c Content) Contenthash() []byte {
	switch c.Namespace {
	case IPFS:
		return append(varint.ToUvarint(codecIPFS), c.CID.Bytes()...)
	case IPNS:
		return append(varint.ToUvarint(codecIPNS), c.CID.Bytes()...)
	case Arweave:
		return append(varint.ToUvarint(codecArweave), c.ArweaveTx...)
	}
	return nil
}

// String returns the text form: ipfs://<CIDv1 base32>, ipns://<base36
// libp2p-key>, or ar://<txid>. A deprecated DNSLink value stored in ipns-ns
// prints as ipns://<domain>.
func (c Content) String() string {
	switch c.Namespace {
	case IPFS:
		return "ipfs://" + cidText(c.CID)
	case IPNS:
		if d, ok := dnslinkName(c.CID); ok {
			return "ipns://" + d
		}
		return "ipns://" + cidText(c.CID)
	case Arweave:
		return "ar://" + base64.RawURLEncoding.EncodeToString(c.ArweaveTx)
	}
	return ""
}

// Equal reports whether two contents are the same pointer.
func (c Content) Equal(o Content) bool {
	return bytes.Equal(c.Contenthash(), o.Contenthash())
}

// cidText is base36 for libp2p-key CIDs (so they fit in a DNS label) and
// base32 otherwise, as content-hash prints them.
func cidText(c cid.Cid) string {
	if c.Type() == codecLibp2pKey {
		s, _ := c.StringOfBase(mbase.Base36)
		return s
	}
	s, _ := c.StringOfBase(mbase.Base32)
	return s
}

// dnslinkName returns the domain of a deprecated DNSLink contenthash
// (identity multihash of a short ASCII name).
func dnslinkName(c cid.Cid) (string, bool) {
	d, err := mh.Decode(c.Hash())
	if err != nil || d.Code != mh.IDENTITY || len(c.Hash()) >= minIPNSIdentityLen {
		return "", false
	}
	return string(d.Digest), true
}

// DecodeContenthash parses the bytes a resolver returns. An empty value
// decodes to the zero Content and no error: the record is unset.
func DecodeContenthash(b []byte) (Content, error) {
	if len(b) == 0 {
		return Content{}, nil
	}
	code, n, err := varint.FromUvarint(b)
	if err != nil {
		return Content{}, fmt.Errorf("%w: bad namespace varint: %v", ErrInvalidContent, err)
	}
	value := b[n:]
	switch code {
	case codecIPFS:
		return decodeCID(IPFS, value)
	case codecIPNS:
		return decodeCID(IPNS, value)
	case codecArweave:
		if len(value) != arweaveTxLen {
			return Content{}, fmt.Errorf("%w: arweave value is %d bytes, want %d", ErrInvalidContent, len(value), arweaveTxLen)
		}
		return Content{Namespace: Arweave, ArweaveTx: bytes.Clone(value)}, nil
	}
	return Content{}, fmt.Errorf("%w: codec 0x%x", ErrUnsupportedNamespace, code)
}

// decodeCID reads a binary CID that must fill the whole value. Old IPFS
// records may hold a CIDv0 multihash; it is normalised to v1 like any input.
func decodeCID(ns Namespace, value []byte) (Content, error) {
	c, err := cid.Cast(value)
	if err != nil {
		return Content{}, fmt.Errorf("%w: %s value is not a CID: %v", ErrInvalidContent, ns, err)
	}
	if ns == IPFS {
		if c.Type() == codecLibp2pKey {
			return Content{}, fmt.Errorf("%w: ipfs value is a libp2p-key CID (an IPNS name)", ErrInvalidContent)
		}
		return Content{Namespace: ns, CID: cid.NewCidV1(c.Type(), c.Hash())}, nil
	}
	if c.Version() == 0 {
		return Content{}, fmt.Errorf("%w: ipns value is a bare multihash, not a CIDv1", ErrInvalidContent)
	}
	if _, ok := dnslinkName(c); ok {
		return Content{Namespace: ns, CID: c}, nil
	}
	// Legacy writers (go-ens) stored PeerIDs as dag-pb CIDs; the key is the
	// multihash, so it is re-wrapped as libp2p-key like content-hash does.
	return Content{Namespace: ns, CID: cid.NewCidV1(codecLibp2pKey, c.Hash())}, nil
}

// IsZero reports whether c is the unset record.
func (c Content) IsZero() bool { return c.Namespace == "" }

// GatewayLinks returns URLs a person can open to see the content: a subdomain
// gateway and a path gateway for IPFS/IPNS, arweave.net for Arweave.
func (c Content) GatewayLinks() []string {
	switch c.Namespace {
	case IPFS:
		s := cidText(c.CID)
		return []string{"https://" + s + ".ipfs.dweb.link/", "https://ipfs.io/ipfs/" + s + "/"}
	case IPNS:
		s := strings.TrimPrefix(c.String(), "ipns://")
		return []string{"https://ipfs.io/ipns/" + s + "/"}
	case Arweave:
		return []string{"https://arweave.net/" + strings.TrimPrefix(c.String(), "ar://")}
	}
	return nil
}
