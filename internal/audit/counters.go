package audit

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Counter dimensions: what a Counter's key names.
const (
	DimTotal    = "total"    // key ""; every request, by decision and reason
	DimConsumer = "consumer" // key = principal ("" anonymous), by decision
	DimRoute    = "route"    // key = "api/route", by decision
	DimClient   = "client"   // key = client IP, refusals only, by decision (and reason, by the minute)
	DimLatency  = "latency"  // key = latency bucket "00".."12"; decision and reason ""
)

// CounterSpans are the granularities counters are kept at: the console reads
// minutes for short ranges, hours and days for long ones.
var CounterSpans = [...]time.Duration{time.Minute, time.Hour, 24 * time.Hour}

// MaxCounterKeys bounds the distinct keys of one dimension in one bucket;
// past it, further keys count under OtherConsumer ("~other"), so a flood from
// many addresses cannot grow the table.
const MaxCounterKeys = 1000

// Counter is an increment of one console counter row.
type Counter struct {
	Span     time.Duration // one of CounterSpans
	Bucket   time.Time     // start of the span, UTC
	Dim      string
	Key      string
	Decision string
	Reason   string
	Count    int64
}

// CounterAppender adds counters to their rows, creating them as needed, in one
// transaction.
type CounterAppender interface {
	AppendCounters(ctx context.Context, cs []Counter) error
}

// counterKey is a Counter without its count.
type counterKey struct {
	span             time.Duration
	bucket           int64 // unix seconds
	dim, key         string
	decision, reason string
}

// bucketDim is one dimension of one bucket, for the key bound.
type bucketDim struct {
	span   time.Duration
	bucket int64
	dim    string
}

// CounterSink counts every event into the console counters and appends them
// to the store once per CounterFlushEvery (Flush), not per batch: the counts
// of a second's batches become one transaction of a few dozen rows. Counts
// not yet appended stay in memory until an append succeeds; on a kill -9 at
// most the last CounterFlushEvery of counts is lost (the events themselves
// are the store sink's). The key bound is applied as keys are counted. One
// recorder goroutine owns it.
type CounterSink struct {
	a      CounterAppender
	name   string
	keys   map[bucketDim]map[string]bool // keys counted per bucket and dimension, recent buckets only
	raw    map[counterKey]int64          // counts since the last Flush, by minute, keys not yet bounded
	routes map[[2]string]string          // "api/route" by API and route (routeKey)
	out    map[counterKey]int64          // counts not yet appended, at every span, bounded
	newest int64
}

// CounterFlushEvery is how often the recorder flushes a CounterSink.
const CounterFlushEvery = time.Second

var (
	_ Sink    = (*CounterSink)(nil)
	_ Flusher = (*CounterSink)(nil)
)

// NewCounterSink returns a sink counting into a, named "counters:" followed by
// name in logs.
func NewCounterSink(name string, a CounterAppender) *CounterSink {
	return &CounterSink{a: a, name: "counters:" + name, keys: map[bucketDim]map[string]bool{},
		raw: map[counterKey]int64{}, out: map[counterKey]int64{}, routes: map[[2]string]string{}}
}

// Name identifies the sink in logs.
func (s *CounterSink) Name() string { return s.name }

// FlushEvery is CounterFlushEvery.
func (s *CounterSink) FlushEvery() time.Duration { return CounterFlushEvery }

// Write counts batch; it cannot fail. Flush appends the counts.
func (s *CounterSink) Write(_ context.Context, batch []Event) error {
	for i := range batch {
		e := &batch[i]
		if e.Decision == DecisionAdmin {
			continue
		}
		s.newest = max(s.newest, e.Time.Unix())
		s.count(e)
	}
	return nil
}

// Flush appends the counts gathered since the last successful Flush. On
// failure they are kept, with whatever is counted meanwhile, for the next.
func (s *CounterSink) Flush(ctx context.Context) error {
	s.rollup()
	if len(s.out) == 0 {
		return nil
	}
	cs := make([]Counter, 0, len(s.out))
	for k, n := range s.out {
		cs = append(cs, Counter{Span: k.span, Bucket: time.Unix(k.bucket, 0).UTC(), Dim: k.dim, Key: k.key,
			Decision: k.decision, Reason: k.reason, Count: n})
	}
	if err := s.a.AppendCounters(ctx, cs); err != nil {
		return fmt.Errorf("audit: %s: %w", s.name, err)
	}
	clear(s.out)
	for bd := range s.keys { // buckets that ended before the previous one of their span
		if bd.bucket+2*int64(bd.span/time.Second) < s.newest {
			delete(s.keys, bd)
		}
	}
	return nil
}

// count adds e to its minute rows. The hour and day rows, and the key bound,
// are derived once per Flush from the minute counts (rollup): a handful of
// map updates per event instead of one per row and span.
func (s *CounterSink) count(e *Event) {
	reason := ""
	refused := refusal(e)
	if refused || e.Decision == DecisionAlert {
		reason = e.Reason
	}
	b := e.Time.Truncate(time.Minute).Unix()
	s.raw[counterKey{span: time.Minute, bucket: b, dim: DimTotal, decision: e.Decision, reason: reason}]++
	if e.Decision == DecisionAlert {
		return
	}
	s.raw[counterKey{span: time.Minute, bucket: b, dim: DimConsumer, key: e.Principal, decision: e.Decision}]++
	s.raw[counterKey{span: time.Minute, bucket: b, dim: DimRoute, key: s.routeKey(e.API, e.Route), decision: e.Decision}]++
	if refused {
		// Reasons per address only by the minute (the alerts read the last
		// minutes); hours and days keep one row per address and decision.
		s.raw[counterKey{span: time.Minute, bucket: b, dim: DimClient, key: e.ClientIP, decision: e.Decision, reason: reason}]++
	}
	lat := e.LatencyMS
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < 0 {
		lat = 0
	}
	s.raw[counterKey{span: time.Minute, bucket: b, dim: DimLatency, key: latencyKeys[latencyBucket(lat)]}]++
}

// routeKey is "api/route", built once per route rather than per event; the
// cache is emptied past maxRouteKeys (routes are a bounded, configured set,
// but an event may name an unmatched path's pattern).
func (s *CounterSink) routeKey(api, route string) string {
	k := [2]string{api, route}
	if v, ok := s.routes[k]; ok {
		return v
	}
	if len(s.routes) >= maxRouteKeys {
		clear(s.routes)
	}
	v := api + "/" + route
	s.routes[k] = v
	return v
}

const maxRouteKeys = 4096

// rollup moves the minute counts into their rows at every span, each key
// bounded in its own bucket (consumers, routes and clients).
func (s *CounterSink) rollup() {
	for k, n := range s.raw {
		minute := time.Unix(k.bucket, 0)
		for _, span := range CounterSpans {
			r := k
			r.span, r.bucket = span, minute.Truncate(span).Unix()
			if k.dim == DimClient && span != time.Minute {
				r.reason = ""
			}
			switch k.dim {
			case DimConsumer, DimRoute, DimClient:
				r = s.bounded(r)
			}
			s.out[r] += n
		}
	}
	clear(s.raw)
}

// latencyKeys are the latency dimension's keys, "00" to the last bucket.
var latencyKeys = func() []string {
	out := make([]string, len(LatencyBoundsMS)+1)
	for i := range out {
		out[i] = fmt.Sprintf("%02d", i)
	}
	return out
}()

// bounded replaces k's key with OtherConsumer when its bucket and dimension
// already hold MaxCounterKeys keys.
func (s *CounterSink) bounded(k counterKey) counterKey {
	bd := bucketDim{k.span, k.bucket, k.dim}
	keys := s.keys[bd]
	if keys[k.key] {
		return k
	}
	if len(keys) >= MaxCounterKeys {
		k.key = OtherConsumer
		return k
	}
	if keys == nil {
		keys = map[string]bool{}
		s.keys[bd] = keys
	}
	keys[k.key] = true
	return k
}
