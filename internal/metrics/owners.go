package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// OwnerRecords are the figures of the owner-record outbox, which holds the
// ownership records a create recorded while the store could not be written
// (docs/reliability.md).
type OwnerRecords struct {
	Pending int64  // records queued now
	Retried uint64 // records written after their first attempt failed
	// LostShutdown and LostConflict count acknowledged records never
	// written: still queued when the process stopped, or the object had
	// another owner by the time the store answered.
	LostShutdown, LostConflict uint64
	Refused                    uint64 // creates answered 503: the outbox was full
}

// SetOwnerRecordSource sets the callback read at each scrape for the
// owner-record outbox; nil removes the series.
func (m *Metrics) SetOwnerRecordSource(fn func() OwnerRecords) {
	storeSource(&m.owners, fn, fn == nil)
}

// ownerCollector emits the owner-record outbox figures.
type ownerCollector struct {
	src                             *atomic.Pointer[func() OwnerRecords]
	pending, retried, lost, refused *prometheus.Desc
}

func newOwnerCollector(m *Metrics) ownerCollector {
	return ownerCollector{
		src: &m.owners,
		pending: prometheus.NewDesc("bulwark_owner_records_pending",
			"Ownership records queued in the outbox because the store could not be written; written in order once it answers.", nil, nil),
		retried: prometheus.NewDesc("bulwark_owner_records_retried_total",
			"Ownership records the outbox wrote to the store after their first write failed.", nil, nil),
		lost: prometheus.NewDesc("bulwark_owner_records_lost_total",
			"Acknowledged ownership records never written, by reason: shutdown (still queued when the shutdown grace ended) or conflict (the object had another owner by then).", []string{"reason"}, nil),
		refused: prometheus.NewDesc("bulwark_owner_records_refused_total",
			"Creates answered 503 because the store could not be written and the outbox was full.", nil, nil),
	}
}

// Describe sends the descriptors.
func (c ownerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.retried
	ch <- c.lost
	ch <- c.refused
}

// Collect calls the source once per scrape.
func (c ownerCollector) Collect(ch chan<- prometheus.Metric) {
	fn := c.src.Load()
	if fn == nil {
		return
	}
	s := (*fn)()
	ch <- constMetric(c.pending, prometheus.GaugeValue, float64(s.Pending))
	ch <- constMetric(c.retried, prometheus.CounterValue, float64(s.Retried))
	ch <- constMetric(c.lost, prometheus.CounterValue, float64(s.LostShutdown), "shutdown")
	ch <- constMetric(c.lost, prometheus.CounterValue, float64(s.LostConflict), "conflict")
	ch <- constMetric(c.refused, prometheus.CounterValue, float64(s.Refused))
}
