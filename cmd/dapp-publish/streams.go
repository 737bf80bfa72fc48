package main

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/urfave/cli/v2"
)

// output is what a run writes through: stdout and stderr scrubbed of every
// secret the run has met (one redact.Set), and, in GitHub Actions, guarded
// so that only our own workflow commands can be read as commands.
//
// Secrets are registered as soon as they are read (config, key, flags that
// hold URLs); in GitHub Actions each is also masked with ::add-mask::, on
// stderr, so masks never land in --json output or a file stdout goes to.
type output struct {
	secrets *redact.Set
	stdout  *stream
	stderr  *stream
}

func newOutput(stdout, stderr io.Writer) *output {
	o := &output{secrets: &redact.Set{}}
	gha := inGitHubActions()
	o.stdout = &stream{w: stdout, secrets: o.secrets, gha: gha, lineStart: true}
	o.stderr = &stream{w: stderr, secrets: o.secrets, gha: gha, lineStart: true}
	if gha {
		o.secrets.OnAdd(func(v string) { o.stderr.mask(v) })
	}
	runSecrets.Store(o.secrets)
	return o
}

// outputOf returns the run's output, set up by run.
func outputOf(c *cli.Context) *output {
	if o, ok := c.App.Metadata["output"].(*output); ok {
		return o
	}
	// An app built without run (not expected): scrub nothing, guard nothing.
	return newOutput(c.App.Writer, c.App.ErrWriter)
}

// addSecret registers a secret of this run (see output).
func addSecret(c *cli.Context, v string) { outputOf(c).secrets.Add(v) }

// addURLSecrets registers the credential parts of a URL the user gave.
func addURLSecrets(c *cli.Context, raw string) { outputOf(c).secrets.AddURL(raw) }

// addConfigSecrets registers every secret a loaded config resolved.
func addConfigSecrets(c *cli.Context, cfg *config.Config) {
	for _, s := range cfg.Secrets() {
		addSecret(c, s)
	}
	for _, u := range cfg.URLs() {
		addURLSecrets(c, u)
	}
}

// registerFlagURLs registers the credential parts of every URL in the
// command's string flags (--rpc and ETH_RPC_URL, --gateway, --safe-service,
// ...), before the command prints anything: URLs are printed in messages,
// and Go's HTTP errors quote them.
func registerFlagURLs(c *cli.Context) {
	for _, f := range c.Command.Flags {
		var vals []string
		switch f := f.(type) {
		case *cli.StringFlag:
			vals = []string{c.String(f.Name)}
		case *cli.StringSliceFlag:
			vals = c.StringSlice(f.Name)
		}
		for _, v := range vals {
			if u, err := url.Parse(v); err == nil && u.Host != "" && u.Scheme != "" {
				addURLSecrets(c, v)
			}
		}
	}
}

// runSecrets is the secrets of the run in progress, for what is written
// outside stdout and stderr (the GitHub Actions output and summary files).
var runSecrets atomic.Pointer[redact.Set]

// scrubForGitHub removes the run's secrets from text bound for a GitHub
// Actions file.
func scrubForGitHub(text string) string {
	if s := runSecrets.Load(); s != nil {
		return s.String(text)
	}
	return text
}

// stream is stdout or stderr as commands see it.
type stream struct {
	mu        sync.Mutex
	w         io.Writer
	secrets   *redact.Set
	gha       bool
	lineStart bool // the last byte written ended a line
}

// Write scrubs p of secrets and, in GitHub Actions, defuses what the runner
// would read as a workflow command (see guard). It reports len(p) written.
func (s *stream) Write(p []byte) (int, error) {
	out := []byte(s.secrets.String(string(p)))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gha {
		out = s.guard(out)
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	if len(out) > 0 {
		s.lineStart = out[len(out)-1] == '\n'
	}
	return len(p), nil
}

// guard defuses workflow commands in text we did not mean as one: a line
// that starts with "::" (after spaces, which the runner trims) gets its
// first ':' escaped, and "##[" anywhere (the runner's legacy syntax) becomes
// "#\u0023[", which reads the same in JSON output. Every outside string is
// escaped by safetext.Term before it is printed; this is the net below.
func (s *stream) guard(p []byte) []byte {
	if bytes.Contains(p, []byte("##[")) {
		p = bytes.ReplaceAll(p, []byte("##["), []byte(`#\u0023[`))
	}
	if !bytes.Contains(p, []byte("::")) {
		return p
	}
	var b bytes.Buffer
	start := s.lineStart
	for len(p) > 0 {
		line, rest, nl := bytes.Cut(p, []byte("\n"))
		if start {
			trimmed := bytes.TrimLeft(line, " \t")
			if bytes.HasPrefix(trimmed, []byte("::")) {
				b.Write(line[:len(line)-len(trimmed)])
				b.WriteString(`\x3a`)
				line = trimmed[1:]
			}
		}
		b.Write(line)
		if nl {
			b.WriteByte('\n')
		}
		p, start = rest, nl
	}
	return b.Bytes()
}

// command writes one workflow command line, scrubbed of secrets but not
// guarded. Properties and data must be escaped already (ghCommand does).
func (s *stream) command(line string) {
	s.raw(s.secrets.String(line))
}

// mask writes ::add-mask:: for v: the one line that must hold a secret.
func (s *stream) mask(v string) {
	s.raw("::add-mask::" + safetext.Annotation(v) + "\n")
}

func (s *stream) raw(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.lineStart {
		line = "\n" + line // a command must start its own line
	}
	io.WriteString(s.w, line)
	s.lineStart = strings.HasSuffix(line, "\n")
}

// Fd lets isTerminal look through the stream at the file below.
func (s *stream) Fd() uintptr {
	if f, ok := s.w.(*os.File); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// ghCommand prints a GitHub Actions workflow command (::name k=v,...::msg)
// on w, escaped as the runner unescapes it. Outside GitHub Actions it
// prints nothing.
func ghCommand(w io.Writer, name string, props [][2]string, msg string) {
	if !inGitHubActions() {
		return
	}
	var b strings.Builder
	b.WriteString("::" + name)
	for i, p := range props {
		sep := ","
		if i == 0 {
			sep = " "
		}
		fmt.Fprintf(&b, "%s%s=%s", sep, p[0], safetext.AnnotationProperty(p[1]))
	}
	b.WriteString("::" + safetext.Annotation(msg) + "\n")
	if s, ok := w.(*stream); ok {
		s.command(b.String())
		return
	}
	io.WriteString(w, b.String())
}
