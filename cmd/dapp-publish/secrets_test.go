package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/ens/enstest"
	"github.com/dapp-publish/dapp-publish/internal/fakes/faults"
	fakegh "github.com/dapp-publish/dapp-publish/internal/fakes/github"
	"github.com/dapp-publish/dapp-publish/internal/fakes/lighthouse"
	"github.com/dapp-publish/dapp-publish/internal/fakes/pinata"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
	"github.com/ethereum/go-ethereum/common"
)

// Sentinel secrets, one per channel a secret can come in by. Each is long
// enough to be a real credential; the test looks for each, and for every
// encoding it is sent in, in everything the runs leave.
const (
	sentPinataJWT = "SENTINEL-env-token-Pinata-J1W2T3"    // env token (Bearer)
	sentBasicPass = "SENTINEL-token-file-basic-pw-4x5y6z" // token_file, user:password (Basic)
	sentGateway   = "SENTINEL-endpoint-query-G7H8I9"      // ${VAR} in a provider gateway URL's query
	sentUserinfo  = "SENTINEL-endpoint-userinfo-K1L2M3"   // ${VAR} in an endpoint's user info
	sentRPCPath   = "SENTINELrpcPath0123456789abcdef"     // key in the RPC URL's path
	sentRPCQuery  = "SENTINEL-rpc-query-apikey-N4O5P6"    // key in the RPC URL's query
	sentGWUser    = "SENTINEL-gateway-userinfo-Q7R8S9"    // password in a --gateway URL
	sentSafeKey   = "SENTINEL-safe-api-key-T1U2V3"        // $DAPP_PUBLISH_SAFE_API_KEY
	sentRPCEnvKey = "SENTINELrpcEnvPath9876543210fedcba"  // key in ETH_RPC_URL, used through the config
	sentBadToken  = "SENTINEL-rejected-token-W4X5Y6"      // a token the holder refuses and echoes
	sentLHToken   = "SENTINEL-lighthouse-api-key-Z7A8B9"  // a lighthouse token, echoed back
	sentFocRPC    = "SENTINELfocRpcPath13579bdf02468ace"  // key in the filecoin entry's RPC URL
	sentGitHub    = "ghs_SENTINELgithubToken24680ace"     // $GITHUB_TOKEN, echoed back by GitHub
)

// TestSecretsNeverLeak runs every command of the real binary with a
// sentinel in every secret channel (env tokens, token files, key files,
// endpoint user info and query, RPC URL path and query, Basic auth, a
// gateway's user info, the Safe API key), against holders that echo back
// what they were sent, with and without GITHUB_ACTIONS=true and with and
// without --json. Then every byte of stdout, stderr, $GITHUB_OUTPUT,
// $GITHUB_STEP_SUMMARY and every file the runs wrote is searched for each
// sentinel and its encodings (base64 at every alignment, as Basic auth
// sends user:password; URL and JSON escaping). The ENS key (a key file and
// the environment) is a sentinel too, and so is the Filecoin wallet's key
// (a key_file): publish, its dry run, rollback and history run with every
// provider type that takes a secret, filecoin and lighthouse included, and
// the Records they save are searched like every other file.
func TestSecretsNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Kubo and anvil")
	}
	w := newSecretWorld(t)
	for _, gha := range []bool{false, true} {
		for _, js := range []bool{false, true} {
			t.Run(fmt.Sprintf("gha=%v,json=%v", gha, js), func(t *testing.T) {
				w.runAll(t, gha, js)
			})
		}
	}
}

// secretWorld is the peers and fakes the runs talk to, and the files they
// read.
type secretWorld struct {
	work     string // working folder of every run
	env      []string
	sentinel []string // every secret value, the ENS key included
	ensKey   string
	focKey   string   // the filecoin wallet's key (key_file)
	arParts  []string // the Arweave wallet's private JWK parts (wallet: ${AR_WALLET})
	cid      string
	rpc      string // the RPC URL with a key in its path and query
	deadRPC  string // the same shape, nothing listening
	gateway  string // the Kubo gateway with a password in its user info
	safeSvc  string // a Safe service that echoes what it got
	safe     common.Address
	registry string
	inputs   map[string]bool // files the test wrote (they hold secrets by design)
	ghEnv    []string        // GitHub Actions: the token, an API that echoes it, a pull request
}

func newSecretWorld(t *testing.T) *secretWorld {
	k := testpeers.StartKubo(t)
	a := testpeers.StartAnvil(t)
	e := testpeers.DeployENS(t, a)
	e.Register(t, "app.eth", e.Resolver, a.Address(t, 1))
	w := &secretWorld{work: t.TempDir(), ensKey: a.KeyHex(1), focKey: a.KeyHex(4), inputs: map[string]bool{}}
	var jwk map[string]any
	json.Unmarshal(artxtest.JWK(0), &jwk)
	for _, k := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		w.arParts = append(w.arParts, jwk[k].(string))
	}
	w.sentinel = append([]string{sentPinataJWT, sentBasicPass, sentGateway, sentUserinfo, sentRPCPath, sentRPCQuery, sentGWUser, sentSafeKey, sentRPCEnvKey, sentBadToken,
		sentLHToken, sentFocRPC, sentGitHub, w.ensKey, w.focKey}, w.arParts...)

	// A Safe-owned name: the Safe address owns it in the registry (enough
	// for the checks before the service is asked).
	w.safe = a.Address(t, 3)
	w.registry = e.Registry.Hex()
	e.Register(t, "safe.eth", e.Resolver, w.safe)

	// The RPC, reached through a path and query that hold keys; a proxy
	// strips them on the way to anvil, as a hosted RPC would read them.
	rpcProxy := httptest.NewServer(stripPath(a.URL))
	t.Cleanup(rpcProxy.Close)
	w.rpc = rpcProxy.URL + "/v3/" + sentRPCPath + "?apikey=" + sentRPCQuery
	w.deadRPC = fmt.Sprintf("http://127.0.0.1:%d/v3/%s?apikey=%s", testpeers.FreePort(t), sentRPCPath, sentRPCQuery)
	u, _ := url.Parse(k.Gateway)
	w.gateway = "http://gw-user:" + sentGWUser + "@" + u.Host

	// Holders: a Kubo behind a proxy that refuses every call and echoes
	// the URL and the Basic auth header; the real Kubo with a secret in its
	// gateway URL; the Pinata fake, which takes the sentinel JWT; and one
	// that refuses a token and echoes it.
	echo := faults.New(t, k.API)
	echo.Add("/", 1<<20, faults.Echo(http.StatusUnauthorized))
	pn := pinata.Start(t, sentPinataJWT)
	refuse := faults.New(t, pn.URL)
	refuse.Add("/", 1<<20, faults.Echo(http.StatusUnauthorized))
	safeEcho := faults.New(t, enstest.NewSafeService(t, big.NewInt(testpeers.AnvilChainID)).URL)
	safeEcho.Add("/", 1<<20, faults.Echo(http.StatusUnauthorized))
	w.safeSvc = safeEcho.URL
	// GitHub's API behind a proxy that refuses and echoes the token, for a
	// pull request: publish reports to it, and quotes the refusal.
	ghEcho := faults.New(t, fakegh.Start(t, "acme/dapp", sentGitHub).URL)
	ghEcho.Add("/", 1<<20, faults.Echo(http.StatusUnauthorized))
	w.write(t, "event.json", prEvent(1, "acme/dapp"), false)
	w.ghEnv = []string{"GITHUB_TOKEN=" + sentGitHub, "GITHUB_API_URL=" + ghEcho.URL, "GITHUB_REPOSITORY=acme/dapp",
		"GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH=" + filepath.Join(w.work, "event.json")}
	// Lighthouse behind a proxy that refuses and echoes the Bearer token.
	lhEcho := faults.New(t, lighthouse.New(t, sentLHToken).URL)
	lhEcho.Add("/", 1<<20, faults.Echo(http.StatusUnauthorized))
	// An Arweave gateway that refuses and echoes whatever it was sent.
	arEcho := faults.New(t, pn.URL)
	arEcho.Add("/", 1<<20, faults.Echo(http.StatusUnauthorized))

	w.write(t, "basic.pass", "admin:"+sentBasicPass+"\n", true)
	w.write(t, "ens.key", "0x"+w.ensKey+"\n", true)
	w.write(t, "dapp-publish.yaml", fmt.Sprintf(`providers:
  - {name: echoing-node, type: kubo, endpoint: %q, auth: basic, token_file: basic.pass, retries: 0}
  - {name: own-node, type: kubo, endpoint: %q, gateway: "http://127.0.0.1:8080/?token=${GW_TOKEN}"}
  - {name: pinata, type: pinata, endpoint: %q, token: "${PINATA_JWT}"}
  - {name: refusing, type: pinata, endpoint: %q, token: "${BAD_TOKEN}", retries: 0}
ens: {rpc: "${ETH_RPC_URL}", registry: %q}
`, echo.URL, k.API, pn.URL, refuse.URL, e.Registry.Hex()), false)
	// publish, rollback and history: holders of every kind that takes a
	// secret, a Filecoin wallet whose RPC URL holds a key (the chain has no
	// FWSS at that address: the holder fails, quoting what it can), and the
	// ENS key from ens.key_file. own-node's real gateway makes the quorum.
	w.write(t, "foc.key", "0x"+w.focKey+"\n", true)
	w.write(t, "publish.yaml", fmt.Sprintf(`site: site
providers:
  - {name: echoing-node, type: kubo, endpoint: %q, auth: basic, token_file: basic.pass, retries: 0}
  - {name: own-node, type: kubo, endpoint: %q, gateway: %q}
  - {name: query-node, type: kubo, endpoint: %q, gateway: "http://127.0.0.1:8080/?token=${GW_TOKEN}"}
  - {name: pinata, type: pinata, endpoint: %q, token: "${PINATA_JWT}"}
  - {name: refusing, type: pinata, endpoint: %q, token: "${BAD_TOKEN}", retries: 0}
  - {name: lh, type: lighthouse, endpoint: %q, api: %q, token: "${LH_TOKEN}", retries: 0}
  - name: foc
    type: filecoin
    endpoint: "${FOC_RPC}"
    network: custom
    fwss: "0x00000000000000000000000000000000000000f5"
    chain_id: %d
    key_file: foc.key
    max_per_run: "1"
    retries: 0
  - {name: perma, type: arweave, gateway: %q, wallet: "${AR_WALLET}", retries: 0}
quorum: {ipfs: 1, filecoin: 0, arweave: 0}
ens: {name: app.eth, rpc: "${ETH_RPC_URL}", registry: %q, chain_id: %d, confirmations: 1, key_file: ens.key}
`, echo.URL, k.API, k.Gateway, k.API, pn.URL, refuse.URL, lhEcho.URL, lhEcho.URL, testpeers.AnvilChainID, arEcho.URL, e.Registry.Hex(), testpeers.AnvilChainID), false)
	w.write(t, "userinfo.yaml", `providers:
  - {name: n, type: kubo, endpoint: "http://admin:${USERINFO_PASS}@127.0.0.1:5001"}
`, false)
	w.write(t, "devzero.yaml", "providers:\n  - {name: n, type: kubo, endpoint: \"http://127.0.0.1:5001\", token_file: /dev/zero}\n", false)
	os.MkdirAll(filepath.Join(w.work, "site/assets"), 0o755)
	os.MkdirAll(filepath.Join(w.work, "out"), 0o755)
	w.write(t, "site/index.html", `<!doctype html><title>s</title><script type="module" src="./assets/app.js"></script>`, false)
	w.write(t, "site/assets/app.js", "console.log(1)\n", false)
	w.write(t, "site/404.html", "<!doctype html>", false)

	rpcEnv := strings.Replace(w.rpc, sentRPCPath, sentRPCEnvKey, 1)
	w.env = []string{
		"PINATA_JWT=" + sentPinataJWT, "GW_TOKEN=" + sentGateway, "USERINFO_PASS=" + sentUserinfo,
		"BAD_TOKEN=" + sentBadToken, "DAPP_PUBLISH_SAFE_API_KEY=" + sentSafeKey,
		"ETH_RPC_URL=" + rpcEnv, "LH_TOKEN=" + sentLHToken,
		"FOC_RPC=" + rpcProxy.URL + "/rpc/" + sentFocRPC + "?token=" + sentFocRPC,
		"AR_WALLET=" + string(artxtest.JWK(0)),
	}
	// The proxy strips any path, so the config's RPC reaches anvil too.
	return w
}

func (w *secretWorld) write(t *testing.T, name, content string, secret bool) {
	t.Helper()
	p := filepath.Join(w.work, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	w.inputs[p] = secret
}

// stripPath forwards JSON-RPC to upstream whatever the path and query.
func stripPath(upstream string) http.Handler {
	u, _ := url.Parse(upstream)
	rp := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.URL.Path, r.URL.RawQuery = "/", ""
		rp.ServeHTTP(rw, r)
	})
}

// run is one command of a runAll pass.
type secretRun struct {
	args   []string
	env    []string
	json   bool // takes --json
	expect string
	serve  bool
	// masks must each be masked (::add-mask::, on stderr) in GitHub
	// Actions: the secrets this command reads.
	masks []string
}

func (w *secretWorld) commands() []secretRun {
	keyEnv := "DAPP_PUBLISH_ENS_KEY=" + w.ensKey
	cid := "bafkqaaa"
	if w.cid != "" {
		cid = w.cid
	}
	return []secretRun{
		{args: []string{"pack", "site", "-o", "out/site.car"}, json: true},
		{args: []string{"lint", "site"}, json: true},
		{args: []string{"inspect", "out/site.car"}, json: true},
		{args: []string{"diff", "site", "out/site.car"}, json: true},
		// echoing-node and refusing fail with what they echoed; own-node
		// and pinata store it.
		{args: []string{"pin", "out/site.car"}, json: true, expect: "[REDACTED]"},
		{args: []string{"pin", "site", "--provider", "own-node"}, json: true, expect: "http://127.0.0.1:8080/?token=[REDACTED]/ipfs/"},
		{args: []string{"pin", "out/site.car", "--config", "userinfo.yaml"}, json: true, expect: "holds credentials"},
		{args: []string{"pin", "out/site.car", "--config", "devzero.yaml"}, json: true, expect: "not a regular file"},
		{args: []string{"verify", cid, "--gateway", w.gateway}, json: true, expect: "[REDACTED]"},
		{args: []string{"verify", "app.eth", "--rpc", w.rpc, "--gateway", w.gateway}, json: true},
		{args: []string{"ens", "get", "app.eth", "--rpc", w.rpc}, json: true},
		{args: []string{"ens", "get", "app.eth"}, json: true}, // ETH_RPC_URL through the config
		{args: []string{"ens", "get", "app.eth", "--rpc", w.deadRPC}, json: true, expect: "/v3/REDACTED?apikey=REDACTED"},
		{args: []string{"ens", "history", "app.eth", "--rpc", w.rpc}, json: true},
		{args: []string{"ens", "set", "app.eth", cid, "--chain-id", "31337", "--rpc", w.rpc, "--key-file", "ens.key"}, json: true},
		{args: []string{"ens", "set", "app.eth", "ipfs://" + cid, "--chain-id", "31337", "--rpc", w.rpc}, env: []string{keyEnv}, json: true},
		{args: []string{"ens", "set", "app.eth", "ar://ys32Pt8uC7TrVxHdOLByOspfPEq2LO63wREHQIM9SJQ", "--chain-id", "31337", "--rpc", w.rpc, "--via", "calldata", "--out", "calldata"}, json: true},
		{args: []string{"ens", "set", "safe.eth", cid, "--chain-id", "31337", "--rpc", w.rpc, "--via", "safe", "--safe", w.safe.Hex(), "--safe-service", w.safeSvc}, env: []string{keyEnv}, json: true, expect: "[REDACTED]"},
		{args: []string{"serve", cid, "--gateway", w.gateway, "--rpc", w.rpc, "--listen", "127.0.0.1:0"}, serve: true},
		// The echoing holders fail with what they echoed; own-node makes the
		// quorum; the name is set with the key from ens.key_file.
		{args: []string{"publish", "--config", "publish.yaml", "--dry-run"}, json: true, expect: "FilecoinWarmStorageService viewContractAddress"},
		{args: []string{"publish", "--config", "publish.yaml"}, json: true, expect: "rejected the token from LH_TOKEN",
			// token_file (and its password), ${VAR} tokens, the filecoin
			// key_file, the ENS key_file, the Arweave wallet's private
			// parts and GITHUB_TOKEN, in the spellings they have.
			masks: append([]string{"admin:" + sentBasicPass, sentBasicPass, sentLHToken, sentPinataJWT, "0x" + w.focKey, w.focKey, "0x" + w.ensKey, w.ensKey, sentGitHub}, w.arParts...)},
		{args: []string{"rollback", "app.eth", "--config", "publish.yaml", "--to", cid}, json: true, expect: "[REDACTED]"},
		{args: []string{"history", "app.eth", "--config", "publish.yaml"}, json: true},
		{args: []string{"history", "app.eth", "--rpc", w.rpc, "--registry", w.registry}, json: true},
	}
}

func (w *secretWorld) runAll(t *testing.T, gha, js bool) {
	ghDir := t.TempDir()
	var leftovers []string
	cmds := w.commands()
	for i := 0; i < len(cmds); i++ {
		r := cmds[i]
		args := r.args
		if js && r.json {
			args = append(args, "--json")
		}
		env := append(append([]string{}, w.env...), r.env...)
		if gha {
			env = append(env, "GITHUB_ACTIONS=true",
				"GITHUB_OUTPUT="+filepath.Join(ghDir, "output"), "GITHUB_STEP_SUMMARY="+filepath.Join(ghDir, "summary"))
			env = append(env, w.ghEnv...)
		}
		var res binResult
		if r.serve {
			res = w.serveOnce(t, env, args)
		} else {
			res = w.run(t, env, args)
		}
		if i == 0 && res.code != 0 {
			t.Fatalf("pack failed:\n%s%s", res.stdout, res.stderr)
		}
		if i == 0 && w.cid == "" {
			w.cid = rootCID(res.stdout)
			cmds = w.commands() // with the CID
		}
		what := fmt.Sprintf("dapp-publish %s (exit %d)", strings.Join(args, " "), res.code)
		t.Log(what)
		w.check(t, what+" stdout", res.stdout)
		w.check(t, what+" stderr", withoutMasks(res.stderr))
		if r.expect != "" && !strings.Contains(res.stdout+res.stderr, r.expect) {
			t.Errorf("%s: output lacks %q, so the channel was not exercised:\n%s%s", what, r.expect, res.stdout, res.stderr)
		}
		if strings.Contains(res.stdout, "::add-mask::") {
			t.Errorf("%s: a mask command on stdout", what)
		}
		for _, m := range r.masks {
			if gha && !strings.Contains(res.stderr, "::add-mask::"+m+"\n") {
				t.Errorf("%s: %.12s... is not masked", what, m)
			}
		}
		if gha && len(r.masks) > 0 {
			masksFirst(t, what, res.stderr, r.masks...) // before anything else is printed
		}
		if gha && res.code != 0 && !strings.Contains(res.stderr, "::error") {
			t.Errorf("%s: no error annotation in GitHub Actions", what)
		}
		leftovers = append(leftovers, res.stdout+res.stderr)
	}
	if w.cid == "" {
		t.Fatal("pack gave no CID")
	}
	// Every file the runs wrote, and the GitHub Actions files.
	for _, dir := range []string{w.work, ghDir} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || w.inputs[p] {
				return nil
			}
			data, err := os.ReadFile(p)
			if err == nil {
				w.check(t, "file "+p, string(data))
			}
			return nil
		})
	}
	if gha {
		summary, _ := os.ReadFile(filepath.Join(ghDir, "summary"))
		if len(summary) == 0 {
			t.Error("no job summary was written")
		}
		if all := strings.Join(leftovers, ""); !strings.Contains(all, "::add-mask::") {
			t.Error("no secret was masked in GitHub Actions")
		}
	}
}

func (w *secretWorld) run(t *testing.T, env, args []string) binResult {
	t.Helper()
	return runBinaryOpts(t, w.work, 90*time.Second, env, args...)
}

// serveOnce starts serve, fetches the site through it, and stops it with
// SIGINT.
func (w *secretWorld) serveOnce(t *testing.T, env, args []string) binResult {
	t.Helper()
	bin, _ := exec.LookPath("dapp-publish")
	cmd := exec.Command(bin, args...)
	cmd.Dir = w.work
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + w.work, "NO_COLOR=1"}, env...)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := ""
	for deadline := time.Now().Add(30 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
	}
	if addr != "" {
		if resp, err := http.Get(addr + "/ipfs/" + w.cid + "/"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	} else {
		t.Errorf("serve did not start:\n%s%s", out.String(), errb.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Error("serve did not stop on SIGINT")
	}
	return binResult{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
}

// withoutMasks drops the ::add-mask:: lines of stderr: the runner takes
// them in and never shows them (it logs "::add-mask::***"); they are the
// one place a secret must be written.
func withoutMasks(s string) string {
	var keep []string
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(line, "::add-mask::") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "")
}

// check fails the test if text holds a sentinel in any encoding.
func (w *secretWorld) check(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range w.sentinel {
		for _, form := range sentForms(s) {
			if strings.Contains(text, form) {
				t.Errorf("%s holds %q (a form of the secret %q):\n%s", where, form, s, excerpt(text, form))
			}
		}
	}
}

// sentForms are the forms a secret takes when it is sent or echoed: as
// is, URL-escaped, JSON-escaped, upper case (hex keys), and base64 in both
// alphabets at each of the three byte alignments it can have inside a
// longer encoded text ("admin:" + password in Basic auth), cut to the
// characters that encode the secret alone.
func sentForms(s string) []string {
	js, _ := json.Marshal(s)
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s), strings.Trim(string(js), `"`), strings.ToUpper(s)}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for shift := 0; shift < 3; shift++ {
			data := append(bytes.Repeat([]byte{'u'}, shift), s...)
			e := enc.EncodeToString(data)
			start := 0
			if shift > 0 {
				start = 4
			}
			end := len(data) / 3 * 4
			if end-start >= 12 {
				forms = append(forms, e[end-12:end]) // the end: sentinels share their start
			}
		}
	}
	return forms
}

func excerpt(text, form string) string {
	i := strings.Index(text, form)
	lo, hi := max(0, i-200), min(len(text), i+len(form)+200)
	return text[lo:hi]
}

func rootCID(packOut string) string {
	if m := regexp.MustCompile(`(?m)^root +(\S+)`).FindStringSubmatch(packOut); m != nil {
		return m[1]
	}
	if m := regexp.MustCompile(`"cid": "([^"]+)"`).FindStringSubmatch(packOut); m != nil {
		return m[1]
	}
	return ""
}
