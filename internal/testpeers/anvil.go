package testpeers

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// anvilKeys are the private keys of anvil's ten default accounts, the
// well-known test mnemonic. They hold test ether on a throw-away local chain
// and must never be used anywhere else.
var anvilKeys = []string{
	"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	"5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
	"7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
	"47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
}

// AnvilChainID is the chain id anvil reports by default.
const AnvilChainID = 31337

// Anvil is a running anvil node on loopback.
type Anvil struct {
	URL    string // http://127.0.0.1:<port>
	Client *ethclient.Client
	RPC    *rpc.Client
	stop   func()
}

// NPMDir returns the node_modules folder with the npm peers (DAPP_PUBLISH_NPM).
func NPMDir(t testing.TB) string {
	t.Helper()
	return Path(t, "DAPP_PUBLISH_NPM")
}

// StartAnvil starts `anvil --host 127.0.0.1` on a free port, waits until it
// answers eth_chainId, and stops it by process id when the test ends.
func StartAnvil(t testing.TB) *Anvil {
	t.Helper()
	bin := filepath.Join(NPMDir(t), "@foundry-rs/anvil-linux-amd64/bin/anvil")
	port := FreePort(t)
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--silent")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting anvil: %v", err)
	}
	a := &Anvil{URL: fmt.Sprintf("http://127.0.0.1:%d", port), stop: stopOnCleanup(t, cmd)}
	var err error
	if a.RPC, err = rpc.Dial(a.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.RPC.Close)
	a.Client = ethclient.NewClient(a.RPC)
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := a.Client.ChainID(ctx)
		cancel()
		if err == nil {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("anvil not ready after 15s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the node now (tests of an unreachable RPC). Safe to call twice.
func (a *Anvil) Stop() { a.stop() }

// Key returns the private key of anvil's default account i (0..4).
func (a *Anvil) Key(t testing.TB, i int) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.HexToECDSA(anvilKeys[i])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// KeyHex returns the hex private key of default account i, for tests that
// pass it the way users do (environment variable or key file).
func (a *Anvil) KeyHex(i int) string { return anvilKeys[i] }

// Address returns the address of default account i.
func (a *Anvil) Address(t testing.TB, i int) common.Address {
	return crypto.PubkeyToAddress(a.Key(t, i).PublicKey)
}

// Mine asks anvil to mine n empty blocks.
func (a *Anvil) Mine(t testing.TB, n int) {
	t.Helper()
	if err := a.RPC.Call(nil, "anvil_mine", fmt.Sprintf("0x%x", n)); err != nil {
		t.Fatalf("anvil_mine: %v", err)
	}
}

// Transact sends a transaction from key to `to` (nil: contract creation) with
// data, waits for its receipt and fails the test unless it succeeded.
func (a *Anvil) Transact(t testing.TB, key *ecdsa.PrivateKey, to *common.Address, data []byte) *types.Receipt {
	t.Helper()
	r, err := a.TryTransact(key, to, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TryTransact is Transact returning the error; a reverted transaction is an error.
func (a *Anvil) TryTransact(key *ecdsa.PrivateKey, to *common.Address, data []byte) (*types.Receipt, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := a.Client.PendingNonceAt(ctx, from)
	if err != nil {
		return nil, err
	}
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID: big.NewInt(AnvilChainID), Nonce: nonce, To: to, Data: data,
		Gas: 15_000_000, GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9),
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(big.NewInt(AnvilChainID)), key)
	if err != nil {
		return nil, err
	}
	if err := a.Client.SendTransaction(ctx, signed); err != nil {
		return nil, fmt.Errorf("sending transaction: %w", err)
	}
	return a.waitReceipt(ctx, signed.Hash())
}

func (a *Anvil) waitReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	for {
		r, err := a.Client.TransactionReceipt(ctx, h)
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				return r, fmt.Errorf("transaction %s reverted", h.Hex())
			}
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for receipt of %s: %w", h.Hex(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
