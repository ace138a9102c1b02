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
	denials    *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	upstreamD  *prometheus.HistogramVec
	buildInfo  *prometheus.GaugeVec
	reloadOK   prometheus.Counter
	reloadErr  prometheus.Counter
	lastReload prometheus.Gauge
	upstream   atomic.Pointer[func() []UpstreamHealth]
	audit      atomic.Pointer[func() (written, dropped uint64)]
	auditFails atomic.Pointer[func() uint64]
	changes    atomic.Pointer[func() ChangeNotifications]
	owners     atomic.Pointer[func() OwnerRecords]
	identity   atomic.Pointer[func() IdentityFailures]
	limiter    limiterSource
	alerts     *prometheus.CounterVec
	panics     prometheus.Counter
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
		Help: "Security alerts raised, by kind: enumeration_distinct_ids, enumeration_denied_share, enumeration_sequential_ids; injection_<detector> and waf_crs for injection findings (blocked or monitored).",
	}, []string{"kind"})
	m.panics = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bulwark_panics_total",
		Help: "Panics recovered in the request path (each answered 500, or aborted if the answer had started).",
	})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulwark_requests_total",
		Help: "Requests handled, by API, route, response status and gateway decision.",
	}, []string{"api", "route", "status", "decision"})
	m.denials = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bulwark_denials_total",
		Help: "Requests the gateway refused, by API, route and reason (the audit event's reason code).",
	}, []string{"api", "route", "reason"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "bulwark_request_duration_seconds",
		Help:    "Time from the first byte read to the response written, by API and route.",
		Buckets: durationBuckets(),
	}, []string{"api", "route"})
	m.upstreamD = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "bulwark_upstream_duration_seconds",
		Help:    "Time from handing a request to the upstream to its response headers, by API and route (the upstream's own share of the latency).",
		Buckets: durationBuckets(),
	}, []string{"api", "route"})
	m.buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "bulwark_build_info",
		Help: "Always 1; the labels name the running build (version, VCS revision, Go version).",
	}, []string{"version", "revision", "goversion"})
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
		m.requests, m.denials, m.duration, m.upstreamD, m.buildInfo, reloads, m.lastReload,
		newUpstreamCollector(m), newAuditCollector(m), newLimiterCollector(&m.limiter), m.alerts, m.panics,
		newChangeCollector(m), newIdentityCollector(m), newOwnerCollector(m),
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

// SetBuildInfo publishes the running build as bulwark_build_info.
func (m *Metrics) SetBuildInfo(version, revision, goVersion string) {
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version, revision, goVersion).Set(1)
}

// ConfigLoaded sets the last-success timestamp for the config loaded at start
// (not a reload: the reload counters stay as they are).
func (m *Metrics) ConfigLoaded() {
	m.lastReload.Set(float64(m.now().UnixNano()) / 1e9)
}

// Panic counts a panic recovered in the request path in bulwark_panics_total.
func (m *Metrics) Panic() { m.panics.Inc() }

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
