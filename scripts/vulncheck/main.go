// Command vulncheck runs govulncheck on the module against a local copy of
// the Go vulnerability database and applies the project's policy, so that
// `make test` fails only on what the project can fix:
//
//   - a vulnerable function of a required module that the code calls, with a
//     fixed version: fail (upgrade the module);
//   - the same without a fixed version: fail unless allow.txt lists its id
//     with the reason it does not apply;
//   - the standard library: reported, not failed. The fix is a newer Go
//     toolchain, which the machine provides (CI runs the Go it is given);
//     the report says which version to install.
//
// Findings in code that is not called are not reported: govulncheck's call
// graph says they cannot be reached.
//
// The database is built from the golang.org/x/vulndb module (served by the
// module proxy) by the Makefile, because vuln.go.dev may not be reachable.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

type message struct {
	Finding *finding `json:"finding"`
	OSV     *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
}

func main() {
	tool := flag.String("govulncheck", "golang.org/x/vuln/cmd/govulncheck@v1.9.0", "govulncheck `package@version` to go run")
	db := flag.String("db", "", "vulnerability database `DIR` (v1 layout)")
	allowFile := flag.String("allow", "", "`FILE` of ids (one per line: ID reason) that may stay")
	flag.Parse()
	allowed, err := readAllow(*allowFile)
	if err != nil {
		fail(err)
	}
	cmd := exec.Command("go", "run", *tool, "-db", "file://"+*db, "-format", "json", "./...")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	called, summaries, err := read(out)
	if err != nil {
		fail(err)
	}
	if err := cmd.Wait(); err != nil {
		fail(fmt.Errorf("govulncheck: %w", err))
	}
	os.Exit(report(os.Stdout, called, summaries, allowed))
}

// read collects the findings that reach a vulnerable function, by id.
func read(r io.Reader) (map[string][]finding, map[string]string, error) {
	called := map[string][]finding{}
	summaries := map[string]string{}
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			return called, summaries, nil
		} else if err != nil {
			return nil, nil, fmt.Errorf("reading govulncheck's output: %w", err)
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		if f := m.Finding; f != nil && len(f.Trace) > 0 && f.Trace[0].Function != "" {
			// One vulnerability can be in a module and in the standard
			// library (net/http bundles x/net's HTTP/2): judged apart.
			key := f.OSV + " " + f.Trace[0].Module
			called[key] = append(called[key], *f)
		}
	}
}

// report prints one line per vulnerability and returns the exit code.
func report(w io.Writer, called map[string][]finding, summaries, allowed map[string]string) int {
	keys := make([]string, 0, len(called))
	for k := range called {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	code := 0
	for _, key := range keys {
		id, _, _ := strings.Cut(key, " ")
		f := called[key][0]
		mod, ver := f.Trace[0].Module, f.Trace[0].Version
		where := fmt.Sprintf("%s %s (%s@%s, called from %s)", id, summaries[id], mod, ver, caller(called[key]))
		switch {
		case mod == "stdlib":
			fmt.Fprintf(w, "vulncheck: warning: %s: fixed in Go %s; install it on this machine and in CI\n", where, strings.TrimPrefix(f.FixedVersion, "v"))
		case reason(allowed, id) != "":
			fmt.Fprintf(w, "vulncheck: allowed: %s: %s\n", where, reason(allowed, id))
		case f.FixedVersion != "":
			fmt.Fprintf(w, "vulncheck: FAIL: %s: run go get %s@%s && go mod tidy\n", where, mod, f.FixedVersion)
			code = 1
		default:
			fmt.Fprintf(w, "vulncheck: FAIL: %s: no fixed version; remove the call, or list %s in the allow file with the reason it does not apply\n", where, id)
			code = 1
		}
	}
	if code == 0 {
		fmt.Fprintf(w, "vulncheck: ok (%d called vulnerable module versions: none the project can fix)\n", len(keys))
	}
	return code
}

func reason(allowed map[string]string, id string) string { return allowed[id] }

// caller names the first frame of our own code in a finding's trace.
func caller(fs []finding) string {
	t := fs[0].Trace
	f := t[len(t)-1]
	name := f.Function
	if f.Receiver != "" {
		name = f.Receiver + "." + name
	}
	return f.Package + "." + name
}

func readAllow(path string) (map[string]string, error) {
	out := map[string]string{}
	if path == "" {
		return out, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, why, _ := strings.Cut(line, " ")
		if strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("%s: %s has no reason", path, id)
		}
		out[id] = strings.TrimSpace(why)
	}
	return out, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "vulncheck:", err)
	os.Exit(2)
}
