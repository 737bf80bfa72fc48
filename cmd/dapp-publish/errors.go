package main

import "strings"

// isFlagError reports whether err comes from flag parsing in urfave/cli,
// which returns plain errors for unknown or malformed flags.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"flag provided but not defined", "invalid value", "flag needs an argument", "Required flag", "Incorrect Usage"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
