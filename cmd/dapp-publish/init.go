package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/templates"
	"github.com/urfave/cli/v2"
)

// defaultAction is the action init's workflows use.
const defaultAction = "dapp-publish/dapp-publish@v1"

func initCommand() *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "write dapp-publish.yaml and the GitHub Actions workflows into a repository",
		Description: "Writes, from the templates embedded in this binary:\n" +
			"  dapp-publish.yaml                                the config: site, providers, verify, ens\n" +
			"  .github/workflows/dapp-publish.yml               on push to --branch: store and verify, then,\n" +
			"                                                   after the --environment's approval, point the name\n" +
			"  .github/workflows/dapp-publish-preview.yml       a preview of every pull request from the repository\n" +
			"  .github/workflows/dapp-publish-fork-pack.yml     a pull request from a fork: pack only, no secrets\n" +
			"  .github/workflows/dapp-publish-fork-preview.yml  workflow_run after it: that CAR as a preview\n\n" +
			"An existing file is never replaced without --force: if any of them exists, nothing is\n" +
			"written. It then lists the secrets, variables and environment to create.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: ".", Usage: "the repository's root `FOLDER`"},
			&cli.StringFlag{Name: "site", Value: "dist", Usage: "the built site `FOLDER`, relative to the repository"},
			&cli.StringFlag{Name: "build", Value: "npm ci && npm run build", Usage: "the build `COMMAND` (\"\": the site folder is committed as built)"},
			&cli.StringFlag{Name: "node", Value: "20", Usage: "the Node.js `VERSION` of the build (\"\": none set up)"},
			&cli.StringFlag{Name: "branch", Value: "main", Usage: "publish on every push to `BRANCH`"},
			&cli.StringSliceFlag{Name: "provider", Value: cli.NewStringSlice("pinata"), Usage: "provider `TYPE`s to configure (repeatable or comma-separated): " + strings.Join(templates.Types(), ", ")},
			&cli.StringFlag{Name: "ens-name", Usage: "the ENS `NAME` to point at every release (none: store and verify only)"},
			&cli.StringFlag{Name: "via", Value: "safe", Usage: "how to point the name: key (a transaction), safe (a proposal to the Safe's owners) or calldata (files for review)"},
			&cli.StringFlag{Name: "safe", Usage: "the Safe that owns the name (`ADDRESS`, with --via safe)"},
			&cli.Uint64Flag{Name: "chain-id", Value: 1, Usage: "the name's chain (1: mainnet, 11155111: Sepolia)"},
			&cli.StringFlag{Name: "environment", Value: "ens", Usage: "the GitHub environment whose reviewers approve each name change (`NAME`)"},
			&cli.StringFlag{Name: "action", Value: defaultAction, Usage: "the action's `REF` (owner/repo@ref; pin a full commit id for supply-chain safety)"},
			&cli.BoolFlag{Name: "no-fork-previews", Usage: "leave out the two workflows that preview pull requests from forks"},
			&cli.StringFlag{Name: "max-preview-car", Value: "512MiB", Usage: "the largest CAR a fork's pull request may have published as a preview (`SIZE`)"},
			&cli.BoolFlag{Name: "force", Usage: "replace files that exist"},
		},
		Action: initAction,
	}
}

func initAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErr("usage: dapp-publish init [--dir FOLDER] [--site dist] [--ens-name NAME] [--force]", "init takes no arguments (the folder is --dir)")
	}
	p, err := initParams(c)
	if err != nil {
		return err
	}
	files, err := templates.Render(p)
	if err != nil {
		return usageErr("see `dapp-publish init --help`", "%v", err)
	}
	root := c.String("dir")
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return usageErr("pass the repository's root folder with --dir", "%s is not a folder", root)
	}
	if !c.Bool("force") {
		var exist []string
		for _, f := range files {
			if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f.Path))); !errors.Is(err, fs.ErrNotExist) {
				exist = append(exist, f.Path)
			}
		}
		if len(exist) > 0 {
			return usageErr("compare them with the templates, or pass --force to replace them", "nothing written: %s already exist(s)", strings.Join(exist, ", "))
		}
	}
	w := c.App.Writer
	for _, f := range files {
		target := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("failed to create %s: %w", filepath.Dir(target), err)
		}
		if err := atomicfile.Write(target, func(out io.Writer) error { _, err := out.Write(f.Data); return err }); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s\n", safetext.Term(target))
	}
	printInitNext(w, p)
	return nil
}

func initParams(c *cli.Context) (templates.Params, error) {
	p := templates.Params{
		Site: filepath.ToSlash(c.String("site")), Build: c.String("build"), Node: c.String("node"), Branch: c.String("branch"),
		Action: c.String("action"), Environment: c.String("environment"), ForkPreviews: !c.Bool("no-fork-previews"),
		MaxPreviewCAR: c.String("max-preview-car"),
	}
	for _, v := range c.StringSlice("provider") {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				p.Providers = append(p.Providers, t)
			}
		}
	}
	if p.Build == "" {
		p.Node = ""
	}
	if filepath.IsAbs(p.Site) || p.Site == ".." || strings.HasPrefix(p.Site, "../") {
		return p, usageErr("e.g. --site dist", "--site %s: give the folder relative to the repository", p.Site)
	}
	if name := c.String("ens-name"); name != "" {
		p.ENS = &templates.ENS{Name: name, Via: c.String("via"), Safe: c.String("safe"), ChainID: c.Uint64("chain-id")}
		if p.ENS.Via == "safe" && p.ENS.Safe != "" {
			if _, err := parseAddress("safe", p.ENS.Safe); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// printInitNext says what to set up in the repository's settings.
func printInitNext(w io.Writer, p templates.Params) {
	secrets, vars := templates.Secrets(p)
	fmt.Fprintln(w, "\nnext, in the repository's settings:")
	if len(secrets) > 0 {
		fmt.Fprintf(w, "  secrets (Settings > Secrets and variables > Actions > Secrets): %s\n", strings.Join(secrets, ", "))
	}
	if len(vars) > 0 {
		fmt.Fprintf(w, "  variables (... > Variables): %s\n", strings.Join(vars, ", "))
	}
	if p.ENS != nil {
		fmt.Fprintf(w, "  environment %q (Settings > Environments): add required reviewers; keep ENS_KEY and ETH_RPC_URL as its secrets\n", p.Environment)
		if p.ENS.Via == "safe" {
			fmt.Fprintf(w, "  ENS_KEY is the key of an owner or delegate of the Safe: it proposes, the owners confirm\n")
		}
	}
	fmt.Fprintf(w, "then commit them; `dapp-publish publish --dry-run` checks the config and every holder first.\n")
}
