// Command chaos runs Bulwark's reliability measurements on loopback: three
// nodes on a private PostgreSQL and Redis, an upstream and a JWKS issuer it
// starts itself, under steady load at a share of the measured capacity.
//
//	chaos -mode chaos   kills and repairs each dependency in turn, then
//	                    checks every acknowledged write against the store
//	chaos -mode soak    holds the load for -duration, sampling RSS, heap,
//	                    goroutines, open files and p99 every 10 s, and
//	                    draws them as SVG
//	chaos -mode waitcost measures audit.wait_for_store: throughput and
//	                    latency of one node with the option off and on
//
// It writes a markdown report to -out (bench/results/ by default).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	mode := flag.String("mode", "chaos", "chaos, soak or waitcost")
	share := flag.Float64("share", 0.7, "the share of the measured capacity to hold")
	duration := flag.Duration("duration", 30*time.Minute, "soak: how long")
	every := flag.Duration("every", 10*time.Second, "soak: sample interval")
	svgDir := flag.String("svg", "", "soak: where to write the SVG plots, relative to the repository (\"\": none)")
	wait := flag.Bool("wait-for-store", false, "run the nodes with audit.wait_for_store")
	out := flag.String("out", "bench/results", "where to write the report")
	flag.Parse()
	if err := run(*mode, *share, *duration, *every, *svgDir, *wait, *out); err != nil {
		fail(err)
	}
}

func run(mode string, share float64, duration, every time.Duration, svgDir string, wait bool, out string) error {
	ctx := context.Background()
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bulwark-chaos-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Println("work dir:", dir)
	if err := os.Chmod(dir, 0o711); err != nil { // PostgreSQL's user must reach its data dir below
		return err
	}
	if mode == "waitcost" {
		if _, err := buildBulwark(ctx, repo, dir); err != nil {
			return err
		}
		report, err := waitCost(ctx, repo, dir, 10*time.Second)
		if err != nil {
			return err
		}
		return writeReport(repo, out, mode, report)
	}
	c, err := newCluster(ctx, dir, clusterOpts{repo: repo, nodes: 3, waitForStore: wait, allGuards: mode == "soak"})
	defer c.close()
	if err != nil {
		return err
	}
	key, err := createKey(c)
	if err != nil {
		return err
	}
	capacity, p99 := newLoader(c, newRecorder(), key).capacity(8*time.Second, 64)
	rate := capacity * share
	fmt.Printf("capacity %.0f req/s (p99 %s); holding %.0f req/s\n", capacity, p99, rate)
	var report string
	switch mode {
	case "chaos":
		report, err = chaosRun(ctx, c, rate, capacity, p99, 4*time.Second, 12*time.Second)
	case "soak":
		var s *soakResult
		s, err = soakRun(ctx, c, key, rate, duration, every)
		if err == nil {
			report = s.report(capacity, rate) + "\n## Samples\n\n```csv\n" + s.csv() + "```\n"
			if svgDir != "" {
				err = s.writeSVG(filepath.Join(repo, svgDir))
			}
			if !s.ok() {
				err = errors.Join(err, fmt.Errorf("soak: a figure is not flat (see the report)"))
			}
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if report != "" {
		if wait {
			mode += "-wait"
		}
		err = errors.Join(err, writeReport(repo, out, mode, report))
	}
	return err
}

// writeReport writes report to out/NAME-TIME.md and prints it.
func writeReport(repo, out, name, report string) error {
	if !filepath.IsAbs(out) {
		out = filepath.Join(repo, out)
	}
	_ = os.MkdirAll(out, 0o755)
	path := filepath.Join(out, fmt.Sprintf("%s-%s.md", name, time.Now().UTC().Format("20060102-150405")))
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Println(report)
	fmt.Println("report:", path)
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chaos:", err)
	os.Exit(1)
}

func repoRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	return strings.TrimSpace(string(out)), err
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
