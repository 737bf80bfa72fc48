//go:build unix

// Command benchrun times a command as a whole process: one warm-up run, then
// N counted runs, and prints the median wall time (with min and max), the
// throughput for a given number of bytes (with -ceiling, as a share of the
// machine's SHA-256 ceiling), the median CPU time, and the median and
// largest peak RSS (from the kernel's rusage of each finished process).
// With -vs it runs a second
// command in turn (A B A B ...) and prints the ratio of the medians, so a
// comparison holds when the machine's speed drifts.
//
//	go run ./scripts/benchrun -n 5 -bytes N -name A -- cmd args...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"
)

type result struct {
	wall []time.Duration
	cpu  []time.Duration // user + system
	rss  []int64         // KiB
}

func main() {
	n := flag.Int("n", 5, "counted runs")
	nbytes := flag.Int64("bytes", 0, "bytes processed per run, for MB/s")
	name := flag.String("name", "", "label for the command")
	vs := flag.String("vs", "", "a second command (split on spaces) to run in turn")
	vsName := flag.String("vs-name", "", "label for the second command")
	flag.Float64Var(&ceiling, "ceiling", 0, "the machine's SHA-256 ceiling in MB/s: print the throughput as a share of it")
	flag.StringVar(&ceilingName, "ceiling-name", "the SHA-256 ceiling", "what -ceiling is")
	flag.Func("fresh", "a file to remove before every run, outside the timing (repeatable)", func(s string) error {
		fresh = append(fresh, s)
		return nil
	})
	flag.Parse()
	a := flag.Args()
	if len(a) == 0 {
		fmt.Fprintln(os.Stderr, "usage: benchrun [-n 5] [-bytes N] [-name A] [-vs 'cmd B'] -- cmd A...")
		os.Exit(2)
	}
	var b []string
	if *vs != "" {
		b = strings.Fields(*vs)
	}
	var ra, rb result
	for i := 0; i <= *n; i++ {
		wa, ca, ka := runOnce(a)
		if i > 0 {
			ra.add(wa, ca, ka)
		}
		if b != nil {
			wb, cb, kb := runOnce(b)
			if i > 0 {
				rb.add(wb, cb, kb)
			}
		}
	}
	ma := report(label(*name, a), ra, *nbytes)
	if b != nil {
		mb := report(label(*vsName, b), rb, *nbytes)
		fmt.Printf("ratio  %s is %.2fx as fast as %s (median wall %s / %s)\n", label(*name, a), mb.Seconds()/ma.Seconds(), label(*vsName, b), mb.Round(time.Millisecond), ma.Round(time.Millisecond))
	}
}

// ceiling is -ceiling: the SHA-256 ceiling to compare throughputs with;
// fresh, the files -fresh names.
var (
	fresh       []string
	ceiling     float64
	ceilingName string
)

func (r *result) add(wall, cpu time.Duration, rss int64) {
	r.wall, r.cpu, r.rss = append(r.wall, wall), append(r.cpu, cpu), append(r.rss, rss)
}

func label(name string, cmd []string) string {
	if name != "" {
		return name
	}
	return strings.Join(cmd, " ")
}

func runOnce(args []string) (time.Duration, time.Duration, int64) {
	for _, f := range fresh {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
			os.Exit(1)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // not a terminal: no progress bars in the timing
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		os.Exit(1)
	}
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), ru.Maxrss
}

func report(name string, r result, bytes int64) time.Duration {
	w := median(r.wall)
	rss := append([]int64(nil), r.rss...)
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	sorted := append([]time.Duration(nil), r.wall...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	line := fmt.Sprintf("%-34s median %8s (min %s, max %s)", name, w.Round(time.Millisecond), sorted[0].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond))
	if bytes > 0 {
		line += fmt.Sprintf("  %7.0f MB/s", float64(bytes)/w.Seconds()/1e6)
		if ceiling > 0 {
			line += fmt.Sprintf(" = %3.0f%% of %s", 100*float64(bytes)/w.Seconds()/1e6/ceiling, ceilingName)
		}
	}
	line += fmt.Sprintf("\n%-34s cpu (user+sys) median %s; peak RSS median %d MiB, max %d MiB  (%d runs)", "", median(r.cpu).Round(time.Millisecond), rss[len(rss)/2]>>10, rss[len(rss)-1]>>10, len(rss))
	fmt.Println(line)
	return w
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
