package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// LimiterHealth is the shared-counter backend's state, for
// bulwark_ratelimit_backend_failures_total and bulwark_ratelimit_degraded.
type LimiterHealth struct {
	Failures uint64 // decisions the shared backend (Redis) could not make
	Degraded bool   // limits currently run on their failure mode
}

// limiterSource holds the callback behind the limiter collector.
type limiterSource struct {
	fn atomic.Pointer[func() LimiterHealth]
}

// SetLimiterSource sets the callback read at each scrape for the rate-limit backend
// series; nil removes them.
func (m *Metrics) SetLimiterSource(fn func() LimiterHealth) {
	storeSource(&m.limiter.fn, fn, fn == nil)
}

type limiterCollector struct {
	src                *limiterSource
	failures, degraded *prometheus.Desc
}

func newLimiterCollector(src *limiterSource) limiterCollector {
	return limiterCollector{src: src,
		failures: prometheus.NewDesc("bulwark_ratelimit_backend_failures_total",
			"Rate-limit decisions the shared backend (Redis) could not make; each limit then applied its failure mode.", nil, nil),
		degraded: prometheus.NewDesc("bulwark_ratelimit_degraded",
			"1 while rate limits run on their failure mode because the shared backend is unreachable.", nil, nil)}
}

func (c limiterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.failures
	ch <- c.degraded
}

func (c limiterCollector) Collect(ch chan<- prometheus.Metric) {
	fn := c.src.fn.Load()
	if fn == nil {
		return
	}
	h := (*fn)()
	d := 0.0
	if h.Degraded {
		d = 1
	}
	ch <- constMetric(c.failures, prometheus.CounterValue, float64(h.Failures))
	ch <- constMetric(c.degraded, prometheus.GaugeValue, d)
}

// Alert counts a security alert by kind (enumeration_distinct_ids, …) in
// bulwark_alerts_total.
func (m *Metrics) Alert(kind string) {
	m.alerts.WithLabelValues(kind).Inc()
}
