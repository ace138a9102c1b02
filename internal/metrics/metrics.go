package metrics

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// durationBuckets span 0.5ms to 10s, in seconds.
func durationBuckets() []float64 {
	return []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
}

// Metrics owns a Prometheus registry and every Bulwark metric in it.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	reloadOK   prometheus.Counter
	reloadErr  prometheus.Counter
	lastReload prometheus.Gauge
	upstream   atomic.Pointer[func() []UpstreamHealth]
	audit      atomic.Pointer[func() (written, dropped uint64)]
	auditFails atomic.Pointer[func() uint64]
	limiter    limiterSource
	alerts     *prometheus.CounterVec
	now        func() time.Time
}

// New returns Metrics registered in a fresh registry, with the Go and process collectors.
func New() *Metrics {
	m, _ := build() // a fixed set in a fresh registry cannot collide; TestBuild proves it
	return m
}

// build creates the metrics and registers them, reporting any registration error.
func build() (*Metrics, error) {
	m := &Metrics{reg: prometheus.NewRegistry(), now: time.Now}
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulwark_alerts_total",
		Help: "Security alerts raised, by kind (enumeration_distinct_ids, enumeration_denied_share, enumeration_sequential_ids).",
	}, []string{"kind"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulwark_requests_total",
		Help: "Requests handled, by API, route, response status and gateway decision.",
	}, []string{"api", "route", "status", "decision"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "bulwark_request_duration_seconds",
		Help:    "Time from the first byte read to the response written, by API and route.",
		Buckets: durationBuckets(),
	}, []string{"api", "route"})
	reloads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulwark_config_reloads_total",
		Help: "Configuration reload attempts, by result (ok or error).",
	}, []string{"result"})
	m.reloadOK = reloads.WithLabelValues("ok")
	m.reloadErr = reloads.WithLabelValues("error")
	m.lastReload = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "bulwark_config_last_reload_success_timestamp_seconds",
		Help: "Unix time of the last successful configuration load.",
	})
	var errs []error
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, reloads, m.lastReload,
		newUpstreamCollector(m), newAuditCollector(m), newLimiterCollector(&m.limiter), m.alerts,
	} {
		errs = append(errs, m.reg.Register(c))
	}
	return m, errors.Join(errs...)
}

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError, // one bad callback must not hide the rest
		Registry:            m.reg,                    // promhttp_metric_handler_errors_total
		MaxRequestsInFlight: 4,                        // scrapes are cheap but not free
	})
}

// ConfigReload counts a configuration reload attempt; a successful one also sets the
// last-success timestamp.
func (m *Metrics) ConfigReload(ok bool) {
	if !ok {
		m.reloadErr.Inc()
		return
	}
	m.reloadOK.Inc()
	m.lastReload.Set(float64(m.now().UnixNano()) / 1e9)
}
