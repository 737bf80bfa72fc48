// Package templates holds what `dapp-publish init` writes into a
// repository, embedded in the binary: the config file (dapp-publish.yaml)
// and the GitHub Actions workflows that use this repository's action
// (action.yml at the root):
//
//	.github/workflows/dapp-publish.yml               push to the branch: store and verify, then
//	                                                 (after the environment's approval) point the name
//	.github/workflows/dapp-publish-preview.yml       a pull request from this repository: a preview
//	.github/workflows/dapp-publish-fork-pack.yml     a pull request from a fork: pack only, no secrets,
//	                                                 the CAR uploaded as an artifact
//	.github/workflows/dapp-publish-fork-preview.yml  workflow_run after it: publish that CAR as a
//	                                                 preview (IPFS holders only, never the name)
//
// The templates are text/template files with [[ ]] delimiters (GitHub's
// own expressions use ${{ }}); every value put into YAML is quoted by
// yamlString. The example site beside them (example-site/) is for the
// quick start and the tests and is not embedded.
package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/template"
)

//go:embed dapp-publish.yaml.tmpl workflows/*.yml.tmpl
var files embed.FS

// Params are the choices `init` asks for.
type Params struct {
	Site   string // the built site folder, relative to the repository root
	Build  string // the build command ("": the site folder is committed as built)
	Node   string // the Node.js version of the build ("": none set up)
	Branch string // publish on every push to this branch
	// Action is the reference of the action, "owner/repo@ref"; pin a full
	// commit id for supply-chain safety.
	Action string
	// Environment is the GitHub environment whose approval the name change
	// waits for (its required reviewers), and which holds the ENS secrets.
	Environment string
	Providers   []string // provider types, at most one of each (see Types)
	ENS         *ENS     // nil: no name
	// ForkPreviews adds the two workflows for pull requests from forks.
	ForkPreviews bool
	// MaxPreviewCAR bounds the CAR a fork's pull request may have
	// published as a preview (e.g. "512MiB").
	MaxPreviewCAR string
}

// ENS is the name the site is published under.
type ENS struct {
	Name    string
	Via     string // key, safe or calldata
	Safe    string // the Safe that owns the name (via safe)
	ChainID uint64
}

// Env is a variable a workflow step passes to dapp-publish, from the
// repository's secrets or variables.
type Env struct {
	Name   string
	Source string // "secrets" or "vars"
	From   string // the secret's or variable's name ("" : Name)
}

// Expr is the workflow expression that reads it.
func (e Env) Expr() string {
	from := e.From
	if from == "" {
		from = e.Name
	}
	return "${{ " + e.Source + "." + from + " }}"
}

// provider is a config entry of one type and what it reads from the
// environment.
type provider struct {
	entry    string
	env      []Env
	spends   bool // pays from a wallet per upload: left out of previews
	comments []string
}

var catalogue = map[string]provider{
	"kubo": {entry: `{name: kubo, type: kubo, endpoint: "${KUBO_API_URL}", token: "${KUBO_TOKEN}"}`,
		env: []Env{{"KUBO_API_URL", "vars", ""}, {"KUBO_TOKEN", "secrets", ""}}, comments: []string{"your Kubo node's RPC; verified through its RPC's dag/export"}},
	"cluster": {entry: `{name: cluster, type: cluster, endpoint: "${CLUSTER_API_URL}", token: "${CLUSTER_TOKEN}", gateway: "${CLUSTER_GATEWAY_URL}"}`,
		env: []Env{{"CLUSTER_API_URL", "vars", ""}, {"CLUSTER_TOKEN", "secrets", ""}, {"CLUSTER_GATEWAY_URL", "vars", ""}}, comments: []string{"IPFS Cluster's REST API; gateway: a trustless gateway of one of its peers"}},
	"psa": {entry: `{name: psa, type: psa, endpoint: "${PSA_ENDPOINT}", token: "${PSA_TOKEN}", gateway: "${PSA_GATEWAY_URL}", keep: 10}`,
		env: []Env{{"PSA_ENDPOINT", "vars", ""}, {"PSA_TOKEN", "secrets", ""}, {"PSA_GATEWAY_URL", "vars", ""}}, comments: []string{"any IPFS Pinning Service API; keep: the last 10 pins of the same name"}},
	"pinata": {entry: `{name: pinata, type: pinata, token: "${PINATA_JWT}", gateway: "${PINATA_GATEWAY_URL}"}`,
		env: []Env{{"PINATA_JWT", "secrets", ""}, {"PINATA_GATEWAY_URL", "vars", ""}}, comments: []string{"gateway: your dedicated gateway, https://NAME.mypinata.cloud"}},
	"filebase": {entry: `{name: filebase, type: filebase, token: "${FILEBASE_TOKEN}"}`,
		env: []Env{{"FILEBASE_TOKEN", "secrets", ""}}, comments: []string{"a bucket's IPFS RPC token"}},
	"lighthouse": {entry: `{name: lighthouse, type: lighthouse, token: "${LIGHTHOUSE_API_KEY}"}`,
		env: []Env{{"LIGHTHOUSE_API_KEY", "secrets", ""}}, comments: []string{"Filecoin deals through Lighthouse"}},
	"filecoin": {entry: `{name: filecoin, type: filecoin, endpoint: "${FILECOIN_RPC_URL}", network: calibration, key: "${FILECOIN_KEY}", max_per_run: "1"}`,
		env: []Env{{"FILECOIN_RPC_URL", "secrets", ""}, {"FILECOIN_KEY", "secrets", ""}}, spends: true,
		comments: []string{"Filecoin Onchain Cloud, paid in USDFC; network: mainnet once tried on calibration", "max_per_run: the most USDFC one run may commit"}},
}

// Types are the provider types init knows, sorted.
func Types() []string {
	var out []string
	for t := range catalogue {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Paths of the files Render returns, relative to the repository root.
const (
	ConfigPath      = "dapp-publish.yaml"
	PublishPath     = ".github/workflows/dapp-publish.yml"
	PreviewPath     = ".github/workflows/dapp-publish-preview.yml"
	ForkPackPath    = ".github/workflows/dapp-publish-fork-pack.yml"
	ForkPreviewPath = ".github/workflows/dapp-publish-fork-preview.yml"
)

// ForkPackWorkflow is the name of the fork-pack workflow, which the
// workflow_run of the fork-preview workflow follows.
const ForkPackWorkflow = "dapp-publish fork pack"

// File is one file Render makes.
type File struct {
	Path string
	Data []byte
}

// Render fills the templates with p.
func Render(p Params) ([]File, error) {
	v, err := newView(p)
	if err != nil {
		return nil, err
	}
	list := [][2]string{
		{ConfigPath, "dapp-publish.yaml.tmpl"},
		{PublishPath, "workflows/publish.yml.tmpl"},
		{PreviewPath, "workflows/preview.yml.tmpl"},
	}
	if p.ForkPreviews {
		list = append(list, [2]string{ForkPackPath, "workflows/fork-pack.yml.tmpl"}, [2]string{ForkPreviewPath, "workflows/fork-preview.yml.tmpl"})
	}
	var out []File
	for _, f := range list {
		data, err := render(f[1], v)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: f[0], Data: data})
	}
	return out, nil
}

// view is what the templates see.
type view struct {
	Params
	Entries      []entry
	StoreEnv     []Env // what storing and verifying reads (the providers)
	PreviewEnv   []Env // what a preview reads (providers that do not spend)
	NameEnv      []Env // what pointing the name reads besides StoreEnv
	ForkWorkflow string
}

type entry struct {
	YAML     string
	Comments []string
}

func newView(p Params) (*view, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	v := &view{Params: p, ForkWorkflow: ForkPackWorkflow}
	for _, t := range p.Providers {
		pr := catalogue[t]
		v.Entries = append(v.Entries, entry{YAML: pr.entry, Comments: pr.comments})
		v.StoreEnv = append(v.StoreEnv, pr.env...)
		if !pr.spends {
			v.PreviewEnv = append(v.PreviewEnv, pr.env...)
		}
	}
	if e := p.ENS; e != nil {
		v.NameEnv = append(v.NameEnv, Env{"ETH_RPC_URL", "secrets", ""})
		if e.Via == "key" || e.Via == "safe" {
			v.NameEnv = append(v.NameEnv, Env{"DAPP_PUBLISH_ENS_KEY", "secrets", "ENS_KEY"})
		}
		if e.Via == "safe" {
			v.NameEnv = append(v.NameEnv, Env{"DAPP_PUBLISH_SAFE_API_KEY", "secrets", "SAFE_API_KEY"})
		}
	}
	return v, nil
}

// Secrets lists the secrets and variables the workflows read, for init to
// tell the user what to add.
func Secrets(p Params) (secrets, vars []string) {
	v, err := newView(p)
	if err != nil {
		return nil, nil
	}
	for _, e := range slices.Concat(v.StoreEnv, v.NameEnv) {
		from := e.From
		if from == "" {
			from = e.Name
		}
		if e.Source == "secrets" {
			secrets = append(secrets, from)
		} else {
			vars = append(vars, from)
		}
	}
	return secrets, vars
}

func (p Params) check() error {
	if p.Site == "" || p.Branch == "" || p.Action == "" {
		return fmt.Errorf("the site folder, the branch and the action are required")
	}
	if strings.ContainsAny(p.Site+p.Branch+p.Action+p.Environment+p.Node+p.MaxPreviewCAR, "\n\r") {
		return fmt.Errorf("values must be on one line")
	}
	if strings.Contains(p.Site+p.Build+p.Branch+p.Action+p.Environment+p.Node+p.MaxPreviewCAR, "${{") {
		return fmt.Errorf("values must not hold GitHub expressions (${{ ... }})")
	}
	if strings.ContainsAny(p.Build, "\r\n") {
		return fmt.Errorf("the build command must be one line (chain commands with &&)")
	}
	if !strings.Contains(p.Action, "@") {
		return fmt.Errorf("action %q: give it as owner/repo@ref", p.Action)
	}
	seen := map[string]bool{}
	for _, t := range p.Providers {
		_, ok := catalogue[t]
		switch {
		case !ok:
			return fmt.Errorf("unknown provider type %q (known: %s)", t, strings.Join(Types(), ", "))
		case seen[t]:
			return fmt.Errorf("provider type %q given twice", t)
		}
		seen[t] = true
	}
	if p.ForkPreviews && !slices.ContainsFunc(p.Providers, func(t string) bool { return !catalogue[t].spends }) {
		return fmt.Errorf("previews need an IPFS provider (every chosen one spends from a wallet)")
	}
	if e := p.ENS; e != nil {
		switch e.Via {
		case "key", "calldata":
		case "safe":
			if e.Safe == "" {
				return fmt.Errorf("ens via safe needs the Safe's address")
			}
		default:
			return fmt.Errorf("ens via %q: use key, safe or calldata", e.Via)
		}
		if e.Name == "" || p.Environment == "" {
			return fmt.Errorf("a name needs its environment (for the approval)")
		}
	}
	return nil
}

func render(name string, v *view) ([]byte, error) {
	t, err := template.New(name[strings.LastIndex(name, "/")+1:]).Delims("[[", "]]").
		Funcs(template.FuncMap{"q": yamlString}).Option("missingkey=error").ParseFS(files, name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("failed to render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// yamlString quotes s as a YAML double-quoted scalar: JSON's quoting is a
// subset of YAML's, so nothing in s can end the value or start another.
func yamlString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
