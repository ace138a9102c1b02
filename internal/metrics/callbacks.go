package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// storeSource sets a scrape-time callback, or removes it (and its series)
// when isNil: every Set…Source setter is this one line.
func storeSource[F any](p *atomic.Pointer[F], fn F, isNil bool) {
	if isNil {
		p.Store(nil)
		return
	}
	p.Store(&fn)
}

// UpstreamHealth is one upstream target's health as the proxy sees it.
type UpstreamHealth struct {
	API, Target string
	Healthy     bool
}

// SetUpstreamSource sets the callback read at each scrape for bulwark_upstream_healthy.
// It replaces the previous one atomically (call it again on config reload); nil removes
// the series. fn must be safe for concurrent use and fast.
func (m *Metrics) SetUpstreamSource(fn func() []UpstreamHealth) {
	storeSource(&m.upstream, fn, fn == nil)
}

// SetAuditSource sets the callback read at each scrape for the audit event counters
// (cumulative written and dropped counts, e.g. from audit.Recorder.Stats). It replaces
// the previous one atomically; nil removes the series.
func (m *Metrics) SetAuditSource(fn func() (written, dropped uint64)) {
	storeSource(&m.audit, fn, fn == nil)
}

// SetAuditFailureSource sets the callback read at each scrape for
// bulwark_audit_sink_failures_total (failed sink writes, retries included).
func (m *Metrics) SetAuditFailureSource(fn func() uint64) {
	storeSource(&m.auditFails, fn, fn == nil)
}

// upstreamCollector emits bulwark_upstream_healthy from the current upstream source.
type upstreamCollector struct {
	m    *Metrics
	desc *prometheus.Desc
}

// newUpstreamCollector returns the collector reading m's upstream source.
func newUpstreamCollector(m *Metrics) upstreamCollector {
	return upstreamCollector{m: m, desc: prometheus.NewDesc("bulwark_upstream_healthy",
		"Whether an upstream target is healthy (1) or not (0).", []string{"api", "target"}, nil)}
}

// Describe sends the one descriptor.
func (c upstreamCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect calls the source once; a duplicate (api, target) keeps its first value, since
// the registry would reject the whole scrape otherwise.
func (c upstreamCollector) Collect(ch chan<- prometheus.Metric) {
	fn := c.m.upstream.Load()
	if fn == nil {
		return
	}
	list := (*fn)()
	seen := make(map[[2]string]bool, len(list))
	for _, u := range list {
		key := [2]string{u.API, u.Target}
		if seen[key] {
			continue
		}
		seen[key] = true
		v := 0.0
		if u.Healthy {
			v = 1
		}
		ch <- constMetric(c.desc, prometheus.GaugeValue, v, u.API, u.Target)
	}
}

// auditCollector emits the audit counters from the current audit source.
type auditCollector struct {
	m                        *Metrics
	written, dropped, failed *prometheus.Desc
}

// newAuditCollector returns the collector reading m's audit source.
func newAuditCollector(m *Metrics) auditCollector {
	return auditCollector{
		m: m,
		written: prometheus.NewDesc("bulwark_audit_events_written_total",
			"Audit events written by a sink (once per sink).", nil, nil),
		dropped: prometheus.NewDesc("bulwark_audit_events_dropped_total",
			"Audit events lost to a full queue or buffer, a failing sink, or shutdown.", nil, nil),
		failed: prometheus.NewDesc("bulwark_audit_sink_failures_total",
			"Failed audit sink writes, retries included (a full disk, an unreachable database).", nil, nil),
	}
}

// Describe sends both descriptors.
func (c auditCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.written
	ch <- c.dropped
	ch <- c.failed
}

// Collect calls the source once per scrape.
func (c auditCollector) Collect(ch chan<- prometheus.Metric) {
	if fails := c.m.auditFails.Load(); fails != nil {
		ch <- constMetric(c.failed, prometheus.CounterValue, float64((*fails)()))
	}
	fn := c.m.audit.Load()
	if fn == nil {
		return
	}
	written, dropped := (*fn)()
	ch <- constMetric(c.written, prometheus.CounterValue, float64(written))
	ch <- constMetric(c.dropped, prometheus.CounterValue, float64(dropped))
}

// constMetric builds a const metric, turning an error into an invalid metric that the
// handler reports, instead of panicking as MustNewConstMetric would.
func constMetric(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) prometheus.Metric {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
}
