package ens

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// EIP-712 type hashes used by Safe (protocols.md 1.6). They are computed from
// the type strings so a typo cannot hide; the tests compare them with the
// published values.
var (
	safeDomainTypeHash       = crypto.Keccak256Hash([]byte("EIP712Domain(uint256 chainId,address verifyingContract)"))
	safeLegacyDomainTypeHash = crypto.Keccak256Hash([]byte("EIP712Domain(address verifyingContract)"))
	safeTxTypeHash           = crypto.Keccak256Hash([]byte("SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"))
)

// SafeTx is a Safe multisig transaction. For ENS updates it is a plain CALL
// of setContenthash on the resolver with no refund: every gas field zero.
type SafeTx struct {
	To             common.Address
	Value          *big.Int
	Data           []byte
	Operation      uint8 // 0 CALL, 1 DELEGATECALL
	SafeTxGas      *big.Int
	BaseGas        *big.Int
	GasPrice       *big.Int
	GasToken       common.Address
	RefundReceiver common.Address
	Nonce          *big.Int
}

// NewSafeTx wraps a planned change as the SafeTx that executes it.
func NewSafeTx(ch *Change, nonce uint64) SafeTx {
	return SafeTx{
		To: ch.Record.Resolver, Value: new(big.Int), Data: ch.Calldata,
		SafeTxGas: new(big.Int), BaseGas: new(big.Int), GasPrice: new(big.Int),
		Nonce: new(big.Int).SetUint64(nonce),
	}
}

var (
	tBytes32, _ = abi.NewType("bytes32", "", nil)
	tAddress, _ = abi.NewType("address", "", nil)
	tUint256, _ = abi.NewType("uint256", "", nil)
	tUint8, _   = abi.NewType("uint8", "", nil)
)

func abiEncode(types []abi.Type, vals ...any) []byte {
	args := make(abi.Arguments, len(types))
	for i, t := range types {
		args[i] = abi.Argument{Type: t}
	}
	b, err := args.Pack(vals...)
	if err != nil {
		panic(err) // the types above are fixed; a mismatch is a programming error
	}
	return b
}

// SafeDomainSeparator is the EIP-712 domain of a Safe. Safes before 1.3.0 do
// not include the chain id; an empty version is taken as current.
func SafeDomainSeparator(chainID *big.Int, safe common.Address, version string) common.Hash {
	if version != "" && versionBefore(version, 1, 3) {
		return crypto.Keccak256Hash(abiEncode([]abi.Type{tBytes32, tAddress}, safeLegacyDomainTypeHash, safe))
	}
	return crypto.Keccak256Hash(abiEncode([]abi.Type{tBytes32, tUint256, tAddress}, safeDomainTypeHash, chainID, safe))
}

// Hash is the safeTxHash owners sign and the Safe checks:
// keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(SafeTx)).
func (tx SafeTx) Hash(chainID *big.Int, safe common.Address, version string) common.Hash {
	structHash := crypto.Keccak256Hash(abiEncode(
		[]abi.Type{tBytes32, tAddress, tUint256, tBytes32, tUint8, tUint256, tUint256, tUint256, tAddress, tAddress, tUint256},
		safeTxTypeHash, tx.To, tx.Value, crypto.Keccak256Hash(tx.Data), tx.Operation,
		tx.SafeTxGas, tx.BaseGas, tx.GasPrice, tx.GasToken, tx.RefundReceiver, tx.Nonce))
	domain := SafeDomainSeparator(chainID, safe, version)
	return crypto.Keccak256Hash([]byte{0x19, 0x01}, domain[:], structHash[:])
}

// SignSafeHash signs a safeTxHash directly (EIP-712, no message prefix) and
// returns the 65-byte r ‖ s ‖ v signature with v = 27 or 28, which Safe's
// checkNSignatures reads as an EIP-712 owner signature.
func SignSafeHash(h common.Hash, key *ecdsa.PrivateKey) ([]byte, error) {
	sig, err := crypto.Sign(h[:], key)
	if err != nil {
		return nil, fmt.Errorf("failed to sign the Safe transaction hash: %w", err)
	}
	sig[64] += 27
	return sig, nil
}

// RecoverSafeSigner returns the address that produced an EIP-712 (v 27/28)
// signature of h.
func RecoverSafeSigner(h common.Hash, sig []byte) (common.Address, error) {
	if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		return common.Address{}, errors.New("not a 65-byte EIP-712 signature with v 27 or 28")
	}
	s := append([]byte{}, sig...)
	s[64] -= 27
	pub, err := crypto.SigToPub(h[:], s)
	if err != nil {
		return common.Address{}, fmt.Errorf("failed to recover the signer: %w", err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// versionBefore reports whether a "1.2.0"-style version (optionally with a
// "+L2" suffix) is below major.minor.
func versionBefore(v string, major, minor int) bool {
	v, _, _ = strings.Cut(v, "+")
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}

// SafeProposal is what was proposed: enough for the signers' summary and
// for a link into the Safe app.
type SafeProposal struct {
	Safe          common.Address
	Tx            SafeTx
	SafeTxHash    common.Hash
	Sender        common.Address
	SenderIsOwner bool // false: the service must know Sender as a delegate
	Threshold     int
}

// ProposeViaSafe proposes the change to a Safe that may write the record.
// It checks, before signing, that the Safe is authorised and that the call
// succeeds when simulated from the Safe; the nonce comes from the service.
func (c *Client) ProposeViaSafe(ctx context.Context, ch *Change, safe common.Address, svc *SafeService, key *ecdsa.PrivateKey, origin string) (*SafeProposal, error) {
	if err := c.CheckWriter(ctx, ch, safe); err != nil {
		return nil, err
	}
	info, err := svc.Info(ctx, safe)
	if err != nil {
		return nil, err
	}
	nonce, err := svc.NextNonce(ctx, safe, info)
	if err != nil {
		return nil, err
	}
	p := &SafeProposal{Safe: safe, Tx: NewSafeTx(ch, nonce), Sender: crypto.PubkeyToAddress(key.PublicKey), Threshold: info.Threshold}
	p.SenderIsOwner = containsAddress(info.Owners, p.Sender)
	p.SafeTxHash = p.Tx.Hash(ch.ChainID, safe, info.Version)
	sig, err := SignSafeHash(p.SafeTxHash, key)
	if err != nil {
		return nil, err
	}
	if err := svc.Propose(ctx, safe, NewProposal(p.Tx, p.SafeTxHash, p.Sender, sig, origin)); err != nil {
		return nil, err
	}
	return p, nil
}

func containsAddress(list []string, a common.Address) bool {
	for _, s := range list {
		if common.IsHexAddress(s) && common.HexToAddress(s) == a {
			return true
		}
	}
	return false
}
