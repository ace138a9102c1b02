package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// waitCost measures what audit.wait_for_store costs: one node on the private
// PostgreSQL and Redis, the chaos mix, first closed loop (throughput and p99
// at 32 concurrent clients), then open loop at a fixed rate (latency), with
// the option off and on, each on a fresh cluster.
func waitCost(ctx context.Context, repo, dir string, d time.Duration) (string, error) {
	type result struct {
		capacity       float64
		capP50, capP99 time.Duration
		rate           float64
		p50, p99       time.Duration
	}
	var res [2]result
	// start runs fn against a fresh one-node cluster with the option set.
	start := func(wait bool, fn func(l *loader)) error {
		sub := filepath.Join(dir, fmt.Sprintf("wait-%v-%d", wait, time.Now().UnixNano()))
		c, err := newCluster(ctx, sub, clusterOpts{repo: repo, bin: filepath.Join(dir, "bulwark"), nodes: 1, waitForStore: wait})
		defer c.close()
		if err != nil {
			return err
		}
		key, err := createKey(c)
		if err != nil {
			return err
		}
		fn(newLoader(c, newRecorder(), key))
		return nil
	}
	for i, wait := range []bool{false, true} {
		err := start(wait, func(l *loader) {
			lats := l.closedLoop(d, 32)
			res[i].capacity = float64(len(lats)) / d.Seconds()
			res[i].capP50, res[i].capP99 = quantile(lats, 0.5), quantile(lats, 0.99)
		})
		if err != nil {
			return "", err
		}
	}
	// Open loop at half the lower throughput: a rate both can hold.
	fixed := min(res[0].capacity, res[1].capacity) / 2
	for i, wait := range []bool{false, true} {
		err := start(wait, func(l *loader) {
			rec := &recorder{}
			l.rec = rec
			rctx, cancel := context.WithTimeout(ctx, d)
			l.run(rctx, fixed)
			cancel()
			var ok []time.Duration
			for _, o := range rec.take("") {
				if !failed(o) {
					ok = append(ok, o.latency)
				}
			}
			res[i].p50, res[i].p99 = quantile(ok, 0.5), quantile(ok, 0.99)
		})
		if err != nil {
			return "", err
		}
		fmt.Printf("wait_for_store %v: %.0f req/s closed loop (p99 %s); at %.0f req/s p50 %s p99 %s\n",
			wait, res[i].capacity, res[i].capP99, fixed, res[i].p50, res[i].p99)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# audit.wait_for_store cost, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "One node, PostgreSQL and Redis private and on loopback, every event stored (`tiers: {store_all: true}`), the chaos mix of routes; %d CPUs, load average %s. Closed loop: 32 clients for %s. Open loop: %.0f req/s (half the lower of the two throughputs) for %s.\n\n",
		runtime.NumCPU(), loadavg(), d, fixed, d)
	b.WriteString("| wait_for_store | req/s (closed loop) | p50 | p99 | p50 at the fixed rate | p99 at the fixed rate |\n|---|---|---|---|---|---|\n")
	for i, name := range []string{"false", "true"} {
		r := res[i]
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %s | %s |\n", name, r.capacity, ms(r.capP50), ms(r.capP99), ms(r.p50), ms(r.p99))
	}
	return b.String(), nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
