package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"syscall"
	"time"
)

// phase is one fault: what breaks, how long, how it is repaired.
type phase struct {
	name    string
	fault   func(r *phaseResult) error
	restore func(r *phaseResult) error
	hold    time.Duration
}

// phaseResult is what a phase measured.
type phaseResult struct {
	name           string
	start, faultAt time.Time
	restoreAt, end time.Time
	outcomes       []outcome
	logs           []map[string]int // per node: "LEVEL msg" → count
	metricsBefore  []map[string]float64
	metricsAfter   []map[string]float64
	notes          []string
}

func (r *phaseResult) notef(format string, a ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, a...))
}

// chaosRun drives the phases under steady load and writes the report.
func chaosRun(ctx context.Context, c *cluster, rate float64, capacity float64, capP99 time.Duration, baseline, observe time.Duration) (string, error) {
	rec := newRecorder()
	key, err := createKey(c)
	if err != nil {
		return "", err
	}
	l := newLoader(c, rec, key)
	longToken := c.is.token("chaos-long", 0, time.Hour) // key 1, outlives the run
	var shortToken string                               // key 1, minted just before the rotation

	loadCtx, stopLoad := context.WithCancel(ctx)
	done := make(chan struct{}, 3)
	go func() { l.run(loadCtx, rate); done <- struct{}{} }()
	go func() { l.writer(loadCtx, "keycreate", 250*time.Millisecond); done <- struct{}{} }()
	go func() { l.writer(loadCtx, "order", 50*time.Millisecond); done <- struct{}{} }()

	phases := []phase{
		{name: "baseline", hold: 0},
		{name: "redis kill -9", hold: 8 * time.Second,
			fault:   func(*phaseResult) error { c.redis.kill(); return nil },
			restore: func(*phaseResult) error { return c.redis.start() }},
		{name: "postgresql stop", hold: 8 * time.Second,
			fault:   func(*phaseResult) error { return c.pg.stop() },
			restore: func(*phaseResult) error { return c.pg.start() }},
		{name: "upstream killed", hold: 5 * time.Second,
			fault:   func(*phaseResult) error { c.up.kill(); return nil },
			restore: func(*phaseResult) error { return c.up.start() }},
		{name: "node2 kill -9", hold: 5 * time.Second,
			fault:   func(*phaseResult) error { c.nodes[1].kill9(); return nil },
			restore: func(*phaseResult) error { return c.nodes[1].start() }},
		{name: "SIGHUP reload", hold: 0,
			fault: func(r *phaseResult) error { return reloadAll(c, r) }},
		{name: "JWKS key rotation", hold: 0,
			fault: func(r *phaseResult) error {
				shortToken = c.is.token("chaos-short", 0, 8*time.Second)
				return rotateJWKS(c, l, r, shortToken, longToken)
			}},
	}
	var results []*phaseResult
	for _, ph := range phases {
		r := &phaseResult{name: ph.name, start: time.Now()}
		rec.take(ph.name)
		for _, n := range c.nodes {
			r.metricsBefore = append(r.metricsBefore, n.metrics())
		}
		offsets := make([]int64, len(c.nodes))
		for i, n := range c.nodes {
			offsets[i] = n.logSize()
		}
		time.Sleep(baseline)
		r.faultAt = time.Now()
		if ph.fault != nil {
			if err := ph.fault(r); err != nil {
				r.notef("fault failed: %v", err)
			}
		}
		time.Sleep(ph.hold)
		r.restoreAt = time.Now()
		if ph.restore != nil {
			if err := ph.restore(r); err != nil {
				r.notef("restore failed: %v", err)
			}
		}
		time.Sleep(observe)
		r.end = time.Now()
		r.outcomes = rec.take("between phases")
		for i, n := range c.nodes {
			r.metricsAfter = append(r.metricsAfter, n.metrics())
			r.logs = append(r.logs, n.logLines(offsets[i]))
		}
		fmt.Printf("phase %-20s %d requests\n", ph.name, len(r.outcomes))
		results = append(results, r)
	}
	// The short-lived key-1 token has expired by now: it must be refused.
	if st, code := probe(c.nodes[0], "/jwt/1", "Bearer "+shortToken); st != 401 {
		results[len(results)-1].notef("MISMATCH: the expired key-1 token got %d %s, want 401", st, code)
	} else {
		results[len(results)-1].notef("the key-1 token issued with an 8 s lifetime just before the rotation, after it expired: 401 %s", code)
	}
	stopLoad()
	for range 3 {
		<-done
	}
	// SIGTERM drains every node's audit queue into the store.
	for _, n := range c.nodes {
		n.stop()
	}
	return chaosReport(ctx, c, rec, results, rate, capacity, capP99)
}

// createKey creates the API key the "key" requests use.
func createKey(c *cluster) (string, error) {
	req, _ := http.NewRequest("POST", c.nodes[0].adminURL("/admin/api/keys"), strings.NewReader(`{"consumer":"chaos-load"}`))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Key string }
	if err := decodeJSON(resp, &out); err != nil || out.Key == "" {
		return "", fmt.Errorf("create key: %d %v", resp.StatusCode, err)
	}
	return out.Key, nil
}

// probe sends one GET with an Authorization header and returns status and code.
func probe(n *node, path, auth string) (int, string) {
	req, _ := http.NewRequest("GET", n.url(path), nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var p struct{ Code string }
	_ = decodeJSON(resp, &p)
	return resp.StatusCode, p.Code
}

// reloadAll adds a route to every node's config, sends SIGHUP and waits
// until the route answers on every node.
func reloadAll(c *cluster, r *phaseResult) error {
	c.extra = "      - match: GET /reloaded/{id}\n"
	for _, n := range c.nodes {
		if err := c.writeConfig(n); err != nil {
			return err
		}
		n.signal(syscall.SIGHUP)
	}
	t0 := time.Now()
	for _, n := range c.nodes {
		for {
			if st, _ := probe(n, "/reloaded/1", ""); st == 200 {
				break
			}
			if time.Since(t0) > 20*time.Second {
				return fmt.Errorf("%s: the new route does not answer 20 s after SIGHUP", n.name)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	r.notef("the added route answered 200 on all %d nodes %s after SIGHUP", len(c.nodes), time.Since(t0).Round(time.Millisecond))
	return nil
}

// rotateJWKS publishes a second key and signs with it: tokens of the new key
// must pass on every node at once (an unknown kid triggers a refetch), tokens
// of the old key until they expire.
func rotateJWKS(c *cluster, l *loader, r *phaseResult, shortToken, longToken string) error {
	if err := c.is.addKey(); err != nil {
		return err
	}
	t0 := time.Now()
	newToken := c.is.token("chaos-rotated", -1, time.Hour)
	for _, n := range c.nodes {
		for {
			st, code := probe(n, "/jwt/1", "Bearer "+newToken)
			if st == 200 {
				break
			}
			if time.Since(t0) > 30*time.Second {
				return fmt.Errorf("%s: a token of the new key still refused after 30 s: %d %s", n.name, st, code)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	r.notef("a token signed with the new key passed on all %d nodes %s after the key was published (documented: at once, an unknown kid triggers a refetch, at most one per jwks_min_refetch = 10s)",
		len(c.nodes), time.Since(t0).Round(time.Millisecond))
	l.refreshToken() // the load signs with the new key from now on
	for _, n := range c.nodes {
		if st, code := probe(n, "/jwt/1", "Bearer "+longToken); st != 200 {
			r.notef("MISMATCH: %s refused an unexpired token of the old key: %d %s", n.name, st, code)
		}
		if st, code := probe(n, "/jwt/1", "Bearer "+shortToken); st != 200 {
			r.notef("MISMATCH: %s refused the short-lived token of the old key before its expiry: %d %s", n.name, st, code)
		}
	}
	r.notef("tokens of the old key (still published) kept passing on every node after the rotation")
	return nil
}

// statusKey names an outcome for the tables: "200", "503 rate_limiter_unavailable", "no answer".
func statusKey(o outcome) string {
	switch {
	case o.status == 0:
		return "no answer"
	case o.status < 300:
		return fmt.Sprint(o.status)
	default:
		return fmt.Sprintf("%d %s", o.status, o.code)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
