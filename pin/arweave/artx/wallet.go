package artx

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// OwnerSize is the length of an Arweave RSA owner: the 4096-bit modulus.
const OwnerSize = 512

// MaxWalletFile bounds a JWK: a 4096-bit JWK is about 3.3 KB. (A wallet
// file is read by internal/secret, which refuses more than 64 KiB too.)
const MaxWalletFile = 64 << 10

// Wallet is an Arweave key: RSA-4096 with e = 65537, read from a JWK.
// Printing a Wallet (any verb) shows only its address: the private key is
// never formatted, logged or marshalled.
type Wallet struct {
	key     *rsa.PrivateKey
	owner   []byte
	address string
}

// Errors of ParseWallet. They never quote the key material.
var (
	ErrWalletJSON    = errors.New("the wallet is not a JSON object (an Arweave JWK file)")
	ErrWalletKeyType = errors.New("the wallet is not an RSA key")
	ErrWalletPublic  = errors.New("the wallet holds only the public key (no d, p, q); signing needs the private JWK")
	ErrWalletKey     = errors.New("the wallet's RSA key is invalid")
)

type jwk struct {
	Kty string `json:"kty"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
	P   string `json:"p"`
	Q   string `json:"q"`
}

// ParseWallet reads an Arweave JWK (the JSON arweave-js and Wander export).
func ParseWallet(data []byte) (*Wallet, error) {
	if len(data) > MaxWalletFile {
		return nil, fmt.Errorf("%w: %d bytes, more than a JWK can be", ErrWalletJSON, len(data))
	}
	var k jwk
	if err := json.Unmarshal(data, &k); err != nil {
		// json errors can quote a character of the input; say only where.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: syntax error at byte %d", ErrWalletJSON, se.Offset)
		}
		return nil, ErrWalletJSON
	}
	if k.Kty != "RSA" {
		kty := k.Kty
		if len(kty) > 16 {
			kty = kty[:16] + "..."
		}
		return nil, fmt.Errorf("%w: kty is %q (Arweave wallets are RSA JWKs; EC or ed25519 wallets are not supported)", ErrWalletKeyType, kty)
	}
	if k.D == "" || k.P == "" || k.Q == "" {
		return nil, ErrWalletPublic
	}
	ints := map[string]*big.Int{}
	for name, s := range map[string]string{"n": k.N, "e": k.E, "d": k.D, "p": k.P, "q": k.Q} {
		v, err := jwkInt(s)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: %v", ErrWalletKey, name, err)
		}
		ints[name] = v
	}
	return walletFromKey(&rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: ints["n"], E: int(ints["e"].Int64())},
		D:         ints["d"],
		Primes:    []*big.Int{ints["p"], ints["q"]},
	})
}

// jwkInt decodes an unsigned big-endian integer in base64url, refusing
// anything longer than a 4096-bit key needs.
func jwkInt(s string) (*big.Int, error) {
	if s == "" {
		return nil, errors.New("missing")
	}
	if len(s) > 1024 {
		return nil, errors.New("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errors.New("not base64url")
	}
	return new(big.Int).SetBytes(b), nil
}

func walletFromKey(key *rsa.PrivateKey) (*Wallet, error) {
	if bits := key.N.BitLen(); bits != OwnerSize*8 {
		return nil, fmt.Errorf("%w: it has %d bits; Arweave wallets are RSA-4096", ErrWalletKey, bits)
	}
	if key.E != 65537 {
		return nil, fmt.Errorf("%w: its public exponent is not 65537", ErrWalletKey)
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("%w: its parts do not belong together", ErrWalletKey)
	}
	key.Precompute()
	owner := key.N.FillBytes(make([]byte, OwnerSize))
	return &Wallet{key: key, owner: owner, address: Address(owner)}, nil
}

// Address is the wallet address of an owner: b64url(SHA-256(n)).
func Address(owner []byte) string {
	h := sha256.Sum256(owner)
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// Address returns the wallet's address.
func (w *Wallet) Address() string { return w.address }

// Owner returns the public modulus, as transactions carry it.
func (w *Wallet) Owner() []byte { return w.owner }

// Sign signs a message (a deep hash) as Arweave does: RSA-PSS over its
// SHA-256 with MGF1-SHA-256 and the largest salt (as arweave-js on Node).
func (w *Wallet) Sign(msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	return rsa.SignPSS(rand.Reader, w.key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
}

// String shows the address only.
func (w Wallet) String() string { return "Arweave wallet " + w.address }

// GoString shows the address only (%#v).
func (w Wallet) GoString() string { return "artx.Wallet{" + w.address + "}" }

// Format keeps every verb (%v, %+v, %x, ...) to the address.
func (w Wallet) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, w.GoString())
		return
	}
	io.WriteString(f, w.String())
}

// ErrBadSignature means a signature does not verify against its owner.
var ErrBadSignature = errors.New("signature does not verify")

// VerifySignature checks an Arweave RSA-PSS signature by owner (a 4096-bit
// modulus, e = 65537) over msg. Any salt length is accepted, as nodes do.
func VerifySignature(owner, msg, sig []byte) error {
	if len(owner) != OwnerSize || owner[0] == 0 {
		return fmt.Errorf("%w: the owner is not an RSA-4096 key (%d bytes)", ErrBadSignature, len(owner))
	}
	if len(sig) != OwnerSize {
		return fmt.Errorf("%w: %d-byte signature, want %d", ErrBadSignature, len(sig), OwnerSize)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(owner), E: 65537}
	d := sha256.Sum256(msg)
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
		return ErrBadSignature
	}
	return nil
}
