// Command detection is the corpus detection benchmark: it replays the
// injection corpora (../shared/corpora, see its README.md) through a real
// Bulwark process — once against Bulwark's own detectors, once against
// Coraza + OWASP CRS at paranoia level 1, and the hard rows against routes
// configured for their APIs — and writes a markdown report of detection and
// false-positive rates per file and channel.
//
// Run it with bench/detection.sh, which builds the gateway and this program:
//
//	bench/detection.sh                      # full corpora
//	bench/detection.sh -sample 200          # at most 200 items per file
//
// The exit status is 0 when every request got an answer (the figures are a
// report, not a test), 1 on transport errors, 2 when the run could not start.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type options struct {
	corpora, authored, bulwark, config, gateway, out, misses, workdir, only string
	workers, sample                                                         int
	timeout                                                                 time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.corpora, "corpora", "", "corpora root (default $BULWARK_CORPORA, else ../shared/corpora)")
	flag.StringVar(&o.authored, "authored", "bench/detection/testdata/corpora", "Bulwark's own corpus rows, in the corpora layout (\"\" = none)")
	flag.StringVar(&o.bulwark, "bulwark", "", "path of the bulwark binary to run")
	flag.StringVar(&o.config, "config", "bench/detection/bulwark.yaml", "gateway config")
	flag.StringVar(&o.gateway, "gateway", "", "address of a gateway already running (host:port); skips starting one")
	flag.StringVar(&o.out, "out", "bench/results/detection.md", "report file")
	flag.StringVar(&o.misses, "misses", "bench/results/detection-bulwark-misses.txt", "Bulwark's misses and false positives, per file (\"\" = none)")
	flag.StringVar(&o.workdir, "workdir", "", "directory for the gateway's log and store (default: a temp dir)")
	flag.StringVar(&o.only, "targets", "bulwark,crs,hard", "targets to replay against (bulwark, crs, hard)")
	flag.IntVar(&o.workers, "workers", 16, "concurrent keep-alive connections")
	flag.IntVar(&o.sample, "sample", 0, "if > 0, at most this many items per file, evenly spaced")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Second, "per-request timeout")
	flag.Parse()
	os.Exit(run(o))
}

func run(o options) int {
	started := time.Now()
	root := corporaRoot(o.corpora)
	c, err := loadCorpus(root, o.sample)
	if err != nil {
		return fail(fmt.Errorf("corpora: %w", err))
	}
	if o.authored != "" {
		a, err := loadCorpus(o.authored, o.sample)
		if err != nil {
			return fail(fmt.Errorf("authored corpus: %w", err))
		}
		c.mergeAuthored(a)
	}
	sel, err := selectTargets(o.only)
	if err != nil {
		return fail(err)
	}
	addr, stop, err := setup(o)
	if err != nil {
		return fail(err)
	}
	defer stop()
	in := &reportInput{Started: started, Revision: revision(), Corpora: root, Config: o.config, Sample: o.sample,
		Workers: o.workers, Timeout: o.timeout, Corpus: c, Targets: sel, Runs: map[string]*Run{}, Stats: map[string]*stats{}}
	n := 0
	for _, it := range c.Items {
		n += len(it.Reqs)
	}
	fmt.Fprintf(os.Stderr, "[detection] %d items, %d requests per target, gateway %s\n", len(c.Items), n, addr)
	errs := 0
	for _, t := range sel {
		r := replay(addr, c.Items, t, replayOptions{Workers: o.workers, Timeout: o.timeout, Progress: os.Stderr, Every: 15 * time.Second})
		fmt.Fprintf(os.Stderr, "[detection] %s: %d requests in %.1f s (%.0f req/s), %d transport errors\n",
			t.Host, r.Requests, r.Elapsed.Seconds(), float64(r.Requests)/max(r.Elapsed.Seconds(), 1e-9), r.Errors)
		in.Runs[t.Name], in.Stats[t.Name] = r, aggregate(c.Items, r)
		errs += r.Errors
	}
	if err := output(o, in); err != nil {
		return fail(err)
	}
	if errs > 0 {
		fmt.Fprintf(os.Stderr, "[detection] %d transport errors (first: %s)\n", errs, firstError(in))
		return 1
	}
	return 0
}

// setup starts the echo upstream and the gateway, or uses -gateway.
func setup(o options) (string, func(), error) {
	if o.gateway != "" {
		return o.gateway, func() {}, nil
	}
	if o.bulwark == "" {
		return "", nil, errors.New("-bulwark (the binary) or -gateway (a running gateway) is required")
	}
	up, stopUp, err := startUpstream()
	if err != nil {
		return "", nil, err
	}
	dir, tmp := o.workdir, ""
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bulwark-detection-"); err != nil {
			stopUp()
			return "", nil, err
		}
		tmp = dir
	}
	logPath := filepath.Join(dir, "bulwark.log")
	env := []string{"BENCH_UPSTREAM=http://" + up, "BENCH_STORE=sqlite:" + filepath.Join(dir, "bench.db")}
	g, err := startGateway(o.bulwark, o.config, logPath, env)
	if err != nil {
		stopUp()
		tail, _ := os.ReadFile(logPath)
		return "", nil, fmt.Errorf("%w\n%s", err, lastLines(tail, 20))
	}
	stop := func() {
		g.stop()
		stopUp()
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
	}
	return g.addr, stop, nil
}

// output writes the report (stdout and -out) and the misses file.
func output(o options, in *reportInput) error {
	var b bytes.Buffer
	writeReport(&b, in)
	if _, err := os.Stdout.Write(b.Bytes()); err != nil {
		return err
	}
	if err := writeFile(o.out, b.Bytes()); err != nil {
		return err
	}
	if o.misses == "" || in.Runs["bulwark"] == nil {
		return nil
	}
	b.Reset()
	writeMisses(&b, in.Corpus.Items, in.Runs["bulwark"])
	return writeFile(o.misses, b.Bytes())
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// corporaRoot resolves the corpora directory: flag, $BULWARK_CORPORA, else
// ../shared/corpora (relative to the repository root, where the script runs).
func corporaRoot(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("BULWARK_CORPORA"); env != "" {
		return env
	}
	return filepath.Join("..", "shared", "corpora")
}

func selectTargets(list string) ([]target, error) {
	var out []target
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(targets, func(t target) bool { return t.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown target %q (bulwark, crs, hard)", name)
		}
		out = append(out, targets[i])
	}
	return out, nil
}

func revision() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		rev += " (uncommitted changes)"
	}
	return rev
}

func firstError(in *reportInput) string {
	for _, t := range in.Targets {
		for _, outs := range in.Runs[t.Name].Out {
			for _, o := range outs {
				if o.Err != "" {
					return t.Host + ": " + o.Err
				}
			}
		}
	}
	return ""
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "detection:", err)
	return 2
}
