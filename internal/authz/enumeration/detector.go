package enumeration

import (
	"hash/maphash"
	"net/http"
	"time"
)

// Rule names reported in Alert.Rule.
const (
	RuleDistinctIDs   = "distinct_ids"
	RuleDeniedShare   = "denied_share"
	RuleSequentialIDs = "sequential_ids"
)

// Alert reports that a pair tripped a rule. Counts are those of the window at
// the request that tripped it.
type Alert struct {
	Principal, Route string
	Rule             string // one of the Rule constants
	Distinct         int    // distinct object ids (capped at MaxDistinct+1)
	Requests         int    // requests observed
	Denied           int    // of which answered 403 or 404
	Sequential       int    // length of the run of consecutive ids the request belongs to
	BlockedUntil     time.Time
}

// Detector tracks (principal, route) pairs. It is safe for concurrent use.
type Detector struct {
	cfg    Config
	seed   maphash.Seed
	shards []shard
}

// maxShards is the number of lock shards (fewer when MaxTracked is smaller).
const maxShards = 32

// New returns a Detector, or an error listing every problem in cfg.
func New(cfg Config) (*Detector, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	n := maxShards
	for n > cfg.MaxTracked {
		n /= 2
	}
	d := &Detector{cfg: cfg, seed: maphash.MakeSeed(), shards: make([]shard, n)}
	for i := range d.shards {
		d.shards[i].init(cfg.MaxTracked / n)
	}
	return d, nil
}

// shardOf returns the shard of a pair.
func (d *Detector) shardOf(principalID, route string) *shard {
	h := maphash.String(d.seed, principalID) ^ maphash.String(d.seed, route)*0x9e3779b97f4a7c15
	return &d.shards[h&uint64(len(d.shards)-1)]
}

// Blocked reports whether principalID is currently blocked on route, and until
// when. It runs before the request is forwarded.
func (d *Detector) Blocked(principalID, route string) (until time.Time, blocked bool) {
	now := d.cfg.Now()
	s := d.shardOf(principalID, route)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.pairs[pairKey{principalID, route}]
	if e == nil || !now.Before(e.blockedUntil) {
		return time.Time{}, false
	}
	s.touch(e) // an attacker hammering while blocked stays tracked
	return e.blockedUntil, true
}

// Observe records one answered request of principalID on route that touched
// objectID ("" when it named none) and was answered status. It returns an Alert
// the first time a rule trips in the pair's window, and nil otherwise, also
// for later trips in the same window and while the pair is blocked.
func (d *Detector) Observe(principalID, route, objectID string, status int) *Alert {
	cfg := &d.cfg
	now := cfg.Now()
	s := d.shardOf(principalID, route)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.get(pairKey{principalID, route}, now)
	if now.Before(e.blockedUntil) {
		return nil
	}
	if now.Sub(e.start) >= cfg.Window {
		e.resetWindow(now)
	}
	e.requests++
	if status == http.StatusForbidden || status == http.StatusNotFound {
		e.denied++
	}
	seq := 0
	if objectID != "" {
		if cfg.MaxDistinct > 0 {
			e.ids.add(maphash.String(d.seed, objectID), cfg.MaxDistinct+1)
		}
		if n, ok := parseID(objectID); ok && cfg.Sequential > 0 {
			seq = e.sequence(n, now, cfg.Window)
		}
	}
	if e.alerted {
		return nil
	}
	rule := d.trips(e, seq)
	if rule == "" {
		return nil
	}
	a := &Alert{
		Principal: principalID, Route: route, Rule: rule,
		Distinct: e.ids.len(), Requests: e.requests, Denied: e.denied, Sequential: seq,
	}
	e.alerted = true
	if cfg.BlockFor > 0 {
		a.BlockedUntil = now.Add(cfg.BlockFor)
		e.blockedUntil = a.BlockedUntil
		e.resetWindow(a.BlockedUntil) // counting starts afresh when the block ends
		e.runs = [runs]run{}
	}
	return a
}

// trips returns the first rule e trips, in a fixed order, or "".
func (d *Detector) trips(e *entry, seq int) string {
	cfg := &d.cfg
	switch {
	case cfg.MaxDistinct > 0 && e.ids.len() > cfg.MaxDistinct:
		return RuleDistinctIDs
	case cfg.MaxDeniedShare > 0 && e.requests >= cfg.MinRequests &&
		float64(e.denied)/float64(e.requests) >= cfg.MaxDeniedShare:
		return RuleDeniedShare
	case cfg.Sequential > 0 && seq >= cfg.Sequential:
		return RuleSequentialIDs
	}
	return ""
}

// Tracked returns how many pairs are tracked, for metrics.
func (d *Detector) Tracked() int {
	n := 0
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		n += len(s.pairs)
		s.mu.Unlock()
	}
	return n
}
