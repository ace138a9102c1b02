package proxy

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// counter is a backend that counts requests and answers with status.
type counter struct {
	n      atomic.Int64
	status atomic.Int64
}

func (c *counter) handler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		return
	}
	c.n.Add(1)
	if s := c.status.Load(); s != 0 {
		w.WriteHeader(int(s))
	}
}

func TestPassiveEjectionAndReturn(t *testing.T) {
	var good, bad counter
	bad.status.Store(http.StatusBadGateway)
	gs, bs := backend(t, good.handler), backend(t, bad.handler)
	up := newUpstream(t, Config{Targets: []string{bs.URL, gs.URL}, MaxFails: 2, FailWindow: 10 * time.Second, EjectFor: 30 * time.Second})
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	up.now = clock.Now
	f := newFront(t, up, frontOpts{})
	send := func(n int) {
		for range n {
			bodyString(t, get(t, f.Client(), f.URL+"/"))
			f.outcome(t)
		}
	}
	send(4) // bad, good, bad (ejected now), good
	if bad.n.Load() != 2 {
		t.Fatalf("bad target got %d requests before ejection, want 2", bad.n.Load())
	}
	h := up.Health()
	if !h[0].Ejected || h[1].Ejected || h[0].LastError != "status 502" {
		t.Fatalf("health after failures = %+v", h)
	}
	send(6)
	if bad.n.Load() != 2 || good.n.Load() != 8 {
		t.Fatalf("while ejected: bad %d good %d, want 2 and 8", bad.n.Load(), good.n.Load())
	}
	clock.Advance(31 * time.Second)
	if up.Health()[0].Ejected {
		t.Fatal("still ejected after EjectFor")
	}
	send(4)
	if bad.n.Load() == 2 {
		t.Fatal("ejected target never returned")
	}
}

func TestTargetFailWindow(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name     string
		maxFails int
		at       []time.Duration // failure times after base
		ejected  bool
	}{
		{"off", 0, []time.Duration{0, 0, 0}, false},
		{"one fail ejects", 1, []time.Duration{0}, true},
		{"two within window", 2, []time.Duration{0, 9 * time.Second}, true},
		{"two spread out", 2, []time.Duration{0, 11 * time.Second}, false},
		{"sliding window", 3, []time.Duration{0, 8 * time.Second, 12 * time.Second, 15 * time.Second}, true},
		{"never three in window", 3, []time.Duration{0, 6 * time.Second, 12 * time.Second, 18 * time.Second}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := newTarget("http://127.0.0.1:1", tc.maxFails, "")
			if err != nil {
				t.Fatal(err)
			}
			ejected := false
			for _, d := range tc.at {
				ejected = tg.fail(base.Add(d), 10*time.Second, time.Minute, statusError(502)) || ejected
			}
			if ejected != tc.ejected {
				t.Fatalf("ejected = %v, want %v", ejected, tc.ejected)
			}
			last := base.Add(tc.at[len(tc.at)-1])
			if got := tg.available(func() time.Time { return last }); got == tc.ejected {
				t.Fatalf("available = %v", got)
			}
		})
	}
}

func TestActiveHealth(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	var served counter
	flaky := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/base/healthz" {
			if !healthy.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			return
		}
		served.handler(w, r)
	})
	var other counter
	steady := backend(t, other.handler)
	// HealthTimeout generous: a probe timing out on a loaded CI machine
	// would record "timeout" where the test reads "status 503".
	up := newUpstream(t, Config{
		Targets:    []string{flaky.URL + "/base", steady.URL},
		HealthPath: "/healthz", HealthInterval: 5 * time.Millisecond, HealthTimeout: 10 * time.Second,
		HealthyThreshold: 2, UnhealthyThreshold: 2,
	})
	up.Start(context.Background())
	f := newFront(t, up, frontOpts{})

	healthy.Store(false)
	waitFor(t, "target marked unhealthy", func() bool { return !up.Health()[0].Healthy })
	h := up.Health()[0]
	if h.ConsecutiveFails < 2 || h.LastError != "status 503" || h.LastCheck.IsZero() {
		t.Fatalf("health = %+v", h)
	}
	for range 4 {
		bodyString(t, get(t, f.Client(), f.URL+"/"))
	}
	if served.n.Load() != 0 || other.n.Load() != 4 {
		t.Fatalf("unhealthy target served %d, other %d", served.n.Load(), other.n.Load())
	}

	healthy.Store(true)
	waitFor(t, "target healthy again", func() bool { return up.Health()[0].Healthy })
	for range 4 {
		bodyString(t, get(t, f.Client(), f.URL+"/"))
	}
	if served.n.Load() == 0 {
		t.Fatal("recovered target got no traffic")
	}
}

func TestNoHealthyTarget(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	up := newUpstream(t, Config{
		Targets:    []string{s.URL},
		HealthPath: "/healthz", HealthInterval: 5 * time.Millisecond, UnhealthyThreshold: 1,
	})
	up.Start(context.Background())
	waitFor(t, "target unhealthy", func() bool { return !up.Health()[0].Healthy })
	f := newFront(t, up, frontOpts{})
	resp := get(t, f.Client(), f.URL+"/")
	if ra := resp.Header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After = %q", ra)
	}
	readProblem(t, resp, http.StatusServiceUnavailable, "upstream_unavailable")
	if o := f.outcome(t); o.Code != "upstream_unavailable" || o.Status != 503 {
		t.Errorf("outcome = %+v", o)
	}
}

func TestStartCloseIdempotent(t *testing.T) {
	s := backend(t, func(http.ResponseWriter, *http.Request) {})
	up := newUpstream(t, Config{Targets: []string{s.URL}, HealthPath: "/h", HealthInterval: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	up.Start(ctx)
	up.Start(ctx)
	cancel()
	up.Close()
	up.Close()
	up.Start(context.Background()) // after Close: no-op, must not leak goroutines
	up.Close()
}

func TestStatuses(t *testing.T) {
	s := backend(t, func(http.ResponseWriter, *http.Request) {})
	a := newUpstream(t, Config{Name: "a", Targets: []string{s.URL}})
	b := newUpstream(t, Config{Name: "b", Targets: []string{s.URL, s.URL + "/2"}})
	got := Statuses([]*Upstream{a, b})
	if len(got) != 2 || got[0].API != "a" || len(got[0].Targets) != 1 || got[1].API != "b" ||
		len(got[1].Targets) != 2 || got[1].Targets[1].URL != s.URL+"/2" || !got[0].Targets[0].Healthy {
		t.Fatalf("%+v", got)
	}
	if got := Statuses(nil); got == nil || len(got) != 0 { // the admin API answers [], not null
		t.Fatalf("%#v", got)
	}
}
