package filecoin

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	bind "github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// Backend is what the provider needs of a Filecoin EVM node (an
// *ethclient.Client): calls, transactions and receipts.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
}

var (
	abiFWSS     = mustABI(fwssABI)
	abiView     = mustABI(viewABI)
	abiRegistry = mustABI(registryABI)
	abiPay      = mustABI(payABI)
	abiERC20    = mustABI(erc20ABI)
)

func mustABI(s string) abi.ABI {
	a, err := abi.JSON(strings.NewReader(s))
	if err != nil {
		panic(err)
	}
	return a
}

// chain is the contracts of one Filecoin Onchain Cloud deployment, found
// from the FWSS address.
type chain struct {
	b                                     Backend
	chainID                               *big.Int
	key                                   *ecdsa.PrivateKey
	me                                    common.Address
	fwss, view, registry, pay, usdfc      common.Address
	cFWSS, cView, cRegistry, cPay, cUSDFC *bind.BoundContract
}

func newChain(ctx context.Context, b Backend, s Settings) (*chain, error) {
	c := &chain{b: b, chainID: new(big.Int).SetUint64(s.ChainID), key: s.Key, me: crypto.PubkeyToAddress(s.Key.PublicKey), fwss: s.FWSS}
	c.cFWSS = bind.NewBoundContract(c.fwss, abiFWSS, b, b, b)
	for _, f := range []struct {
		method string
		out    *common.Address
	}{{"viewContractAddress", &c.view}, {"serviceProviderRegistry", &c.registry}, {"paymentsContractAddress", &c.pay}, {"usdfcTokenAddress", &c.usdfc}} {
		var out []any
		if err := c.cFWSS.Call(&bind.CallOpts{Context: ctx}, &out, f.method); err != nil {
			return nil, fmt.Errorf("failed to read FilecoinWarmStorageService %s at %s (is it the right network?): %w", f.method, c.fwss, err)
		}
		*f.out = out[0].(common.Address)
	}
	c.cView = bind.NewBoundContract(c.view, abiView, b, b, b)
	c.cRegistry = bind.NewBoundContract(c.registry, abiRegistry, b, b, b)
	c.cPay = bind.NewBoundContract(c.pay, abiPay, b, b, b)
	c.cUSDFC = bind.NewBoundContract(c.usdfc, abiERC20, b, b, b)
	return c, nil
}

func (c *chain) call(ctx context.Context, bc *bind.BoundContract, method string, args ...any) ([]any, error) {
	var out []any
	if err := bc.Call(&bind.CallOpts{Context: ctx}, &out, method, args...); err != nil {
		return nil, fmt.Errorf("failed to call %s: %w", method, err)
	}
	return out, nil
}

// spProvider is a storage provider's PDP offering from the registry.
type spProvider struct {
	ID           uint64
	Address      common.Address
	Payee        common.Address
	Name         string
	ServiceURL   string
	MinPieceSize uint64
	MaxPieceSize uint64
	PriceTiBDay  *big.Int
	Token        common.Address
}

// registryProvider mirrors ServiceProviderRegistry's ProviderWithProduct.
type registryProvider struct {
	ProviderId   *big.Int `abi:"providerId"`
	ProviderInfo struct {
		ServiceProvider common.Address `abi:"serviceProvider"`
		Payee           common.Address `abi:"payee"`
		Name            string         `abi:"name"`
		Description     string         `abi:"description"`
		IsActive        bool           `abi:"isActive"`
	} `abi:"providerInfo"`
	Product struct {
		ProductType    uint8    `abi:"productType"`
		CapabilityKeys []string `abi:"capabilityKeys"`
		IsActive       bool     `abi:"isActive"`
	} `abi:"product"`
	ProductCapabilityValues [][]byte `abi:"productCapabilityValues"`
}

const productPDP = 0

// providers returns the active PDP providers (the one with id, if set).
func (c *chain) providers(ctx context.Context, id uint64) ([]spProvider, error) {
	if id != 0 {
		out, err := c.call(ctx, c.cRegistry, "getProviderWithProduct", new(big.Int).SetUint64(id), uint8(productPDP))
		if err != nil {
			return nil, fmt.Errorf("storage provider %d: %w", id, err)
		}
		var rp registryProvider
		if err := convert(out[0], &rp); err != nil {
			return nil, err
		}
		p, err := decodeProvider(rp)
		if err != nil {
			return nil, err
		}
		return []spProvider{p}, nil
	}
	out, err := c.call(ctx, c.cRegistry, "getProvidersByProductType", uint8(productPDP), true, big.NewInt(0), big.NewInt(100))
	if err != nil {
		return nil, err
	}
	var page struct {
		Providers []registryProvider `abi:"providers"`
		HasMore   bool               `abi:"hasMore"`
	}
	if err := convert(out[0], &page); err != nil {
		return nil, err
	}
	var ps []spProvider
	for _, rp := range page.Providers {
		if p, err := decodeProvider(rp); err == nil {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// approved returns the provider ids FWSS accepts data sets with.
func (c *chain) approved(ctx context.Context) (map[uint64]bool, error) {
	out, err := c.call(ctx, c.cView, "getApprovedProviders", big.NewInt(0), big.NewInt(1000))
	if err != nil {
		return nil, err
	}
	ids := map[uint64]bool{}
	for _, id := range out[0].([]*big.Int) {
		if id.IsUint64() {
			ids[id.Uint64()] = true
		}
	}
	return ids, nil
}

// convert copies an abi-decoded anonymous struct into a named one.
func convert(in, out any) error {
	abi.ConvertType(in, out)
	return nil
}

// decodeProvider reads the PDP capabilities (outside bytes: every value is
// bounded and checked).
func decodeProvider(rp registryProvider) (spProvider, error) {
	p := spProvider{Address: rp.ProviderInfo.ServiceProvider, Payee: rp.ProviderInfo.Payee, Name: rp.ProviderInfo.Name}
	if rp.ProviderId == nil || !rp.ProviderId.IsUint64() || !rp.ProviderInfo.IsActive || !rp.Product.IsActive || rp.Product.ProductType != productPDP {
		return p, errors.New("not an active PDP provider")
	}
	p.ID = rp.ProviderId.Uint64()
	if len(rp.Product.CapabilityKeys) != len(rp.ProductCapabilityValues) {
		return p, fmt.Errorf("provider %d: %d capability keys, %d values", p.ID, len(rp.Product.CapabilityKeys), len(rp.ProductCapabilityValues))
	}
	caps := map[string][]byte{}
	for i, k := range rp.Product.CapabilityKeys {
		caps[k] = rp.ProductCapabilityValues[i]
	}
	return p, decodeCapabilities(&p, caps)
}

// decodeCapabilities fills p from the registry's PDP capability values:
// serviceURL and location as UTF-8, sizes and price as big-endian integers,
// paymentTokenAddress as 20 bytes (synapse-core pdp-capabilities.ts).
func decodeCapabilities(p *spProvider, caps map[string][]byte) error {
	u := string(caps["serviceURL"])
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") || len(u) > 512 || strings.ContainsAny(u, " \n\r\t") {
		return fmt.Errorf("provider %d: serviceURL %q is not an http(s) URL", p.ID, u)
	}
	p.ServiceURL = strings.TrimRight(u, "/")
	for _, f := range []struct {
		key string
		out *uint64
	}{{"minPieceSizeInBytes", &p.MinPieceSize}, {"maxPieceSizeInBytes", &p.MaxPieceSize}} {
		v := caps[f.key]
		if len(v) > 8 {
			return fmt.Errorf("provider %d: %s of %d bytes", p.ID, f.key, len(v))
		}
		*f.out = new(big.Int).SetBytes(v).Uint64()
	}
	if v := caps["storagePricePerTibPerDay"]; len(v) <= 32 {
		p.PriceTiBDay = new(big.Int).SetBytes(v)
	}
	if v := caps["paymentTokenAddress"]; len(v) == 20 {
		p.Token = common.BytesToAddress(v)
	}
	return nil
}

// pricing is FWSS's getServicePrice.
type pricing struct {
	PricePerTiBPerMonthNoCDN   *big.Int       `abi:"pricePerTiBPerMonthNoCDN"`
	PricePerTiBCdnEgress       *big.Int       `abi:"pricePerTiBCdnEgress"`
	PricePerTiBCacheMissEgress *big.Int       `abi:"pricePerTiBCacheMissEgress"`
	TokenAddress               common.Address `abi:"tokenAddress"`
	EpochsPerMonth             *big.Int       `abi:"epochsPerMonth"`
	DatasetFeePerMonth         *big.Int       `abi:"datasetFeePerMonth"`
}

func (c *chain) pricing(ctx context.Context) (pricing, error) {
	var p pricing
	out, err := c.call(ctx, c.cFWSS, "getServicePrice")
	if err != nil {
		return p, err
	}
	convert(out[0], &p)
	if p.EpochsPerMonth == nil || p.EpochsPerMonth.Sign() <= 0 {
		return p, errors.New("FWSS reports no epochs per month")
	}
	return p, nil
}

// dataSet mirrors the StateView's DataSetInfoView.
type dataSet struct {
	PdpRailId       *big.Int       `abi:"pdpRailId"`
	CacheMissRailId *big.Int       `abi:"cacheMissRailId"`
	CdnRailId       *big.Int       `abi:"cdnRailId"`
	Payer           common.Address `abi:"payer"`
	Payee           common.Address `abi:"payee"`
	ServiceProvider common.Address `abi:"serviceProvider"`
	CommissionBps   *big.Int       `abi:"commissionBps"`
	ClientDataSetId *big.Int       `abi:"clientDataSetId"`
	PdpEndEpoch     *big.Int       `abi:"pdpEndEpoch"`
	ProviderId      *big.Int       `abi:"providerId"`
	DataSetId       *big.Int       `abi:"dataSetId"`
}

// pieceRoot returns a piece's ipfsRootCID metadata ("" when it has none).
func (c *chain) pieceRoot(ctx context.Context, dataSet, pieceID uint64) (string, error) {
	out, err := c.call(ctx, c.cView, "getPieceMetadata", new(big.Int).SetUint64(dataSet), new(big.Int).SetUint64(pieceID), "ipfsRootCID")
	if err != nil {
		return "", err
	}
	if !out[0].(bool) {
		return "", nil
	}
	return out[1].(string), nil
}

// dataSets returns our live data sets with sp whose metadata is exactly md
// (nil md: any metadata).
func (c *chain) dataSets(ctx context.Context, sp common.Address, md map[string]string) ([]dataSet, error) {
	out, err := c.call(ctx, c.cView, "getClientDataSets", c.me)
	if err != nil {
		return nil, err
	}
	var all []dataSet
	convert(out[0], &all)
	var match []dataSet
	for _, ds := range all {
		if ds.ServiceProvider != sp || ds.PdpEndEpoch != nil && ds.PdpEndEpoch.Sign() != 0 || ds.DataSetId == nil {
			continue
		}
		if md == nil {
			match = append(match, ds)
			continue
		}
		kv, err := c.call(ctx, c.cView, "getAllDataSetMetadata", ds.DataSetId)
		if err != nil {
			return nil, err
		}
		keys, vals := kv[0].([]string), kv[1].([]string)
		if len(keys) != len(md) || len(vals) != len(keys) {
			continue
		}
		same := true
		for i, k := range keys {
			same = same && md[k] == vals[i]
		}
		if same {
			match = append(match, ds)
		}
	}
	return match, nil
}

// account is our FilecoinPay account and FWSS's approval as our operator.
type account struct {
	Wallet, Funds, LockupCurrent, LockupRate          *big.Int
	Approved                                          bool
	RateAllowance, LockupAllowance, RateUsage, LockUp *big.Int
	MaxLockupPeriod                                   *big.Int
}

func (c *chain) account(ctx context.Context) (account, error) {
	var a account
	bal, err := c.call(ctx, c.cUSDFC, "balanceOf", c.me)
	if err != nil {
		return a, err
	}
	acc, err := c.call(ctx, c.cPay, "accounts", c.usdfc, c.me)
	if err != nil {
		return a, err
	}
	ap, err := c.call(ctx, c.cPay, "operatorApprovals", c.usdfc, c.me, c.fwss)
	if err != nil {
		return a, err
	}
	a.Wallet = bal[0].(*big.Int)
	a.Funds, a.LockupCurrent, a.LockupRate = acc[0].(*big.Int), acc[1].(*big.Int), acc[2].(*big.Int)
	a.Approved = ap[0].(bool)
	a.RateAllowance, a.LockupAllowance, a.RateUsage, a.LockUp, a.MaxLockupPeriod = ap[1].(*big.Int), ap[2].(*big.Int), ap[3].(*big.Int), ap[4].(*big.Int), ap[5].(*big.Int)
	return a, nil
}

// transact sends method on bc and waits for it to succeed.
func (c *chain) transact(ctx context.Context, bc *bind.BoundContract, method string, args ...any) (common.Hash, error) {
	opts := bind.NewKeyedTransactor(c.key, c.chainID)
	opts.Context = ctx
	tx, err := bc.Transact(opts, method, args...)
	if err != nil {
		return common.Hash{}, fmt.Errorf("failed to send %s: %w", method, err)
	}
	r, err := bind.WaitMined(ctx, c.b, tx.Hash())
	if err != nil {
		return tx.Hash(), fmt.Errorf("waiting for %s (%s): %w", method, tx.Hash(), err)
	}
	if r.Status != 1 {
		return tx.Hash(), fmt.Errorf("%s transaction %s reverted", method, tx.Hash())
	}
	return tx.Hash(), nil
}

// EIP-712 types of FilecoinWarmStorageService (synapse-core
// typed-data/type-definitions.ts; Curio pdp/auth.go for PieceUploadAuth).
var eip712Types = apitypes.Types{
	"EIP712Domain":  {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}, {Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
	"MetadataEntry": {{Name: "key", Type: "string"}, {Name: "value", Type: "string"}},
	"CreateDataSet": {{Name: "clientDataSetId", Type: "uint256"}, {Name: "payee", Type: "address"}, {Name: "metadata", Type: "MetadataEntry[]"}},
	"Cid":           {{Name: "data", Type: "bytes"}},
	"PieceMetadata": {{Name: "pieceIndex", Type: "uint256"}, {Name: "metadata", Type: "MetadataEntry[]"}},
	"AddPieces": {{Name: "clientDataSetId", Type: "uint256"}, {Name: "nonce", Type: "uint256"},
		{Name: "pieceData", Type: "Cid[]"}, {Name: "pieceMetadata", Type: "PieceMetadata[]"}},
	"PieceUploadAuth": {{Name: "dataSetId", Type: "uint256"}, {Name: "nonce", Type: "uint256"}, {Name: "expiry", Type: "uint256"}},
}

// Metadata is an ordered list of key/value pairs.
type Metadata [][2]string

func (m Metadata) entries() []any {
	out := make([]any, len(m))
	for i, kv := range m {
		out[i] = map[string]any{"key": kv[0], "value": kv[1]}
	}
	return out
}

func (m Metadata) split() ([]string, []string) {
	k, v := make([]string, len(m)), make([]string, len(m))
	for i, kv := range m {
		k[i], v[i] = kv[0], kv[1]
	}
	return k, v
}

// Signer signs FWSS's EIP-712 messages.
type Signer struct {
	Key     *ecdsa.PrivateKey
	ChainID uint64
	FWSS    common.Address
}

// Digest returns the EIP-712 digest of message as primary.
func (s Signer) Digest(primary string, message apitypes.TypedDataMessage) ([]byte, error) {
	chainID := math.HexOrDecimal256(*new(big.Int).SetUint64(s.ChainID))
	td := apitypes.TypedData{Types: eip712Types, PrimaryType: primary, Message: message,
		Domain: apitypes.TypedDataDomain{Name: "FilecoinWarmStorageService", Version: "1", ChainId: &chainID, VerifyingContract: s.FWSS.Hex()}}
	h, _, err := apitypes.TypedDataAndHash(td)
	return h, err
}

func (s Signer) sign(primary string, message apitypes.TypedDataMessage) ([]byte, error) {
	h, err := s.Digest(primary, message)
	if err != nil {
		return nil, err
	}
	sig, err := crypto.Sign(h, s.Key)
	if err != nil {
		return nil, err
	}
	sig[64] += 27
	return sig, nil
}

var (
	tAddress, _     = abi.NewType("address", "", nil)
	tUint, _        = abi.NewType("uint256", "", nil)
	tStrings, _     = abi.NewType("string[]", "", nil)
	tStringsList, _ = abi.NewType("string[][]", "", nil)
	tBytes, _       = abi.NewType("bytes", "", nil)
)

// CreateDataSetExtra returns the extraData of a data set creation:
// abi.encode(payer, clientDataSetId, keys, values, signature).
func (s Signer) CreateDataSetExtra(clientDataSetID *big.Int, payee common.Address, md Metadata) ([]byte, error) {
	sig, err := s.sign("CreateDataSet", apitypes.TypedDataMessage{"clientDataSetId": clientDataSetID, "payee": payee.Hex(), "metadata": md.entries()})
	if err != nil {
		return nil, err
	}
	k, v := md.split()
	args := abi.Arguments{{Type: tAddress}, {Type: tUint}, {Type: tStrings}, {Type: tStrings}, {Type: tBytes}}
	return args.Pack(crypto.PubkeyToAddress(s.Key.PublicKey), clientDataSetID, k, v, sig)
}

// AddPiecesExtra returns the extraData of a piece addition:
// abi.encode(nonce, keys[][], values[][], signature); pieces are the piece
// CIDs' bytes, md each piece's metadata.
func (s Signer) AddPiecesExtra(clientDataSetID, nonce *big.Int, pieces [][]byte, md []Metadata) ([]byte, error) {
	cids := make([]any, len(pieces))
	pm := make([]any, len(pieces))
	keys, vals := make([][]string, len(pieces)), make([][]string, len(pieces))
	for i, p := range pieces {
		cids[i] = map[string]any{"data": p}
		pm[i] = map[string]any{"pieceIndex": big.NewInt(int64(i)), "metadata": md[i].entries()}
		keys[i], vals[i] = md[i].split()
	}
	sig, err := s.sign("AddPieces", apitypes.TypedDataMessage{"clientDataSetId": clientDataSetID, "nonce": nonce, "pieceData": cids, "pieceMetadata": pm})
	if err != nil {
		return nil, err
	}
	args := abi.Arguments{{Type: tUint}, {Type: tStringsList}, {Type: tStringsList}, {Type: tBytes}}
	return args.Pack(nonce, keys, vals, sig)
}

// UploadAuth returns Curio's X-PDP-Upload-Auth header value:
// dataSetId.nonce.expiry.0xsignature, EIP-712 PieceUploadAuth.
func (s Signer) UploadAuth(dataSetID uint64, nonce *big.Int, expiry int64) (string, error) {
	sig, err := s.sign("PieceUploadAuth", apitypes.TypedDataMessage{"dataSetId": new(big.Int).SetUint64(dataSetID), "nonce": nonce, "expiry": big.NewInt(expiry)})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%s.%d.0x%x", dataSetID, nonce, expiry, sig), nil
}
