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
	denials    *prometheus.CounterVec
	duration   prometheus.Observer
	upstream   prometheus.Observer

	// counters is an immutable map replaced on write (copy-on-write): after the first
	// request with a given (status, decision), Observe is one map lookup and no lock.
	counters atomic.Pointer[map[counterKey]prometheus.Counter]
	reasons  atomic.Pointer[map[string]prometheus.Counter] // denials by reason, the same way
	mu       sync.Mutex                                    // serialises the rare copy-on-write
}

// Route returns the handle for one route. Call it once per route at config build time;
// calling it again for the same labels returns a new handle over the same series.
func (m *Metrics) Route(api, route string) *RouteMetrics {
	rm := &RouteMetrics{
		api:      api,
		route:    route,
		requests: m.requests,
		denials:  m.denials,
		duration: m.duration.WithLabelValues(api, route),
		upstream: m.upstreamD.WithLabelValues(api, route),
	}
	empty := map[counterKey]prometheus.Counter{}
	rm.counters.Store(&empty)
	noReasons := map[string]prometheus.Counter{}
	rm.reasons.Store(&noReasons)
	return rm
}

// ObserveUpstream records the upstream's own time for one request.
func (rm *RouteMetrics) ObserveUpstream(d time.Duration) { rm.upstream.Observe(d.Seconds()) }

// Deny counts one refusal by its reason code. Reasons are the gateway's stable
// codes (a bounded set), never client input.
func (rm *RouteMetrics) Deny(reason string) {
	c, ok := (*rm.reasons.Load())[reason]
	if !ok {
		rm.mu.Lock()
		old := *rm.reasons.Load()
		if c, ok = old[reason]; !ok {
			c = rm.denials.WithLabelValues(rm.api, rm.route, reason)
			next := make(map[string]prometheus.Counter, len(old)+1)
			for k, v := range old {
				next[k] = v
			}
			next[reason] = c
			rm.reasons.Store(&next)
		}
		rm.mu.Unlock()
	}
	c.Inc()
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
