package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
)

// helpCommand: `dapp-publish help [COMMAND [SUBCOMMAND]]`, the same text as
// --help; an unknown topic is a usage error.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the commands, or one command's help",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 {
				return cli.ShowAppHelp(c)
			}
			cmds := c.App.Commands
			for _, a := range args {
				cmd := findCommand(cmds, a)
				if cmd == nil {
					return usageErr("run `dapp-publish help` to list the commands", "no command %q", strings.Join(args, " "))
				}
				cmds = cmd.Subcommands
			}
			return c.App.Run(append(append([]string{c.App.Name}, args...), "--help"))
		},
	}
}

// versionCommand prints the version (the same as --version).
func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "dapp-publish %s (%s, %s/%s)\n", toolVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
