package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// target is one API of the gateway, told apart by the Host header.
type target struct {
	Name  string // key in results: bulwark, crs, hard
	Host  string
	Label string // for the report
	Hard  bool   // only the hard items go here
}

var targets = []target{
	{Name: "bulwark", Host: "bulwark.bench", Label: "Bulwark (defaults)"},
	{Name: "crs", Host: "crs.bench", Label: "Coraza + CRS PL1"},
	{Name: "hard", Host: "hard.bench", Label: "Bulwark, routes configured per API", Hard: true},
}

// Run is the outcome of one target's replay.
type Run struct {
	Out      [][]Outcome // [item][channel]; nil for items not sent to this target
	Elapsed  time.Duration
	Requests int
	Errors   int
}

// replayOptions tune a replay.
type replayOptions struct {
	Workers  int
	Timeout  time.Duration
	Progress io.Writer     // nil: quiet
	Every    time.Duration // progress interval
}

// replay sends every item's requests to t, with opt.Workers keep-alive
// connections, and records each answer.
func replay(addr string, items []Item, t target, opt replayOptions) *Run {
	run := &Run{Out: make([][]Outcome, len(items))}
	type job struct{ i, ch int }
	var jobs []job
	for i, it := range items {
		if t.Hard && it.Label != LabelHard {
			continue
		}
		run.Out[i] = make([]Outcome, len(it.Reqs))
		for ch := range it.Reqs {
			jobs = append(jobs, job{i, ch})
		}
	}
	run.Requests = len(jobs)
	var next, done, errs atomic.Int64
	stop := make(chan struct{})
	if opt.Progress != nil {
		go progress(opt, t, &done, len(jobs), stop)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range max(opt.Workers, 1) {
		wg.Go(func() {
			c := newConn(addr, opt.Timeout)
			defer c.close()
			for {
				n := int(next.Add(1)) - 1
				if n >= len(jobs) {
					return
				}
				j := jobs[n]
				o := c.do(&items[j.i].Reqs[j.ch].Req, t.Host)
				if o.Err != "" {
					errs.Add(1)
				}
				run.Out[j.i][j.ch] = o
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	run.Elapsed = time.Since(start)
	run.Errors = int(errs.Load())
	return run
}

func progress(opt replayOptions, t target, done *atomic.Int64, total int, stop <-chan struct{}) {
	every := opt.Every
	if every <= 0 {
		every = 10 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			n := done.Load()
			fmt.Fprintf(opt.Progress, "[detection] %s: %d/%d requests, %.0f req/s\n",
				t.Host, n, total, float64(n)/time.Since(start).Seconds())
		}
	}
}
