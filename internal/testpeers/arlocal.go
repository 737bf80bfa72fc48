package testpeers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Arlocal is a running arlocal (a local Arweave node and gateway) on loopback.
type Arlocal struct {
	URL     string // http://127.0.0.1:<port>
	modules string // node_modules holding arlocal and arweave
	stop    func()
}

// loopbackPreload makes arlocal listen on 127.0.0.1 only: it binds every
// interface by default (peers.md).
const loopbackPreload = `
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number') return listen.call(this, { port: args[0], host: '127.0.0.1' }, ...args.slice(1).filter(a => typeof a === 'function'));
  if (args[0] && typeof args[0] === 'object') args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  return listen.apply(this, args);
};
`

// StartArlocal starts arlocal 1.1.66 from the node_modules folder named by
// DAPP_PUBLISH_ARLOCAL on a free loopback port with a fresh database, and
// stops it by process id when the test ends.
func StartArlocal(t testing.TB) *Arlocal {
	t.Helper()
	modules := Path(t, "DAPP_PUBLISH_ARLOCAL")
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not installed: %v", err)
	}
	dir := t.TempDir()
	preload := filepath.Join(dir, "loopback.js")
	if err := os.WriteFile(preload, []byte(loopbackPreload), 0o644); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	cmd := exec.Command(node, "-r", preload, filepath.Join(modules, "arlocal", "bin", "index.js"), fmt.Sprint(port), "--dbpath="+filepath.Join(dir, "db"), "--hidelogs")
	cmd.Dir = dir // arlocal writes a "logs" file into its working folder
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting arlocal: %v", err)
	}
	a := &Arlocal{URL: fmt.Sprintf("http://127.0.0.1:%d", port), modules: modules, stop: stopOnCleanup(t, cmd)}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(a.URL + "/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("arlocal not ready after 60s: %v\n%s", err, out.String())
		}
	}
}

// Stop stops arlocal now. Safe to call twice.
func (a *Arlocal) Stop() { a.stop() }

// uploadScript signs and posts one transaction per file with arweave-js,
// then an arweave/paths manifest over them, mines, and prints the ids.
const uploadScript = `
const Arweave = require('arweave');
const fs = require('fs');
(async () => {
  const [url, filesJSON] = process.argv.slice(2);
  const u = new URL(url);
  const arweave = Arweave.init({ host: u.hostname, port: Number(u.port), protocol: u.protocol.replace(':', '') });
  const key = await arweave.wallets.generate();
  const addr = await arweave.wallets.jwkToAddress(key);
  await arweave.api.get('mint/' + addr + '/1000000000000000');
  const files = JSON.parse(fs.readFileSync(filesJSON));
  const paths = {};
  for (const [p, f] of Object.entries(files)) {
    const tx = await arweave.createTransaction({ data: Buffer.from(f.data, 'base64') }, key);
    tx.addTag('Content-Type', f.type);
    await arweave.transactions.sign(tx, key);
    const r = await arweave.transactions.post(tx);
    if (r.status !== 200) throw new Error('posting ' + p + ': ' + r.status + ' ' + JSON.stringify(r.data));
    paths[p] = { id: tx.id };
  }
  const manifest = { manifest: 'arweave/paths', version: '0.1.0', paths };
  if (paths['index.html']) manifest.index = { path: 'index.html' };
  const mtx = await arweave.createTransaction({ data: JSON.stringify(manifest) }, key);
  mtx.addTag('Content-Type', 'application/x.arweave-manifest+json');
  await arweave.transactions.sign(mtx, key);
  const r = await arweave.transactions.post(mtx);
  if (r.status !== 200) throw new Error('posting the manifest: ' + r.status);
  await arweave.api.get('mine');
  console.log(JSON.stringify({ manifest: mtx.id, paths }));
})().catch(e => { console.error(e); process.exit(1); });
`

// ArweaveSite is what UploadSite stored.
type ArweaveSite struct {
	Manifest string                         `json:"manifest"`
	Paths    map[string]struct{ ID string } `json:"paths"`
}

// UploadSite stores files (path -> bytes) on arlocal as one transaction per
// file plus a path manifest, signed with a fresh funded wallet, and mines.
func (a *Arlocal) UploadSite(t testing.TB, files map[string][]byte) *ArweaveSite {
	t.Helper()
	dir := t.TempDir()
	type file struct {
		Data []byte `json:"data"`
		Type string `json:"type"`
	}
	in := map[string]file{}
	for p, b := range files {
		in[p] = file{Data: b, Type: contentType(p)}
	}
	js, _ := json.Marshal(in)
	filesPath, scriptPath := filepath.Join(dir, "files.json"), filepath.Join(dir, "upload.js")
	if err := os.WriteFile(filesPath, js, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scriptPath, []byte(uploadScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", scriptPath, a.URL, filesPath)
	cmd.Env = append(os.Environ(), "NODE_PATH="+a.modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("uploading to arlocal: %v\n%s", err, stderr.String())
	}
	var site ArweaveSite
	if err := json.Unmarshal(out, &site); err != nil {
		t.Fatalf("upload script output %q: %v", out, err)
	}
	return &site
}

func contentType(p string) string {
	switch {
	case strings.HasSuffix(p, ".html"):
		return "text/html"
	case strings.HasSuffix(p, ".js"):
		return "application/javascript"
	}
	return "application/octet-stream"
}

// ArweaveJS is Node with the reference JavaScript implementations that
// arlocal depends on (arweave-js 1.15.7, arbundles), for cross-checks.
type ArweaveJS struct {
	Node    string // the node binary
	Modules string // node_modules holding arweave and arbundles
}

// NewArweaveJS finds node and the node_modules folder named by
// DAPP_PUBLISH_ARLOCAL, skipping the test (or failing it, see Require)
// when either is missing.
func NewArweaveJS(t testing.TB) *ArweaveJS {
	t.Helper()
	modules := Path(t, "DAPP_PUBLISH_ARLOCAL")
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not installed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(modules, "arweave", "package.json")); err != nil {
		missing(t, "arweave-js is not installed beside arlocal: %v (run `make peers`)", err)
	}
	return &ArweaveJS{Node: node, Modules: modules}
}

// Run runs script with node (arguments after the script's path), with the
// reference modules on NODE_PATH, and returns its standard output.
func (j *ArweaveJS) Run(t testing.TB, script string, args ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.js")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(j.Node, append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+j.Modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", filepath.Base(path), err, stderr.String())
	}
	return out
}

// get asks arlocal for path and fails the test on anything but 200.
func (a *Arlocal) get(t testing.TB, path string) {
	t.Helper()
	resp, err := http.Get(a.URL + path)
	if err != nil {
		t.Fatalf("arlocal %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("arlocal %s: %s", path, resp.Status)
	}
}

// Mint gives address winston (arlocal's GET /mint).
func (a *Arlocal) Mint(t testing.TB, address string, winston string) {
	t.Helper()
	a.get(t, "/mint/"+address+"/"+winston)
}

// Mine mines one block: pending transactions get a block and show up in
// GraphQL.
func (a *Arlocal) Mine(t testing.TB) {
	t.Helper()
	a.get(t, "/mine")
}

// AutoMine mines a block every interval until the test ends, as the
// network would.
func (a *Arlocal) AutoMine(t testing.TB, interval time.Duration) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if resp, err := http.Get(a.URL + "/mine"); err == nil {
					resp.Body.Close()
				}
			}
		}
	}()
	t.Cleanup(func() { close(done); <-stopped })
}
