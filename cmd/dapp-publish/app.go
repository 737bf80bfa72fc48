package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Exit codes. They are part of the interface: scripts and CI rely on them.
const (
	exitOK     = 0 // everything asked for was done
	exitFailed = 1 // the operation failed (I/O, network, a provider, ...)
	exitUsage  = 2 // bad command line or configuration
	exitCheck  = 3 // a check failed: lint --strict, a corrupt CAR, a copy that did not verify
	// 4 (exitQuorum) and 5 (exitName) are publish's and rollback's: see publish.go.
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
	return &cli.App{
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
			helpCommand(),
			versionCommand(),
		},
	}
}

// run executes the command line and returns the process exit code. Every
// error is printed once, with a hint when one is known.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	// urfave/cli answers an unknown command (or subcommand) with help text
	// and exit 3; it is a usage error.
	unknown := ""
	app.CommandNotFound = func(_ *cli.Context, name string) { unknown = name }
	err := app.Run(permuteArgs(app, args))
	if err == nil && unknown != "" {
		err = usageErr("run `dapp-publish help` to list the commands", "unknown command %q", unknown)
	}
	if err == nil {
		return exitOK
	}
	printError(stderr, err)
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

func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "dapp-publish: error: %v\n", err)
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		fmt.Fprintf(w, "hint: %s\n", ce.hint)
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		fmt.Fprintf(w, "::error title=dapp-publish::%s\n", escapeAnnotation(err.Error()))
	}
}
