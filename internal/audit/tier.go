package audit

import (
	"math"
	"time"
)

// Decisions recorded besides allow, deny and error; both are always stored in full.
const (
	DecisionAlert = "alert" // a detector tripped (e.g. object-id enumeration)
	DecisionAdmin = "admin" // an administrative action
)

// Tier defaults (docs/audit.md).
const (
	DefaultRefusalBudget  = 60   // refusals stored in full per source and reason per minute
	DefaultSummarySamples = 3    // sample request ids kept per refusal summary row
	DefaultAllowedSample  = 0.01 // share of allowed requests also stored in full
	DefaultMaxRollupKeys  = 10000
	// maxBudgetKeys bounds the per-minute budget table: past it, a new source's
	// refusals are summarised at once (a spread-out flood cannot grow memory).
	maxBudgetKeys = 100000
)

// OtherConsumer replaces the consumer of a rollup row once a minute holds
// MaxRollupKeys distinct rows, so that many consumers cannot grow the table.
const OtherConsumer = "~other"

// LatencyBoundsMS are the upper bounds (inclusive, milliseconds) of the rollup
// latency histogram; a last bucket counts everything slower.
var LatencyBoundsMS = [...]float64{1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000}

// LatencyBuckets is the number of histogram buckets: the bounds plus +Inf.
const LatencyBuckets = len(LatencyBoundsMS) + 1

// TierConfig says which events the store keeps in full.
type TierConfig struct {
	// StoreAll stores every event in full: no budgets, no sampling. Rollups are
	// still written.
	StoreAll bool
	// RefusalBudget is how many refused (deny, error, or allowed with a monitored
	// finding) events per client IP and reason per minute are stored in full
	// (DefaultRefusalBudget when 0; negative stores none in full).
	RefusalBudget int
	// SummarySamples is how many request ids a refusal summary row keeps (3 when 0).
	SummarySamples int
	// AllowedSample is the share of allowed requests stored in full, 0 to 1.
	AllowedSample float64
	// MaxRollupKeys bounds the distinct rollup rows per minute (10000 when 0).
	MaxRollupKeys int
}

// DefaultTierConfig returns the documented default tiers.
func DefaultTierConfig() TierConfig {
	return TierConfig{RefusalBudget: DefaultRefusalBudget, SummarySamples: DefaultSummarySamples,
		AllowedSample: DefaultAllowedSample, MaxRollupKeys: DefaultMaxRollupKeys}
}

func (c TierConfig) withDefaults() TierConfig {
	if c.RefusalBudget == 0 {
		c.RefusalBudget = DefaultRefusalBudget
	}
	if c.SummarySamples <= 0 {
		c.SummarySamples = DefaultSummarySamples
	}
	if c.MaxRollupKeys <= 0 {
		c.MaxRollupKeys = DefaultMaxRollupKeys
	}
	c.AllowedSample = min(max(c.AllowedSample, 0), 1)
	return c
}

// RollupKey identifies one rollup row.
type RollupKey struct {
	Minute      time.Time // start of the minute, UTC
	API         string
	Route       string
	Consumer    string // the principal; "" for anonymous
	StatusClass int    // 1 to 5 (status/100); 0 when unknown
	Decision    string
}

// Rollup counts the requests of one key.
type Rollup struct {
	RollupKey
	Count        int64
	LatencySumMS float64
	// Latency counts requests per LatencyBoundsMS bucket, the last one slower than all bounds.
	Latency [LatencyBuckets]int64
}

// RefusalKey identifies one refusal summary row.
type RefusalKey struct {
	Minute   time.Time
	ClientIP string
	Reason   string
	Route    string
}

// RefusalSummary counts the refusals of one key that were over the budget and
// so not stored in full, with a few of their request ids.
type RefusalSummary struct {
	RefusalKey
	Count   int64
	Samples []string // request ids, at most TierConfig.SummarySamples
}

// TieredBatch is what one batch of events becomes in the store: the events kept
// in full, rollups of every request, and summaries of the refusals over budget.
// The store writes it in one transaction.
type TieredBatch struct {
	Events    []Event
	Rollups   []Rollup
	Summaries []RefusalSummary
}

// budgetKey is one source and reason in one minute.
type budgetKey struct {
	minute int64
	ip     string
	reason string
}

// Tierer splits batches into a TieredBatch. Its budgets and sampling carry over
// from batch to batch; Commit applies a Split's effect once its batch is stored,
// so a retried write neither spends budget twice nor loses it. Not safe for
// concurrent use: one store sink goroutine owns it.
type Tierer struct {
	cfg TierConfig

	minute    int64              // newest minute seen (unix minutes)
	used      map[budgetKey]int  // refusals per source and reason, this minute and the last
	rollups   map[RollupKey]bool // rollup rows seen, this minute and the last
	sampleAcc float64            // allowed-sample accumulator
	pending   tierState          // what Commit applies
	out       TieredBatch        // reused between Splits
	rollIdx   map[RollupKey]int  // index into out.Rollups
	sumIdx    map[RefusalKey]int // index into out.Summaries
	localUsed map[budgetKey]int  // this Split's budget use
	localKeys map[RollupKey]bool // this Split's new rollup keys
}

type tierState struct {
	sampleAcc float64
	minute    int64
}

// NewTierer returns a Tierer with cfg (zero fields take their defaults).
func NewTierer(cfg TierConfig) *Tierer {
	return &Tierer{cfg: cfg.withDefaults(), used: map[budgetKey]int{}, rollups: map[RollupKey]bool{},
		rollIdx: map[RollupKey]int{}, sumIdx: map[RefusalKey]int{}, localUsed: map[budgetKey]int{},
		localKeys: map[RollupKey]bool{}}
}

// Config returns the effective configuration.
func (t *Tierer) Config() TierConfig { return t.cfg }

// refusal reports whether e is budgeted as a refusal: denied, failed, or allowed
// with a finding (a monitored guard's reason).
func refusal(e *Event) bool {
	switch e.Decision {
	case DecisionAllow:
		return e.Reason != ""
	case DecisionAlert, DecisionAdmin:
		return false
	}
	return true
}

// Split classifies batch. The result is valid until the next Split; its events
// share strings with batch.
func (t *Tierer) Split(batch []Event) *TieredBatch {
	out := &t.out
	out.Events, out.Rollups, out.Summaries = out.Events[:0], out.Rollups[:0], out.Summaries[:0]
	clear(t.rollIdx)
	clear(t.sumIdx)
	clear(t.localUsed)
	clear(t.localKeys)
	acc, newest := t.sampleAcc, t.minute
	for i := range batch {
		e := &batch[i]
		m := e.Time.Unix() / 60
		newest = max(newest, m)
		if e.Decision != DecisionAlert && e.Decision != DecisionAdmin {
			t.rollup(e, m)
		}
		switch {
		case t.cfg.StoreAll, e.Decision == DecisionAlert, e.Decision == DecisionAdmin:
			out.Events = append(out.Events, *e)
		case refusal(e):
			t.budget(e, m)
		default: // allowed
			acc += t.cfg.AllowedSample
			if acc >= 1 {
				acc--
				out.Events = append(out.Events, *e)
			}
		}
	}
	t.pending = tierState{sampleAcc: acc, minute: newest}
	return out
}

// budget stores e in full while its source and reason have budget left this
// minute, and otherwise adds it to its summary.
func (t *Tierer) budget(e *Event, m int64) {
	k := budgetKey{minute: m, ip: e.ClientIP, reason: e.Reason}
	used, known := t.used[k]
	local := t.localUsed[k]
	if (known || len(t.used)+len(t.localUsed) < maxBudgetKeys) && used+local < t.cfg.RefusalBudget {
		t.localUsed[k] = local + 1
		t.out.Events = append(t.out.Events, *e)
		return
	}
	sk := RefusalKey{Minute: time.Unix(m*60, 0).UTC(), ClientIP: e.ClientIP, Reason: e.Reason, Route: e.Route}
	i, ok := t.sumIdx[sk]
	if !ok {
		i = len(t.out.Summaries)
		t.sumIdx[sk] = i
		t.out.Summaries = append(t.out.Summaries, RefusalSummary{RefusalKey: sk})
	}
	s := &t.out.Summaries[i]
	s.Count++
	if len(s.Samples) < t.cfg.SummarySamples {
		s.Samples = append(s.Samples, e.RequestID)
	}
}

// rollup counts e in its rollup row.
func (t *Tierer) rollup(e *Event, m int64) {
	k := RollupKey{Minute: time.Unix(m*60, 0).UTC(), API: e.API, Route: e.Route, Consumer: e.Principal,
		StatusClass: statusClass(e.Status), Decision: e.Decision}
	i, ok := t.rollIdx[k]
	if !ok {
		orig := k
		if !t.rollups[k] && !t.localKeys[k] && len(t.rollups)+len(t.localKeys) >= t.cfg.MaxRollupKeys {
			k.Consumer = OtherConsumer
		}
		t.localKeys[k] = true
		if i, ok = t.rollIdx[k]; !ok {
			i = len(t.out.Rollups)
			t.rollIdx[k] = i
			t.out.Rollups = append(t.out.Rollups, Rollup{RollupKey: k})
		}
		t.rollIdx[orig] = i
	}
	r := &t.out.Rollups[i]
	r.Count++
	lat := e.LatencyMS
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < 0 {
		lat = 0
	}
	r.LatencySumMS += lat
	r.Latency[latencyBucket(lat)]++
}

// Commit records that the last Split's batch was stored: its budget use, its
// sampling position and its rollup rows count from now on. Entries older than
// the previous minute are let go.
func (t *Tierer) Commit() {
	t.sampleAcc = t.pending.sampleAcc
	for k, n := range t.localUsed {
		t.used[k] += n
	}
	for k := range t.localKeys {
		t.rollups[k] = true
	}
	if t.pending.minute > t.minute {
		t.minute = t.pending.minute
		for k := range t.used {
			if k.minute < t.minute-1 {
				delete(t.used, k)
			}
		}
		cut := time.Unix((t.minute-1)*60, 0)
		for k := range t.rollups {
			if k.Minute.Before(cut) {
				delete(t.rollups, k)
			}
		}
	}
}

func statusClass(status int) int {
	if status < 100 || status > 599 {
		return 0
	}
	return status / 100
}

func latencyBucket(ms float64) int {
	for i, b := range LatencyBoundsMS {
		if ms <= b {
			return i
		}
	}
	return len(LatencyBoundsMS)
}
