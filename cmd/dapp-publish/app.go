package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/urfave/cli/v2"
)

// Exit codes. They are part of the interface: scripts and CI rely on them.
const (
	exitOK     = 0 // everything asked for was done
	exitFailed = 1 // the operation failed (I/O, network, a provider, ...)
	exitUsage  = 2 // bad command line or configuration
	exitCheck  = 3 // a check failed: lint --strict, a corrupt CAR, a copy that did not verify
	// exitQuorum: publish or rollback found too few verified copies (per
	// network, quorum: in the config); the ENS name was not touched.
	exitQuorum = 4
	// exitName: the copies verified but pointing the ENS name failed
	// (publish, rollback): the bundle is stored; run again or point the
	// name by hand (the Record says where the copies are).
	exitName = 5
	// exitPending (ens set, publish, rollback): an ENS transaction was sent
	// but not confirmed before the deadline; it may still be mined. Run the
	// same command again later: it sends nothing while the transaction is
	// pending and reports the record once it is set. (sysexits.h
	// EX_TEMPFAIL: try again later.)
	exitPending = 75
	// A signal ended the run (128 + the signal number, as shells report
	// it): exitInterrupted for SIGINT (Ctrl-C), exitTerminated for SIGTERM.
	// Temporary files were removed.
	exitInterrupted = 130
	exitTerminated  = 143
)

// version is set at build time with -ldflags "-X main.version=...";
// otherwise it comes from the module build info.
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "dapp-publish",
		Usage:   "publish a static DApp frontend to IPFS, Filecoin and Arweave, verified, and point ENS at it",
		Version: toolVersion(),
		Description: "dapp-publish turns a built frontend folder (dist/) into one content-addressed bundle\n" +
			"whose root CID anyone can recompute, stores it on independent networks, verifies\n" +
			"every copy block by block, and points an ENS name at it.",
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // run() maps errors to exit codes
		Commands: []*cli.Command{
			packCommand(),
			inspectCommand(),
			pieceCommand(),
			lintCommand(),
			diffCommand(),
			pinCommand(),
			verifyCommand(),
			serveCommand(),
			ensCommand(),
			publishCommand(),
			rollbackCommand(),
			historyCommand(),
			gcCommand(),
			initCommand(),
			helpCommand(),
			versionCommand(),
		},
	}
	beforeEveryAction(app.Commands, registerFlagURLs)
	app.OnUsageError = onUsageError
	everyCommand(app.Commands, func(cmd *cli.Command) { cmd.OnUsageError = onUsageError })
	return app
}

// onUsageError turns a bad flag into one usage error (exit 2) with a hint,
// instead of urfave/cli's "Incorrect Usage" and the whole help on stdout,
// which would also land in a --json consumer's input.
func onUsageError(c *cli.Context, err error, _ bool) error {
	if errors.Is(err, flag.ErrHelp) { // -h before any command
		_ = cli.ShowAppHelp(c)
		return err
	}
	var names []string // the command's path, e.g. "ens set"
	for _, l := range c.Lineage() {
		if l.Command != nil && l.Command.Name != "" && l.Command.Name != c.App.Name &&
			(len(names) == 0 || names[0] != l.Command.Name) {
			names = append([]string{l.Command.Name}, names...)
		}
	}
	name := strings.Join(names, " ")
	hint := "run `dapp-publish help` to list the commands"
	if name != "" {
		hint = "run `dapp-publish help " + name + "` for its flags"
	}
	return usageErr(hint, "%v", err)
}

// everyCommand calls fn for every command and subcommand.
func everyCommand(cmds []*cli.Command, fn func(*cli.Command)) {
	for _, cmd := range cmds {
		fn(cmd)
		everyCommand(cmd.Subcommands, fn)
	}
}

// beforeEveryAction makes fn run before the action of every command.
func beforeEveryAction(cmds []*cli.Command, fn func(*cli.Context)) {
	for _, cmd := range cmds {
		if action := cmd.Action; action != nil {
			cmd.Action = func(c *cli.Context) error { fn(c); return action(c) }
		}
		beforeEveryAction(cmd.Subcommands, fn)
	}
}

// run executes the command line and returns the process exit code. Every
// error is printed once, with a hint when one is known.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run with a context that a signal cancels (see main): the
// command stops, removes what it had half-written, and the exit code says
// which signal ended it.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := newOutput(stdout, stderr)
	app := newApp(out.stdout, out.stderr)
	app.Metadata = map[string]any{"output": out}
	// urfave/cli answers an unknown command (or subcommand) with help text
	// and exit 3; it is a usage error.
	unknown := ""
	app.CommandNotFound = func(_ *cli.Context, name string) { unknown = name }
	err := app.RunContext(ctx, permuteArgs(app, args))
	if errors.Is(err, flag.ErrHelp) {
		err = nil // --help or -h before any command: the help is printed
	}
	if err == nil && unknown != "" {
		err = usageErr("run `dapp-publish help` to list the commands", "unknown command %q", unknown)
	}
	// A command that returns nil after a signal stopped cleanly (serve
	// shuts down on Ctrl-C) or finished its work first: it succeeded.
	if sig, ok := interruptedBy(ctx); ok && err != nil {
		if !errors.Is(err, context.Canceled) {
			printError(out.stderr, err)
		}
		fmt.Fprintf(out.stderr, "dapp-publish: interrupted by %s; nothing half-written was left behind\n", sig)
		if sig == syscall.SIGTERM {
			return exitTerminated
		}
		return exitInterrupted
	}
	if err == nil {
		return exitOK
	}
	printError(out.stderr, err)
	return exitCode(err)
}

// cliError carries an exit code and an optional hint ("what to do") with an error.
type cliError struct {
	err  error
	code int
	hint string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// usageErr marks err as a usage error (exit 2) with a hint.
func usageErr(hint string, format string, a ...any) error {
	return &cliError{err: fmt.Errorf(format, a...), code: exitUsage, hint: hint}
}

// checkErr marks err as a failed check (exit 3).
func checkErr(err error, hint string) error {
	return &cliError{err: err, code: exitCheck, hint: hint}
}

// withHint attaches a hint to err, keeping exit code 1.
func withHint(err error, hint string) error {
	return &cliError{err: err, code: exitFailed, hint: hint}
}

func exitCode(err error) int {
	var ce *cliError
	if errors.As(err, &ce) {
		return ce.code
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if isFlagError(err) {
		return exitUsage
	}
	return exitFailed
}

// printError prints err (escaped: messages quote file names, URLs and what
// holders answered) and its hint, and in GitHub Actions an ::error
// annotation.
func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "dapp-publish: error: %s\n", safetext.Term(err.Error()))
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		fmt.Fprintf(w, "hint: %s\n", safetext.Term(ce.hint))
	}
	ghCommand(w, "error", [][2]string{{"title", "dapp-publish"}}, err.Error())
}
