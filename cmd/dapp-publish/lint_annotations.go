package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dapp-publish/dapp-publish/bundle"
)

// annotateLint prints, in GitHub Actions, a ::warning annotation for each
// lint finding, on the file as the repository knows it: the path relative
// to $GITHUB_WORKSPACE (the checkout), not to the site folder, with line=
// when the finding has a line. GitHub shows such an annotation on the
// file, and on the pull request's diff. A finding on no file, or on a file
// outside the checkout (a site built elsewhere), names the path in the
// message instead.
func annotateLint(w io.Writer, siteDir string, findings []bundle.Finding) {
	if !inGitHubActions() {
		return
	}
	root := workspaceRoot()
	for _, f := range findings {
		var props [][2]string
		msg := f.Message
		if file := repoPath(root, siteDir, f.Path); file != "" {
			props = append(props, [2]string{"file", file})
			if f.Line > 0 {
				props = append(props, [2]string{"line", fmt.Sprint(f.Line)})
			}
		} else if f.Path != "" {
			msg = filepath.ToSlash(filepath.Join(siteDir, filepath.FromSlash(f.Path))) + ": " + msg
		}
		ghCommand(w, "warning", append(props, [2]string{"title", "dapp-publish lint: " + f.Code}), msg)
	}
}

// workspaceRoot is the checkout: $GITHUB_WORKSPACE, else the current
// folder, with symlinks resolved.
func workspaceRoot() string {
	root := os.Getenv("GITHUB_WORKSPACE")
	if root == "" {
		root = "."
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// repoPath is the site file rel (slash-separated, relative to siteDir) as a
// path relative to root, or "" when it is not a file inside root.
func repoPath(root, siteDir, rel string) string {
	if root == "" || rel == "" {
		return ""
	}
	dir, err := filepath.Abs(siteDir)
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	file := filepath.Join(dir, filepath.FromSlash(rel))
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	out, err := filepath.Rel(root, file)
	if err != nil || out == ".." || strings.HasPrefix(out, ".."+string(filepath.Separator)) || filepath.IsAbs(out) {
		return ""
	}
	return filepath.ToSlash(out)
}
