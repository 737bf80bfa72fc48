package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/ethereum/go-ethereum/common"
)

// binResult is what a run of the real binary left.
type binResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// runBinary runs the dapp-publish binary (this test binary, which
// testscript.Main put in $PATH under that name) with env added to a clean
// environment, and fails the test if it runs longer than limit.
func runBinary(t *testing.T, limit time.Duration, env []string, args ...string) binResult {
	t.Helper()
	return runBinaryOpts(t, t.TempDir(), limit, env, args...)
}

// runBinaryOpts is runBinary in the folder dir.
func runBinaryOpts(t *testing.T, dir string, limit time.Duration, env []string, args ...string) binResult {
	t.Helper()
	bin, err := exec.LookPath("dapp-publish")
	if err != nil {
		t.Fatalf("the dapp-publish binary is not in $PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}, env...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	r := binResult{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("dapp-publish %s still running after %s; it hangs\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), limit, r.stdout, r.stderr)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// ensSetArgs is ens set of app.eth against the test chain.
func (c *ensCLI) setArgs(value string, extra ...string) []string {
	return append([]string{"ens", "set", "app.eth", value, "--chain-id", "31337", "--rpc", c.anvil.URL, "--registry", c.ens.Registry.Hex()}, extra...)
}

func (c *ensCLI) contenthash(t *testing.T) string {
	t.Helper()
	cl := ens.NewClient(c.anvil.Client, c.ens.Registry)
	cl.NameWrapper = common.Address{}
	_, content, err := cl.Get(context.Background(), "app.eth")
	if err != nil {
		t.Fatal(err)
	}
	return content.String()
}

func (c *ensCLI) automine(t *testing.T, on bool) {
	t.Helper()
	if err := c.anvil.RPC.Call(nil, "evm_setAutomine", on); err != nil {
		t.Fatalf("evm_setAutomine: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// txHashRE finds the hash on the "transaction 0x... sent" line (the key,
// which has the same shape, is on mask lines in GitHub Actions).
var txHashRE = regexp.MustCompile(`transaction (0x[0-9a-f]{64}) sent`)

// TestENSSetReturnsPromptlyOnADevChain: anvil mines each transaction at
// once and then makes no block; a dev chain needs no confirmation beyond
// the receipt's block, so ens set ends at once, with the record set.
func TestENSSetReturnsPromptlyOnADevChain(t *testing.T) {
	c := newENSCLI(t)
	env := []string{envENSKey + "=" + c.anvil.KeyHex(1)}
	r := runBinary(t, 60*time.Second, env, c.setArgs(ensTestCIDv0)...)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r.took > 15*time.Second {
		t.Errorf("took %s on a chain that mines instantly", r.took)
	}
	if got := c.contenthash(t); got != "ipfs://"+ensTestCIDv1 {
		t.Errorf("record = %s", got)
	}
	for _, want := range []string{"transaction 0x", "sent; waiting for it to be mined (at most 10m0s)", "mined in block", "app.eth reads back as written"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "1 confirmation(s), read back: ok") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

// TestENSSetStopsAtTheDeadline: on a chain that stops mining, ens set
// prints the hash, waits until --confirm-timeout and exits 75; a re-run
// while the transaction waits in the pool sends nothing; once it is mined,
// a re-run finds the record set.
func TestENSSetStopsAtTheDeadline(t *testing.T) {
	c := newENSCLI(t)
	env := []string{envENSKey + "=" + c.anvil.KeyHex(1)}
	c.automine(t, false)
	r := runBinary(t, 60*time.Second, env, c.setArgs(ensTestCIDv0, "--confirm-timeout", "3s")...)
	if r.code != exitPending {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitPending, r.stdout, r.stderr)
	}
	if r.took < 3*time.Second || r.took > 20*time.Second {
		t.Errorf("took %s with a 3s deadline", r.took)
	}
	hash := txHash(r.stderr)
	if hash == "" || !strings.Contains(r.stderr, "error: transaction "+hash+" was sent but not mined within 3s") || !strings.Contains(r.stderr, "hint: nothing will be sent again") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	nonce := c.nonce(t, 1)

	// The transaction still waits in the pool: a re-run sends nothing.
	r = runBinary(t, 60*time.Second, env, c.setArgs(ensTestCIDv0, "--confirm-timeout", "3s", "--json")...)
	if r.code != exitPending || !strings.Contains(r.stderr, "1 transaction(s) waiting to be mined") || !strings.Contains(r.stderr, "one of them already sets this record") {
		t.Fatalf("re-run while pending: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var pending uint64
	if err := c.anvil.RPC.Call(&pending, "eth_getTransactionCount", c.anvil.Address(t, 1), "pending"); err == nil && pending != nonce+1 {
		t.Errorf("pending nonce %d: the re-run sent a transaction", pending)
	}

	// Mined at last: the re-run finds the record set and sends nothing.
	c.anvil.Mine(t, 1)
	c.automine(t, true)
	if got := c.contenthash(t); got != "ipfs://"+ensTestCIDv1 {
		t.Fatalf("record after mining = %s", got)
	}
	r = runBinary(t, 60*time.Second, env, c.setArgs(ensTestCIDv0)...)
	if r.code != exitOK || !strings.Contains(r.stdout, "already points to") || c.nonce(t, 1) != nonce+1 {
		t.Fatalf("re-run after mining: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func txHash(stderr string) string {
	if m := txHashRE.FindStringSubmatch(stderr); m != nil {
		return m[1]
	}
	return ""
}

// TestENSSetMinedButUnconfirmed: the transaction is mined (and read back)
// but the chain then makes no block: with 3 confirmations asked, ens set
// ends at the deadline with exit 75, saying the record is already set.
func TestENSSetMinedButUnconfirmed(t *testing.T) {
	c := newENSCLI(t)
	env := []string{envENSKey + "=" + c.anvil.KeyHex(1), "GITHUB_ACTIONS=true", "GITHUB_OUTPUT=" + t.TempDir() + "/out"}
	r := runBinary(t, 60*time.Second, env, c.setArgs("ar://"+ensTestAr, "--confirmations", "3", "--confirm-timeout", "4s", "--json")...)
	if r.code != exitPending {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	hash := txHash(r.stderr)
	for _, want := range []string{"waiting for it to be mined and confirmed by 3 blocks (at most 4s)", "reads back as written", "confirmations: 1 of 3", "is in block", "1 of 3 confirmation(s) came in"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, `"status": "pending"`) || !strings.Contains(r.stdout, `"tx": "`+common.HexToHash(hash).Hex()) {
		t.Errorf("--json output:\n%s", r.stdout)
	}
	if got := c.contenthash(t); got != "ar://"+ensTestAr {
		t.Errorf("record = %s", got)
	}
}
