package ens

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// Mainnet addresses (protocols.md 1.4). The registry is the same on Sepolia.
var (
	DefaultRegistry    = common.HexToAddress("0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e")
	MainnetNameWrapper = common.HexToAddress("0xD4416b13d2b3a9aBae7AcD5D6C2BbDBE25686401")
	SepoliaNameWrapper = common.HexToAddress("0x0635513f179D50A207757E05759CbD106d7dFcE8")
)

// Errors a caller may want to explain to a user.
var (
	ErrWrongChain    = errors.New("connected to the wrong chain")
	ErrNoRegistry    = errors.New("no ENS registry contract at the configured address")
	ErrNoResolver    = errors.New("name has no resolver")
	ErrNoContenthash = errors.New("resolver does not support contenthash (ERC-165 0xbc1c58d1)")
)

// Reader is what reading ENS needs from a chain; *ethclient.Client has it.
type Reader interface {
	ChainID(ctx context.Context) (*big.Int, error)
	CallContract(ctx context.Context, call ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
}

// Client reads ENS records through a registry.
type Client struct {
	backend  Reader
	registry common.Address
	// NameWrapper is the address whose registry ownership means "wrapped";
	// for wrapped names the writer is NameWrapper.ownerOf(node).
	NameWrapper common.Address
}

// NewClient returns a client for the registry at registry (use
// DefaultRegistry on mainnet and Sepolia). NameWrapper defaults to mainnet's.
func NewClient(backend Reader, registry common.Address) *Client {
	return &Client{backend: backend, registry: registry, NameWrapper: MainnetNameWrapper}
}

// Record is a name as found on chain: the node, its resolver and who may
// write its records.
type Record struct {
	Name     string         // normalised
	Node     common.Hash    // namehash
	Resolver common.Address // never zero
	// RegistryOwner is ens.owner(node); Owner is the effective owner, which
	// differs when the name is wrapped (then it is NameWrapper.ownerOf).
	RegistryOwner common.Address
	Owner         common.Address
	Wrapped       bool
}

// Lookup normalises name, finds its resolver through the registry and checks
// that the resolver supports contenthash. It reads, it never writes.
func (c *Client) Lookup(ctx context.Context, name string) (*Record, error) {
	norm, node, err := NormalizedNode(name)
	if err != nil {
		return nil, err
	}
	if err := c.checkRegistry(ctx); err != nil {
		return nil, err
	}
	r := &Record{Name: norm, Node: node}
	if r.Resolver, err = c.registryAddress(ctx, "resolver", node); err != nil {
		return nil, err
	}
	if r.Resolver == (common.Address{}) {
		return nil, fmt.Errorf("%w: %s (registry %s)", ErrNoResolver, norm, c.registry.Hex())
	}
	if err := c.checkContenthashSupport(ctx, r.Resolver); err != nil {
		return nil, err
	}
	if err := c.fillOwner(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// checkRegistry catches a wrong --registry or network early: calls to an
// address without code return empty data, which would read as "no resolver".
func (c *Client) checkRegistry(ctx context.Context) error {
	code, err := c.backend.CodeAt(ctx, c.registry, nil)
	if err != nil {
		return fmt.Errorf("failed to read the registry code: %w", err)
	}
	if len(code) == 0 {
		return fmt.Errorf("%w: %s", ErrNoRegistry, c.registry.Hex())
	}
	return nil
}

func (c *Client) registryAddress(ctx context.Context, method string, node common.Hash) (common.Address, error) {
	var out common.Address
	if err := c.call(ctx, c.registry, registryABI, method, &out, node); err != nil {
		return common.Address{}, fmt.Errorf("failed to read registry %s(%s): %w", method, node.Hex(), err)
	}
	return out, nil
}

func (c *Client) checkContenthashSupport(ctx context.Context, resolver common.Address) error {
	var ok bool
	err := c.call(ctx, resolver, resolverABI, "supportsInterface", &ok, contenthashInterfaceID)
	if err != nil || !ok {
		// A contract without supportsInterface reverts; that is "no" too.
		return fmt.Errorf("%w: resolver %s", ErrNoContenthash, resolver.Hex())
	}
	return nil
}

// fillOwner reads the registry owner and, when the NameWrapper holds the
// name, the wrapped owner (zero once the wrapped name has expired).
func (c *Client) fillOwner(ctx context.Context, r *Record) error {
	var err error
	if r.RegistryOwner, err = c.registryAddress(ctx, "owner", r.Node); err != nil {
		return err
	}
	r.Owner = r.RegistryOwner
	if c.NameWrapper == (common.Address{}) || r.RegistryOwner != c.NameWrapper {
		return nil
	}
	r.Wrapped = true
	if err := c.call(ctx, c.NameWrapper, nameWrapperABI, "ownerOf", &r.Owner, new(big.Int).SetBytes(r.Node[:])); err != nil {
		return fmt.Errorf("failed to read NameWrapper.ownerOf(%s): %w", r.Name, err)
	}
	return nil
}

// Contenthash reads the raw contenthash bytes of the record (empty if unset).
func (c *Client) Contenthash(ctx context.Context, r *Record) ([]byte, error) {
	var out []byte
	if err := c.call(ctx, r.Resolver, resolverABI, "contenthash", &out, r.Node); err != nil {
		return nil, fmt.Errorf("failed to read contenthash of %s: %w", r.Name, err)
	}
	return out, nil
}

// Get looks the name up and decodes its contenthash. The returned Content is
// zero when the record is unset.
func (c *Client) Get(ctx context.Context, name string) (*Record, Content, error) {
	r, err := c.Lookup(ctx, name)
	if err != nil {
		return nil, Content{}, err
	}
	raw, err := c.Contenthash(ctx, r)
	if err != nil {
		return r, Content{}, err
	}
	content, err := DecodeContenthash(raw)
	if err != nil {
		return r, Content{}, fmt.Errorf("failed to decode the contenthash of %s (0x%x): %w", r.Name, raw, err)
	}
	return r, content, nil
}

// CheckChain fails with ErrWrongChain unless the backend is on chain want.
func (c *Client) CheckChain(ctx context.Context, want uint64) (*big.Int, error) {
	id, err := c.backend.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to read the chain id: %w", err)
	}
	if want != 0 && (!id.IsUint64() || id.Uint64() != want) {
		return id, fmt.Errorf("%w: RPC reports chain id %s, expected %d", ErrWrongChain, id, want)
	}
	return id, nil
}

// call packs method(args), calls it on to at the latest block, and unpacks
// the single result into out.
func (c *Client) call(ctx context.Context, to common.Address, a abi.ABI, method string, out any, args ...any) error {
	return callContract(ctx, c.backend, common.Address{}, to, a, method, out, nil, args...)
}

// callContract is call from `from` at block (nil: latest; -1: pending).
func callContract(ctx context.Context, b Reader, from, to common.Address, a abi.ABI, method string, out any, block *big.Int, args ...any) error {
	data, err := a.Pack(method, args...)
	if err != nil {
		return err
	}
	res, err := b.CallContract(ctx, ethereum.CallMsg{From: from, To: &to, Data: data}, block)
	if err != nil {
		return err
	}
	vals, err := a.Unpack(method, res)
	if err != nil {
		return err
	}
	if len(vals) != 1 {
		return fmt.Errorf("%s returned %d values", method, len(vals))
	}
	return assign(out, vals[0])
}

// assign copies an unpacked ABI value into out, checking its type.
func assign(out, v any) error {
	ok := false
	switch p := out.(type) {
	case *common.Address:
		*p, ok = v.(common.Address)
	case *bool:
		*p, ok = v.(bool)
	case *[]byte:
		*p, ok = v.([]byte)
	case **big.Int:
		*p, ok = v.(*big.Int)
	}
	if !ok {
		return fmt.Errorf("unexpected result type %T for %T", v, out)
	}
	return nil
}
