package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-gw/bulwark/internal/outage"
)

// IdentityFailures are the cumulative failure counters of the identity
// providers Bulwark calls, by configured name.
type IdentityFailures struct {
	JWKS          []outage.Count // failed JWKS fetches, by issuer name
	Introspection []outage.Count // failed introspection calls, by endpoint name
}

// SetIdentityFailureSource sets the callback read at each scrape for
// bulwark_jwks_fetch_failures_total and bulwark_introspection_failures_total;
// nil removes the series.
func (m *Metrics) SetIdentityFailureSource(fn func() IdentityFailures) {
	storeSource(&m.identity, fn, fn == nil)
}

// identityCollector emits the identity provider failure counters.
type identityCollector struct {
	src         *atomic.Pointer[func() IdentityFailures]
	jwks, intro *prometheus.Desc
}

func newIdentityCollector(m *Metrics) identityCollector {
	return identityCollector{
		src: &m.identity,
		jwks: prometheus.NewDesc("bulwark_jwks_fetch_failures_total",
			"Failed JWKS fetches (discovery, download or parse), by issuer; the keys already fetched keep serving.", []string{"issuer"}, nil),
		intro: prometheus.NewDesc("bulwark_introspection_failures_total",
			"Failed token introspection calls (no answer, a status other than 200, a malformed response), by endpoint; requests needing them get 503.", []string{"endpoint"}, nil),
	}
}

// Describe sends both descriptors.
func (c identityCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jwks
	ch <- c.intro
}

// Collect calls the source once per scrape.
func (c identityCollector) Collect(ch chan<- prometheus.Metric) {
	fn := c.src.Load()
	if fn == nil {
		return
	}
	f := (*fn)()
	for _, n := range f.JWKS {
		ch <- constMetric(c.jwks, prometheus.CounterValue, float64(n.N), n.Name)
	}
	for _, n := range f.Introspection {
		ch <- constMetric(c.intro, prometheus.CounterValue, float64(n.N), n.Name)
	}
}
