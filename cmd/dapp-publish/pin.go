package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/all"
	"github.com/urfave/cli/v2"
)

func pinCommand() *cli.Command {
	return &cli.Command{
		Name:      "pin",
		Usage:     "store a bundle on every configured holder, in parallel, and print a receipt for each",
		ArgsUsage: "CAR|DIR",
		Description: "Uploads the bundle (a CAR from `dapp-publish pack`, or a site folder, which is packed first)\n" +
			"to the providers listed under providers: in the config file: Kubo nodes, IPFS Clusters,\n" +
			"Pinning Service API services, Pinata, Filebase, Filecoin Onchain Cloud, Lighthouse and\n" +
			"Arweave. All\n" +
			"providers run at once; each is retried on transient errors (5xx, 429 with Retry-After,\n" +
			"dropped connections) and stopped after its timeout. A provider that already holds the\n" +
			"root is not sent the CAR again.\n\n" +
			"Tokens, keys and wallets come only from environment variables (token: ${VAR},\n" +
			"key: ${VAR}, wallet: ${VAR}) or files (token_file:, key_file:, wallet_file:), never\n" +
			"from flags, and are never printed.\n\n" +
			"Config entries (dapp-publish.yaml, under providers:):\n" +
			"  - {name: own-node, type: kubo, endpoint: \"http://127.0.0.1:5001\", token: \"${KUBO_TOKEN}\"}\n" +
			"  - {name: cluster, type: cluster, endpoint: \"https://cluster:9094\", auth: basic, token_file: cluster.pass,\n" +
			"     replication_min: 2, replication_max: 3}\n" +
			"  - {name: psa, type: psa, endpoint: \"https://api.pinata.cloud/psa\", token: \"${PSA_TOKEN}\", keep: 3}\n" +
			"  - {name: pinata, type: pinata, token: \"${PINATA_JWT}\"}\n" +
			"  - {name: filebase, type: filebase, token: \"${FILEBASE_TOKEN}\"}\n" +
			"  - {name: foc, type: filecoin, endpoint: \"${FILECOIN_RPC_URL}\", network: calibration,\n" +
			"     key: \"${FILECOIN_KEY}\", max_per_run: \"1.5\"}\n" +
			"  - {name: lighthouse, type: lighthouse, token: \"${LIGHTHOUSE_API_KEY}\", deal_wait: 2h}\n" +
			"  - {name: permaweb, type: arweave, gateway: \"https://arweave.net\", wallet_file: wallet.json}\n" +
			"     (or wallet: \"${ARWEAVE_WALLET}\"; uploader: turbo with endpoint: for Turbo credits;\n" +
			"     index, fallback, confirmations, parallel_uploads: see the README's Arweave section)\n" +
			"Other keys: gateway (retrieval URL for receipts), pin_name, provide (kubo), origins and meta\n" +
			"(psa), timeout (per attempt, default 10m; 2h for arweave), retries (default 3), concurrency,\n" +
			"poll_interval, wait_timeout (cluster, psa); the filecoin, lighthouse and arweave keys are in\n" +
			"the README. An unknown key is an error that lists the keys the type takes. --profile,\n" +
			"--ignore, --include-hidden and --symlinks apply when a folder is given.\n\n" +
			"Exit status: 0 if every selected provider holds the bundle, 1 if any failed,\n" +
			"2 for a bad command line or config (nothing is uploaded), 3 for a corrupt CAR.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "config `FILE` (default: " + config.DefaultFile + " in the current folder)", EnvVars: []string{"DAPP_PUBLISH_CONFIG"}},
			&cli.StringSliceFlag{Name: "provider", Usage: "store only on the provider with this `NAME` (repeatable; default: every configured provider)"},
			&cli.BoolFlag{Name: "json", Usage: `print {"cid": ..., "receipts": [...]} as JSON`},
		}, siteFlags()...),
		Action: pinAction,
	}
}

// pinOutput is the --json schema.
type pinOutput struct {
	CID      string        `json:"cid"`
	Receipts []pin.Receipt `json:"receipts"`
}

func pinAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish pin CAR|DIR [--provider NAME]...", "pin takes one argument, the CAR file or site folder (got %d)", c.NArg())
	}
	cfg, providers, err := pinProviders(c)
	if err != nil {
		return err
	}
	in, err := openPinInput(c, c.Args().First(), cfg)
	if err != nil {
		return err
	}
	defer in.close()
	receipts, err := runPins(c, providers, in)
	if err != nil {
		return err
	}
	if err := reportPins(c, in.bundle, receipts); err != nil {
		return err
	}
	return pinResult(receipts)
}

// pinProviders loads the config and builds every selected provider, so that
// every config problem is reported before any byte is uploaded.
func pinProviders(c *cli.Context) (*config.Config, []pin.Provider, error) {
	reg := all.Registry()
	path, err := config.Discover(c.String("config"), ".")
	if errors.Is(err, config.ErrNoFile) {
		return nil, nil, usageErr("create "+config.DefaultFile+" with a providers: list (see `dapp-publish pin --help`), or pass --config FILE",
			"no config file: %s not found in the current folder", config.DefaultFile)
	}
	cfg, err := loadConfig(c, path, config.Options{Registry: reg, SkipENS: true})
	if err != nil {
		return nil, nil, err
	}
	entries, err := cfg.Find(c.StringSlice("provider"))
	if err != nil {
		return nil, nil, usageErr("pass a name from the providers: list with --provider", "%v", err)
	}
	if len(entries) == 0 {
		return nil, nil, usageErr("add at least one entry under providers: (name, type, endpoint, token)", "%s lists no providers", path)
	}
	var ps []pin.Provider
	for _, e := range entries {
		p, err := reg.New(e.Name, e.Type, e.Settings)
		if err != nil {
			return nil, nil, usageErr("fix this entry of the config file", "%s:%d: %v", path, e.Line, err)
		}
		ps = append(ps, pin.Wrap(p, e.Policy))
	}
	return cfg, ps, nil
}

// loadConfig loads the config file and registers every secret it resolved
// (tokens, keys, wallet files, the values of ${VAR}) with the run's output,
// before anything else is printed: each is scrubbed from all output and, in
// GitHub Actions, masked.
func loadConfig(c *cli.Context, path string, opts config.Options) (*config.Config, error) {
	cfg, err := config.Load(path, opts)
	if err != nil {
		return nil, usageErr("fix the config file; secrets must be ${ENV_VAR} references or *_file paths", "%v", err)
	}
	addConfigSecrets(c, cfg)
	return cfg, nil
}

// runPins checks a CAR given on the command line, then runs every provider
// at once, with a live line of bytes sent per provider on a terminal. The
// check (trustless.CheckBundle: every block, the DAG complete, no folder
// that lies, within the limits) comes first and a CAR it refuses is never
// sent (exit 3): holders check only hashes, so a Kubo node would pin a
// folder that lies, and an Arweave copy could not be taken back. It reads
// the CAR at hashing speed (about 0.3 s per 100,000 blocks), and leaves it
// in the page cache for the uploads.
func runPins(c *cli.Context, ps []pin.Provider, in *pinInput) ([]pin.Receipt, error) {
	if in.check != nil {
		if err := in.check(); err != nil {
			return nil, checkErr(fmt.Errorf("%s is not a valid CAR: %w (nothing was uploaded)", in.bundle.Name, err),
				"re-create it with `dapp-publish pack DIR -o "+in.bundle.Name+"`, or pass the site folder instead")
		}
	}
	prog := newPinProgress(c.App.ErrWriter, ps, in.bundle.Size)
	defer prog.stop()
	return pin.Run(c.Context, ps, in.bundle, prog.add), nil
}

func reportPins(c *cli.Context, b pin.Bundle, rs []pin.Receipt) error {
	_ = ghOutput("cid", b.Root.String())
	_ = ghSummary(pinSummary(b, rs))
	for _, r := range rs {
		for _, warn := range r.Warnings {
			ghWarning(c.App.ErrWriter, "", "pin: "+r.Provider, warn)
		}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, pinOutput{CID: b.Root.String(), Receipts: rs})
	}
	w := c.App.Writer
	for _, r := range rs {
		fmt.Fprintln(w, receiptLine(r))
		for _, warn := range r.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", safetext.Term(warn))
		}
	}
	return nil
}

func receiptLine(r pin.Receipt) string {
	took := r.Finished.Sub(r.Started).Round(10 * time.Millisecond)
	if r.Status != pin.StatusPinned {
		return fmt.Sprintf("FAILED  %s (%s): %s", r.Provider, r.Type, safetext.Term(r.Error))
	}
	sent := humanBytes(r.BytesSent) + " sent"
	if r.Skipped {
		sent = "already held, nothing sent"
	}
	line := fmt.Sprintf("pinned  %s (%s) %s  %s in %s", r.Provider, r.Type, r.CID, sent, took)
	if len(r.Endpoints) > 0 {
		line += "  " + safetext.Term(r.Endpoints[0])
	}
	return line
}

// pinSummary is the job summary (GitHub Actions): one table row per provider.
func pinSummary(b pin.Bundle, rs []pin.Receipt) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "### dapp-publish pin `%s`\n\n| provider | type | status | sent | detail |\n|---|---|---|---|---|\n", b.Root)
	for _, r := range rs {
		detail := safetext.MarkdownCell(r.Error)
		if r.Skipped {
			detail = "already held"
		} else if detail == "" && len(r.Endpoints) > 0 {
			detail = safetext.MarkdownCell(r.Endpoints[0])
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s |\n", r.Provider, r.Type, r.Status, humanBytes(r.BytesSent), detail)
	}
	return sb.String() + "\n"
}

// pinResult turns failed receipts into the command's error (exit 1).
func pinResult(rs []pin.Receipt) error {
	var failed []string
	unauthorized := false
	for _, r := range rs {
		if r.Status != pin.StatusPinned {
			failed = append(failed, r.Provider)
			unauthorized = unauthorized || errors.Is(r.Err, pin.ErrUnauthorized)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	hint := "see each provider's error above; transient errors were already retried"
	if unauthorized {
		hint = "a provider rejected its token: check the environment variable or token_file named in its error"
	}
	return withHint(fmt.Errorf("%d of %d providers do not hold the bundle: %s", len(failed), len(rs), strings.Join(failed, ", ")), hint)
}

// pinInput is the bundle to pin and what to clean up afterwards.
type pinInput struct {
	bundle pin.Bundle
	close  func()
	check  func() error // verifies the CAR's blocks; nil when we packed it ourselves
}

func openPinInput(c *cli.Context, arg string, cfg *config.Config) (*pinInput, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, usageErr("pass a CAR file made by `dapp-publish pack`, or the built site folder", "cannot read %s: %v", arg, errors.Unwrap(err))
	}
	if fi.IsDir() {
		return packForPin(c, arg, cfg)
	}
	return openCARForPin(arg)
}

// pinProgress shows the CAR bytes each provider has sent so far: a bar per
// provider on a terminal, a plain line every ten seconds elsewhere.
type pinProgress struct {
	p    *progress
	bars map[string]*bar
}

func newPinProgress(w io.Writer, ps []pin.Provider, total int64) *pinProgress {
	pp := &pinProgress{p: newProgress(w, "pinning"), bars: map[string]*bar{}}
	for _, pr := range ps {
		pp.bars[pr.Name()] = pp.p.bar(pr.Name(), total)
	}
	return pp
}

func (pp *pinProgress) add(name string, n int64) {
	if b := pp.bars[name]; b != nil {
		b.add(n)
	}
}

func (pp *pinProgress) stop() { pp.p.wait() }
