package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// kinds of request in the steady load, with their share.
var kinds = []struct {
	name  string
	share int
}{{"local", 25}, {"closed", 20}, {"open", 20}, {"jwt", 25}, {"key", 10}}

// outcome is one answered (or failed) request.
type outcome struct {
	at      time.Time
	kind    string
	node    int
	status  int    // 0: no answer (connection refused or reset)
	code    string // the problem's code for a non-2xx answer
	latency time.Duration
	reqID   string
}

// recorder keeps the outcomes of the current phase and every answered
// request id of the run.
type recorder struct {
	mu       sync.Mutex
	phase    string
	outcomes []outcome
	acked    map[string]string // request id → phase
	dropped  atomic.Int64      // requests the generator could not start (all workers busy)
}

func newRecorder() *recorder { return &recorder{acked: map[string]string{}} }

func (r *recorder) add(o outcome) {
	r.mu.Lock()
	r.outcomes = append(r.outcomes, o)
	if o.reqID != "" && r.acked != nil {
		r.acked[o.reqID] = r.phase
	}
	r.mu.Unlock()
}

// take returns the outcomes since the last take and starts phase.
func (r *recorder) take(phase string) []outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.outcomes
	r.outcomes, r.phase = nil, phase
	return out
}

// loader sends the steady load: rate requests per second spread over the
// nodes and kinds, from a bounded pool of workers (open loop: a request
// whose slot finds every worker busy is counted, not queued without bound).
type loader struct {
	c       *cluster
	rec     *recorder
	client  *http.Client
	apiKey  string
	tokens  atomic.Pointer[string] // the current JWT
	workers int
}

func newLoader(c *cluster, rec *recorder, apiKey string) *loader {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 0, IdleConnTimeout: 30 * time.Second}
	l := &loader{c: c, rec: rec, apiKey: apiKey, workers: 128,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	l.refreshToken()
	return l
}

// refreshToken signs a new token with the issuer's current key.
func (l *loader) refreshToken() {
	t := l.c.is.token("chaos-user", -1, time.Hour)
	l.tokens.Store(&t)
}

// one sends a request of kind to node i and records it.
func (l *loader) one(ctx context.Context, kind string, i int, seq uint64) outcome {
	n := l.c.nodes[i]
	var req *http.Request
	switch kind {
	case "jwt":
		req, _ = http.NewRequestWithContext(ctx, "GET", n.url(fmt.Sprintf("/jwt/%d", seq)), nil)
		req.Header.Set("Authorization", "Bearer "+*l.tokens.Load())
	case "key":
		req, _ = http.NewRequestWithContext(ctx, "GET", n.url(fmt.Sprintf("/key/%d", seq)), nil)
		req.Header.Set("X-API-Key", l.apiKey)
	case "keycreate":
		req, _ = http.NewRequestWithContext(ctx, "POST", n.adminURL("/admin/api/keys"),
			strings.NewReader(fmt.Sprintf(`{"consumer":"chaos-%d"}`, seq)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+adminToken)
	case "order":
		req, _ = http.NewRequestWithContext(ctx, "POST", n.url("/orders"), strings.NewReader(`{"item":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+*l.tokens.Load())
	default:
		req, _ = http.NewRequestWithContext(ctx, "GET", n.url(fmt.Sprintf("/%s/%d", kind, seq)), nil)
	}
	return l.do(req, kind, i)
}

func (l *loader) do(req *http.Request, kind string, i int) outcome {
	start := time.Now()
	o := outcome{at: start, kind: kind, node: i}
	resp, err := l.client.Do(req)
	o.latency = time.Since(start)
	if err != nil {
		return o
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	o.status = resp.StatusCode
	o.reqID = resp.Header.Get("X-Request-Id")
	if resp.StatusCode >= 300 {
		var p struct{ Code string }
		_ = json.Unmarshal(body, &p)
		o.code = p.Code
	}
	if kind == "keycreate" && resp.StatusCode == http.StatusCreated {
		var created struct{ Details struct{ ID string } }
		_ = json.Unmarshal(body, &created)
		o.code = created.Details.ID // the key id, checked against the store
	}
	if kind == "order" && resp.StatusCode == http.StatusCreated {
		var created struct{ ID string }
		_ = json.Unmarshal(body, &created)
		o.code = created.ID // the object id, checked against the store
	}
	return o
}

// writer sends one kind of acknowledged write every interval until ctx ends.
func (l *loader) writer(ctx context.Context, kind string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for seq := uint64(0); ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.rec.add(l.one(context.Background(), kind, int(seq%uint64(len(l.c.nodes))), seq))
		}
	}
}

// run sends rate requests per second until ctx ends.
func (l *loader) run(ctx context.Context, rate float64) {
	jobs := make(chan uint64, l.workers)
	var wg sync.WaitGroup
	for range l.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for seq := range jobs {
				kind := pickKind(rng)
				l.rec.add(l.one(context.Background(), kind, int(seq%uint64(len(l.c.nodes))), seq))
			}
		}()
	}
	defer func() { close(jobs); wg.Wait() }()
	interval := time.Duration(float64(time.Second) / rate)
	tick := time.NewTicker(max(interval, time.Millisecond))
	defer tick.Stop()
	start := time.Now()
	var sent uint64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			due := uint64(now.Sub(start).Seconds() * rate)
			for ; sent < due; sent++ {
				select {
				case jobs <- sent:
				default:
					l.rec.dropped.Add(1)
				}
			}
		}
	}
}

func pickKind(rng *rand.Rand) string {
	x := rng.IntN(100)
	for _, k := range kinds {
		if x < k.share {
			return k.name
		}
		x -= k.share
	}
	return kinds[0].name
}

// capacity measures the cluster's throughput with the same mix, closed loop,
// conc workers for d: requests answered 2xx per second.
func (l *loader) capacity(d time.Duration, conc int) (float64, time.Duration) {
	lats := l.closedLoop(d, conc)
	return float64(len(lats)) / d.Seconds(), quantile(lats, 0.99)
}

// closedLoop sends the mix from conc clients for d and returns the latency
// of every 2xx answer.
func (l *loader) closedLoop(d time.Duration, conc int) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var lats []time.Duration
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for seq := uint64(w); ctx.Err() == nil; seq += uint64(conc) {
				o := l.one(context.Background(), pickKind(rng), int(seq%uint64(len(l.c.nodes))), seq)
				if o.status/100 == 2 {
					mu.Lock()
					lats = append(lats, o.latency)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return lats
}

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
