package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// ChangeNotifications are the cumulative counters of the change-log
// notifications (PostgreSQL LISTEN/NOTIFY, docs/reliability.md).
type ChangeNotifications struct {
	// Lost is how many times a LISTEN connection was lost (once per outage).
	Lost uint64
	// CaughtByPoll is how many interval polls found changes a notification
	// had not announced (lost, or not yet arrived).
	CaughtByPoll uint64
}

// SetChangeSource sets the callback read at each scrape for the change
// notification counters; nil removes the series.
func (m *Metrics) SetChangeSource(fn func() ChangeNotifications) {
	storeSource(&m.changes, fn, fn == nil)
}

// changeCollector emits the change notification counters.
type changeCollector struct {
	src         *atomic.Pointer[func() ChangeNotifications]
	lost, polls *prometheus.Desc
}

func newChangeCollector(m *Metrics) changeCollector {
	return changeCollector{
		src: &m.changes,
		lost: prometheus.NewDesc("bulwark_change_notifications_lost_total",
			"Times a change-notification (LISTEN) connection to PostgreSQL was lost; changes then arrive by the interval poll.", nil, nil),
		polls: prometheus.NewDesc("bulwark_change_poll_catches_total",
			"Interval polls of the change logs that found changes no notification had announced (lost or late).", nil, nil),
	}
}

// Describe sends both descriptors.
func (c changeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lost
	ch <- c.polls
}

// Collect calls the source once per scrape.
func (c changeCollector) Collect(ch chan<- prometheus.Metric) {
	fn := c.src.Load()
	if fn == nil {
		return
	}
	s := (*fn)()
	ch <- constMetric(c.lost, prometheus.CounterValue, float64(s.Lost))
	ch <- constMetric(c.polls, prometheus.CounterValue, float64(s.CaughtByPoll))
}
