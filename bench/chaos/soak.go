package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sample is one node's figures at one moment.
type sample struct {
	at         time.Duration // since the soak began
	rss, heap  float64       // bytes
	heapGoal   float64       // bytes: the GC's next target, proportional to the live heap
	goroutines float64
	fds        float64
	p99        float64 // ms, requests to this node in the last interval
	errors     int     // non-2xx or unanswered requests in the last interval
	requests   int
}

// soakResult is every node's samples.
type soakResult struct {
	nodes    []string
	samples  [][]sample // per node
	duration time.Duration
	load     string
	dropped  int64
}

// soakRun holds rate requests per second for d, sampling every interval.
func soakRun(ctx context.Context, c *cluster, key string, rate float64, d, interval time.Duration) (*soakResult, error) {
	rec := &recorder{} // no acked ids: a long run would keep millions
	l := newLoader(c, rec, key)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	done := make(chan struct{}, 2)
	go func() { l.run(ctx, rate); done <- struct{}{} }()
	go func() { l.writer(ctx, "order", 100*time.Millisecond); done <- struct{}{} }()
	res := &soakResult{samples: make([][]sample, len(c.nodes)), duration: d}
	for _, n := range c.nodes {
		res.nodes = append(res.nodes, n.name)
	}
	start := time.Now()
	t := time.NewTicker(interval)
	defer t.Stop()
	refresh := time.NewTicker(30 * time.Minute) // the load's token lives an hour
	defer refresh.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-refresh.C:
			l.refreshToken()
		case <-t.C:
			outs := rec.take("soak")
			for i, n := range c.nodes {
				s := n.sample(time.Since(start))
				var lats []time.Duration
				for _, o := range outs {
					if o.node != i {
						continue
					}
					s.requests++
					if failed(o) {
						s.errors++
					} else {
						lats = append(lats, o.latency)
					}
				}
				s.p99 = float64(quantile(lats, 0.99).Microseconds()) / 1000
				res.samples[i] = append(res.samples[i], s)
			}
			fmt.Printf("soak +%s: node1 rss %.1f MiB heap %.1f MiB goroutines %.0f fds %.0f p99 %.1f ms, %d req, %d errors\n",
				time.Since(start).Round(time.Second), res.samples[0][len(res.samples[0])-1].rss/(1<<20),
				res.samples[0][len(res.samples[0])-1].heap/(1<<20), res.samples[0][len(res.samples[0])-1].goroutines,
				res.samples[0][len(res.samples[0])-1].fds, res.samples[0][len(res.samples[0])-1].p99,
				res.samples[0][len(res.samples[0])-1].requests, res.samples[0][len(res.samples[0])-1].errors)
		}
	}
	<-done
	<-done
	res.load = loadavg()
	res.dropped = rec.dropped.Load()
	return res, nil
}

// sample reads the node's process and Go runtime figures.
func (n *node) sample(at time.Duration) sample {
	s := sample{at: at}
	pid := n.pid()
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				s.rss = kb * 1024
			}
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		s.fds = float64(len(ents))
	}
	m := n.metrics()
	s.heap = m["go_memstats_heap_alloc_bytes"]
	s.heapGoal = m["go_memstats_next_gc_bytes"]
	s.goroutines = m["go_goroutines"]
	return s
}

// series names the sampled figures.
var series = []struct {
	name, unit string
	get        func(sample) float64
	slack      float64 // absolute slack on top of the 10 % bound; < 0: reported, not judged
}{
	{"rss", "MiB", func(s sample) float64 { return s.rss / (1 << 20) }, 4},
	{"heap", "MiB", func(s sample) float64 { return s.heap / (1 << 20) }, -1},
	{"heap-goal", "MiB", func(s sample) float64 { return s.heapGoal / (1 << 20) }, 4},
	{"goroutines", "", func(s sample) float64 { return s.goroutines }, 20},
	{"fds", "", func(s sample) float64 { return s.fds }, 10},
	{"p99", "ms", func(s sample) float64 { return s.p99 }, -1},
}

// flat compares the median of the first and last thirds after warm-up (the
// first fifth of the run): the later may exceed the earlier by at most 10 %
// plus the series' slack. p99 is reported, not judged (a shared machine).
type flatness struct {
	early, late float64
	ok          bool
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func (r *soakResult) flat(node, si int) flatness {
	ss := r.samples[node]
	warm := len(ss) / 5
	rest := ss[warm:]
	third := max(1, len(rest)/3)
	var early, late []float64
	for _, s := range rest[:min(third, len(rest))] {
		early = append(early, series[si].get(s))
	}
	for _, s := range rest[max(0, len(rest)-third):] {
		late = append(late, series[si].get(s))
	}
	f := flatness{early: median(early), late: median(late)}
	f.ok = f.late <= f.early*1.1+series[si].slack
	return f
}

// ok reports whether every judged series of every node is flat.
func (r *soakResult) ok() bool {
	for n := range r.nodes {
		for si, s := range series {
			if s.slack >= 0 && !r.flat(n, si).ok {
				return false
			}
		}
	}
	return true
}

func (r *soakResult) report(capacity, rate float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Soak run, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	total, errs := 0, 0
	for _, ss := range r.samples {
		for _, s := range ss {
			total += s.requests
			errs += s.errors
		}
	}
	fmt.Fprintf(&b, "%s at %.0f req/s (%.0f %% of the measured %.0f req/s) on three nodes, every guard of the config on (JWT, API key, rate limits on Redis, inspection, response filtering, ownership recording, audit of every request to PostgreSQL); %d CPUs, load average at the end %s. %d requests, %d not 2xx; generator slots skipped (workers busy): %d.\n\n",
		r.duration, rate, 100*rate/capacity, capacity, runtime.NumCPU(), r.load, total, errs, r.dropped)
	b.WriteString("Flatness: median of the first third after warm-up (the first fifth of the run) against the median of the last third; the later may exceed the earlier by at most 10 % (plus 4 MiB, 20 goroutines or 10 files of slack). The heap is judged by the GC's goal (`go_memstats_next_gc_bytes`, twice the live heap at the default GOGC): the allocated heap (`go_memstats_heap_alloc_bytes`) is a sawtooth between collections and is reported only, as is p99.\n\n")
	b.WriteString("| node | figure | early | late | change | flat |\n|---|---|---|---|---|---|\n")
	for n, name := range r.nodes {
		for si, s := range series {
			f := r.flat(n, si)
			verdict := "yes"
			if !f.ok {
				verdict = "NO"
			}
			if s.slack < 0 {
				verdict = "(reported)"
			}
			change := "–"
			if f.early != 0 {
				change = fmt.Sprintf("%+.1f %%", 100*(f.late-f.early)/f.early)
			}
			fmt.Fprintf(&b, "| %s | %s %s | %.1f | %.1f | %s | %s |\n", name, s.name, s.unit, f.early, f.late, change, verdict)
		}
	}
	return b.String()
}

// csv returns every sample, one line per node and time.
func (r *soakResult) csv() string {
	var b strings.Builder
	b.WriteString("node,seconds,rss_bytes,heap_alloc_bytes,heap_goal_bytes,goroutines,fds,p99_ms,requests,errors\n")
	for n, name := range r.nodes {
		for _, s := range r.samples[n] {
			fmt.Fprintf(&b, "%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.2f,%d,%d\n", name, s.at.Seconds(), s.rss, s.heap, s.heapGoal,
				s.goroutines, s.fds, s.p99, s.requests, s.errors)
		}
	}
	return b.String()
}

// writeSVG draws one plot per figure into dir.
func (r *soakResult) writeSVG(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range series {
		var lines []svgSeries
		for n, name := range r.nodes {
			var pts []svgPoint
			for _, x := range r.samples[n] {
				pts = append(pts, svgPoint{x.at.Minutes(), s.get(x)})
			}
			lines = append(lines, svgSeries{name: name, points: pts})
		}
		title := s.name
		if s.unit != "" {
			title += " (" + s.unit + ")"
		}
		warm := 0.0
		if ss := r.samples[0]; len(ss) > 0 {
			warm = ss[len(ss)/5].at.Minutes()
		}
		svg := plotSVG(title, "minutes", lines, warm)
		if err := os.WriteFile(filepath.Join(dir, "soak-"+s.name+".svg"), []byte(svg), 0o644); err != nil {
			return err
		}
	}
	return nil
}
