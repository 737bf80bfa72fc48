package testpeers

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Cluster is a running single-peer IPFS Cluster (ipfs-cluster-service) with
// its own Kubo daemon, everything on 127.0.0.1.
type Cluster struct {
	Kubo   *Kubo  // the cluster's IPFS node (its gateway serves what the cluster pins)
	REST   string // REST API base URL (POST /add, GET /pins/<cid>)
	PinSvc string // Pinning Service API base URL (/pins)
	Proxy  string // IPFS proxy base URL
	Dir    string // the cluster's config folder
	// User and Password are the basic-auth credentials of the REST and
	// Pinning Service APIs, when ClusterOptions.BasicAuth was set.
	User, Password string
	stop           func()
}

// ClusterOptions configures StartCluster.
type ClusterOptions struct {
	// BasicAuth protects the REST and Pinning Service APIs with this user
	// and password (the password is the test's own).
	BasicAuth [2]string
}

// StartCluster starts IPFS Cluster with its own offline Kubo. IPFS Cluster
// probes NAT gateways unconditionally, so it refuses to start unless the test
// runs in a loopback-only network namespace (RequireIsolated). Everything is
// stopped by process id when the test ends.
func StartCluster(t testing.TB, opts ClusterOptions) *Cluster {
	t.Helper()
	RequireIsolated(t)
	bin := Path(t, "DAPP_PUBLISH_CLUSTER_SERVICE")
	k := StartKubo(t)
	c := &Cluster{Kubo: k, Dir: filepath.Join(t.TempDir(), "cluster"), User: opts.BasicAuth[0], Password: opts.BasicAuth[1]}
	initCmd := exec.Command(bin, "--config", c.Dir, "init", "--consensus", "crdt")
	if out, err := initCmd.CombinedOutput(); err != nil {
		t.Fatalf("ipfs-cluster-service init: %v\n%s", err, out)
	}
	// Free ports are only free a moment ago: another process may take one
	// before the cluster binds it, so a failed start is retried on new ports.
	var err error
	for range 3 {
		if err = c.configure(t, k); err != nil {
			t.Fatalf("configuring IPFS Cluster: %v", err)
		}
		if err = c.start(t, bin); err == nil {
			return c
		}
	}
	t.Fatal(err)
	return nil
}

// configure rewrites service.json: every listener on 127.0.0.1 and a free
// port, no mDNS, no relay, the connector and proxy pointed at our Kubo.
func (c *Cluster) configure(t testing.TB, k *Kubo) error {
	path := filepath.Join(c.Dir, "service.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return err
	}
	kuboAddr, err := multiaddrOf(k.API)
	if err != nil {
		return err
	}
	ports := distinctPorts(t, "swarm", "rest", "pinsvc", "proxy")
	local := func(name string) string { return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", ports[name]) }
	cl := cfg["cluster"].(map[string]any)
	cl["listen_multiaddress"] = []string{local("swarm")}
	cl["enable_relay_hop"] = false
	cl["mdns_interval"] = "0s"
	api := cfg["api"].(map[string]any)
	rest, pinsvc, proxy := api["restapi"].(map[string]any), api["pinsvcapi"].(map[string]any), api["ipfsproxy"].(map[string]any)
	rest["http_listen_multiaddress"] = local("rest")
	pinsvc["http_listen_multiaddress"] = local("pinsvc")
	proxy["listen_multiaddress"] = local("proxy")
	proxy["node_multiaddress"] = kuboAddr
	if c.User != "" {
		creds := map[string]string{c.User: c.Password}
		rest["basic_auth_credentials"] = creds
		pinsvc["basic_auth_credentials"] = creds
	}
	conn := cfg["ipfs_connector"].(map[string]any)["ipfshttp"].(map[string]any)
	conn["node_multiaddress"] = kuboAddr
	conn["pin_timeout"] = "20s" // an offline node fails fast on missing blocks anyway
	c.REST = fmt.Sprintf("http://127.0.0.1:%d", ports["rest"])
	c.PinSvc = fmt.Sprintf("http://127.0.0.1:%d", ports["pinsvc"])
	c.Proxy = fmt.Sprintf("http://127.0.0.1:%d", ports["proxy"])
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

func multiaddrOf(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/ip4/%s/tcp/%s", u.Hostname(), u.Port()), nil
}

// distinctPorts returns a different free port for each name.
func distinctPorts(t testing.TB, names ...string) map[string]int {
	ports, used := map[string]int{}, map[int]bool{}
	for _, n := range names {
		p := FreePort(t)
		for used[p] {
			p = FreePort(t)
		}
		used[p], ports[n] = true, p
	}
	return ports
}

// start runs the daemon and waits until it reports ready. It returns an
// error (after stopping the process) if the daemon exits or is not ready
// within 60s.
func (c *Cluster) start(t testing.TB, bin string) error {
	t.Helper()
	cmd := exec.Command(bin, "--config", c.Dir, "daemon")
	// One pipe for both streams; it reaches EOF when the daemon exits.
	pr, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ipfs-cluster-service: %v", err)
	}
	c.stop = stopOnCleanup(t, cmd)
	ready, exited := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var log strings.Builder
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			if log.Len() < 64<<10 {
				log.WriteString(sc.Text() + "\n")
			}
			mu.Unlock()
			if strings.Contains(sc.Text(), "IPFS Cluster is READY") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	fail := func(why string) error {
		c.stop()
		mu.Lock()
		defer mu.Unlock()
		return fmt.Errorf("IPFS Cluster %s:\n%s", why, log.String())
	}
	select {
	case <-ready:
		// READY comes before the peer has published the metrics its
		// allocator places pins by; a pin added in between fails with "not
		// enough peers to allocate CID". Wait for them too.
		if err := c.waitMetrics(30*time.Second, "freespace", "tag:group"); err != nil {
			return fail(err.Error())
		}
		return nil
	case <-exited:
		return fail("exited before it was ready")
	case <-time.After(60 * time.Second):
		return fail("not ready after 60s")
	}
}

// waitMetrics polls the REST API until every named metric has a value.
func (c *Cluster) waitMetrics(limit time.Duration, names ...string) error {
	deadline := time.Now().Add(limit)
	for _, name := range names {
		for {
			req, err := http.NewRequest(http.MethodGet, c.REST+"/monitor/metrics/"+url.PathEscape(name), nil)
			if err != nil {
				return err
			}
			if c.User != "" {
				req.SetBasicAuth(c.User, c.Password)
			}
			var metrics []json.RawMessage
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				if resp.StatusCode == http.StatusOK {
					err = json.NewDecoder(resp.Body).Decode(&metrics)
				}
				resp.Body.Close()
			}
			if err == nil && len(metrics) > 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("has no %q metric after %s (last error: %v)", name, limit, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// Stop stops the cluster daemon now.
func (c *Cluster) Stop() { c.stop() }
