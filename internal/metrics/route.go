package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// counterKey identifies one bulwark_requests_total child within a route.
type counterKey struct {
	status   int
	decision string
}

// RouteMetrics is the per-request handle for one route, resolved once per route when a
// config plan is built. Observe is safe for concurrent use.
type RouteMetrics struct {
	api, route string
	requests   *prometheus.CounterVec
	duration   prometheus.Observer

	// counters is an immutable map replaced on write (copy-on-write): after the first
	// request with a given (status, decision), Observe is one map lookup and no lock.
	counters atomic.Pointer[map[counterKey]prometheus.Counter]
	mu       sync.Mutex // serialises the rare copy-on-write
}

// Route returns the handle for one route. Call it once per route at config build time;
// calling it again for the same labels returns a new handle over the same series.
func (m *Metrics) Route(api, route string) *RouteMetrics {
	rm := &RouteMetrics{
		api:      api,
		route:    route,
		requests: m.requests,
		duration: m.duration.WithLabelValues(api, route),
	}
	empty := map[counterKey]prometheus.Counter{}
	rm.counters.Store(&empty)
	return rm
}

// Observe counts one request with its response status and decision (allow, deny or
// error) and records its duration.
func (rm *RouteMetrics) Observe(status int, decision string, d time.Duration) {
	rm.duration.Observe(d.Seconds())
	k := counterKey{status: status, decision: decision}
	c, ok := (*rm.counters.Load())[k]
	if !ok {
		c = rm.resolve(k)
	}
	c.Inc()
}

// resolve creates the counter child for k and publishes a new map containing it.
func (rm *RouteMetrics) resolve(k counterKey) prometheus.Counter {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	old := *rm.counters.Load()
	if c, ok := old[k]; ok {
		return c
	}
	c := rm.requests.WithLabelValues(rm.api, rm.route, strconv.Itoa(k.status), k.decision)
	next := make(map[counterKey]prometheus.Counter, len(old)+1)
	for key, v := range old {
		next[key] = v
	}
	next[k] = c
	rm.counters.Store(&next)
	return c
}
