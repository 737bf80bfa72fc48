package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// actionStep is the run: script of the step of action.yml with id, and
// the names of its env: entries.
func actionStep(t *testing.T, id string) (script string, env []string) {
	t.Helper()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Runs struct {
			Steps []struct {
				ID  string            `yaml:"id"`
				Run string            `yaml:"run"`
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Runs.Steps {
		if s.ID == id {
			for k := range s.Env {
				env = append(env, k)
			}
			return s.Run, env
		}
	}
	t.Fatalf("action.yml has no step %q", id)
	return "", nil
}

// TestActionMapsInputs runs the script of action.yml's run step with bash,
// as the runner would after filling its env: from the inputs, against the
// real binary: each input becomes the right flag, the CAR and the Record
// land in $RUNNER_TEMP for the artifact steps, and a bad input is a clear
// error.
func TestActionMapsInputs(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	script, names := actionStep(t, "run")
	bin, err := exec.LookPath("dapp-publish")
	if err != nil {
		t.Fatal(err)
	}
	ws := t.TempDir()
	copyDir(t, "../../templates/example-site", filepath.Join(ws, "-site")) // a folder name that looks like a flag
	inputs := func(over map[string]string) []string {
		in := map[string]string{"BIN": bin, "IN_COMMAND": "publish", "IN_DIRECTORY": "-site", "IN_COMMIT": mainSHA, "DAPP_PUBLISH_GITHUB": "status,comment"}
		for k, v := range over {
			in[k] = v
		}
		var env []string
		for _, n := range names {
			env = append(env, n+"="+in[n])
		}
		return env
	}
	cases := []struct {
		name  string
		over  map[string]string
		code  int
		check func(t *testing.T, tmp string, out map[string]string, stderr string)
	}{
		{"publish", map[string]string{"IN_ENS": "off", "IN_STRICT": "false", "IN_TARGET": "subdomain,ens"}, 0, func(t *testing.T, tmp string, out map[string]string, _ string) {
			if out["car"] != filepath.Join(tmp, "dapp-publish", "site.car") || !strings.HasPrefix(out["record"], filepath.Join(tmp, "dapp-publish", "state", "records")) {
				t.Errorf("car %q, record %q: not in $RUNNER_TEMP/dapp-publish", out["car"], out["record"])
			}
			for _, p := range []string{out["car"], out["record"]} {
				if _, err := os.Stat(p); err != nil {
					t.Error(err)
				}
			}
		}},
		{"dry run", map[string]string{"IN_DRY_RUN": "true"}, 0, func(t *testing.T, _ string, out map[string]string, _ string) {
			if out["outcome"] != "dry-run" || out["car"] != "" {
				t.Errorf("outputs %v", out)
			}
		}},
		{"pack", map[string]string{"IN_COMMAND": "pack"}, 0, func(t *testing.T, tmp string, out map[string]string, _ string) {
			if out["car"] != filepath.Join(tmp, "dapp-publish", "site.car") || out["cid"] == "" {
				t.Errorf("outputs %v", out)
			}
		}},
		{"preview", map[string]string{"IN_PREVIEW": "yes", "IN_CAR": "kept.car"}, 0, func(t *testing.T, _ string, out map[string]string, _ string) {
			if out["car"] != "kept.car" {
				t.Errorf("outputs %v", out)
			}
		}},
		{"bad ens", map[string]string{"IN_ENS": "ledger"}, 2, func(t *testing.T, _ string, _ map[string]string, stderr string) {
			if !strings.Contains(stderr, "::error title=dapp-publish::ens: use key, safe, calldata or off") {
				t.Errorf("stderr: %s", stderr)
			}
		}},
		{"bad boolean", map[string]string{"IN_DRY_RUN": "maybe"}, 2, func(t *testing.T, _ string, _ map[string]string, stderr string) {
			if !strings.Contains(stderr, "not a boolean: maybe") {
				t.Errorf("stderr: %s", stderr)
			}
		}},
		{"bad command", map[string]string{"IN_COMMAND": "deploy"}, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			ghDir := t.TempDir()
			cmd := exec.Command("bash", "-c", script)
			cmd.Dir = ws
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "RUNNER_TEMP=" + tmp,
				"GITHUB_ACTIONS=true", "GITHUB_OUTPUT=" + filepath.Join(ghDir, "output"), "GITHUB_STEP_SUMMARY=" + filepath.Join(ghDir, "summary"),
				"GITHUB_WORKSPACE=" + ws}, inputs(tc.over)...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, stderr.String())
			}
			data, _ := os.ReadFile(filepath.Join(ghDir, "output"))
			if tc.check != nil {
				tc.check(t, tmp, outputs(t, string(data)), stderr.String())
			}
		})
	}
}

// TestActionCacheKey: the binary's cache key changes with any file the
// build reads and not with tests; the Go caches' key follows go.sum only.
func TestActionCacheKey(t *testing.T) {
	script, _ := actionStep(t, "key")
	src := t.TempDir()
	write := func(name, data string) {
		os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755)
		os.WriteFile(filepath.Join(src, name), []byte(data), 0o644)
	}
	write("go.sum", "sum\n")
	write("go.mod", "module x\n")
	write("cmd/a.go", "package a\n")
	write("cmd/a_test.go", "package a\n")
	write("cmd/testdata/x.golden", "x\n")
	write("templates/t.yml.tmpl", "t\n")
	keysWith := func(env ...string) map[string]string {
		t.Helper()
		tmp := t.TempDir()
		out := filepath.Join(tmp, "output")
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "ACTION_PATH=" + src, "GO_VERSION=1.26", "RUNNER=Linux-X64", "RUNNER_TEMP=" + tmp, "GITHUB_OUTPUT=" + out}, env...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		data, _ := os.ReadFile(out)
		return outputs(t, string(data))
	}
	keys := func() map[string]string { return keysWith() }
	k0 := keys()
	if !strings.HasPrefix(k0["bin"], "dapp-publish-bin-Linux-X64-go1.26-") || !strings.HasPrefix(k0["mod"], k0["mod-prefix"]) || k0["go"] != "1.26" {
		t.Fatalf("keys %v", k0)
	}
	// With the list of Go releases (go.dev's JSON, newest first; a file
	// here), the binary is built with, and keyed on, the newest release the
	// input names, so a Go security release rebuilds it; the module cache's
	// key stays. A list that cannot be read, or does not name the input,
	// leaves the input as it is.
	list := filepath.Join(t.TempDir(), "releases.json")
	os.WriteFile(list, []byte(`[
 {"version": "go1.27.1", "stable": true, "files": [{"filename": "go1.27.1.linux-amd64.tar.gz", "version": "go1.27.1"}]},
 {"version": "go1.26.10", "stable": true, "files": [{"filename": "go1.26.10.linux-amd64.tar.gz", "version": "go1.26.10"}]},
 {"version": "go1.26.9", "stable": true, "files": []}
]`), 0o644)
	for _, tc := range []struct{ input, url, want string }{
		{"1.26", "file://" + list, "1.26.10"},
		{"1.27", "file://" + list, "1.27.1"},
		{"1.26.9", "file://" + list, "1.26.9"},
		{"1.2", "file://" + list, "1.2"},
		{"1.25", "file://" + list, "1.25"},
		{"stable", "file://" + list, "stable"},
		{"1.26", "file://" + list + ".missing", "1.26"},
	} {
		k := keysWith("GO_VERSION="+tc.input, "GO_RELEASES="+tc.url)
		if k["go"] != tc.want || !strings.HasPrefix(k["bin"], "dapp-publish-bin-Linux-X64-go"+tc.want+"-") || k["mod-prefix"] != "dapp-publish-go-Linux-X64-go"+tc.input+"-" {
			t.Errorf("go-version %s with %s: %v; want go %s", tc.input, tc.url, k, tc.want)
		}
	}
	write("cmd/a_test.go", "package a // changed\n")
	write("cmd/testdata/x.golden", "y\n")
	if k := keys(); k["bin"] != k0["bin"] || k["mod"] != k0["mod"] {
		t.Errorf("a test changed the keys: %v, %v", k0, k)
	}
	for _, f := range []string{"cmd/a.go", "templates/t.yml.tmpl", "go.mod"} {
		before := keys()
		write(f, "changed "+f+"\n")
		if k := keys(); k["bin"] == before["bin"] || k["mod"] != before["mod"] {
			t.Errorf("changing %s: bin key %s -> %s, mod key %s -> %s", f, before["bin"], k["bin"], before["mod"], k["mod"])
		}
	}
	before := keys()
	write("go.sum", "new sum\n")
	if k := keys(); k["mod"] == before["mod"] || k["bin"] == before["bin"] {
		t.Errorf("go.sum changed but not both keys: %v", k)
	}
}
