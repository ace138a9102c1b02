package enumeration

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

// step is one observed request.
type step struct {
	id     string
	status int
}

// ids returns one 200 step per id.
func ids(list ...string) []step {
	out := make([]step, len(list))
	for i, id := range list {
		out[i] = step{id, 200}
	}
	return out
}

// numbered returns one 200 step per number from..to (inclusive, either direction).
func numbered(from, to int) []step {
	var out []step
	for i := from; ; {
		out = append(out, step{strconv.Itoa(i), 200})
		if i == to {
			return out
		}
		if from < to {
			i++
		} else {
			i--
		}
	}
}

// statuses returns one step per status, all on object "1".
func statuses(list ...int) []step {
	out := make([]step, len(list))
	for i, s := range list {
		out[i] = step{"1", s}
	}
	return out
}

func concat(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// repeat returns n copies of steps.
func repeat(n int, steps []step) []step {
	var out []step
	for range n {
		out = append(out, steps...)
	}
	return out
}

func TestRules(t *testing.T) {
	distinct := Config{Window: time.Minute, MaxDistinct: 5}
	share := Config{Window: time.Minute, MinRequests: 4, MaxDeniedShare: 0.5}
	seq := Config{Window: time.Minute, Sequential: 5}
	all := Config{Window: time.Minute, MaxDistinct: 30, MinRequests: 10, MaxDeniedShare: 0.5, Sequential: 10}
	tests := []struct {
		name    string
		cfg     Config
		steps   []step
		alertAt int // index of the step that alerts; -1 = none
		rule    string
	}{
		{name: "distinct trips one past max", cfg: distinct, steps: ids("a", "b", "c", "d", "e", "f"), alertAt: 5, rule: RuleDistinctIDs},
		{name: "distinct at max does not trip", cfg: distinct, steps: ids("a", "b", "c", "d", "e"), alertAt: -1},
		{name: "distinct ignores repeats", cfg: distinct, steps: concat(repeat(3, ids("a", "b", "c", "d", "e")), ids("f")), alertAt: 15, rule: RuleDistinctIDs},
		{name: "distinct ignores empty ids", cfg: distinct, steps: concat(repeat(10, ids("")), ids("a", "b", "c", "d", "e")), alertAt: -1},
		{name: "share trips at min requests", cfg: share, steps: statuses(200, 403, 200, 404), alertAt: 3, rule: RuleDeniedShare},
		{name: "share waits for min requests", cfg: share, steps: statuses(403, 403, 403, 200), alertAt: 3, rule: RuleDeniedShare},
		{name: "share trips exactly at share", cfg: share, steps: statuses(200, 200, 200, 403, 403, 403), alertAt: 5, rule: RuleDeniedShare},
		{name: "share below never trips", cfg: share, steps: repeat(10, statuses(200, 200, 404)), alertAt: -1},
		{name: "share counts only 403 and 404", cfg: share, steps: statuses(401, 500, 400, 429, 200), alertAt: -1},
		{name: "sequential ascending", cfg: seq, steps: numbered(1, 5), alertAt: 4, rule: RuleSequentialIDs},
		{name: "sequential descending", cfg: seq, steps: numbered(20, 16), alertAt: 4, rule: RuleSequentialIDs},
		{name: "sequential one short", cfg: seq, steps: numbered(1, 4), alertAt: -1},
		{name: "sequential gap restarts", cfg: seq, steps: concat(numbered(1, 4), numbered(6, 9)), alertAt: -1},
		{name: "sequential direction change restarts", cfg: seq, steps: concat(numbered(1, 4), numbered(3, 1)), alertAt: -1},
		{name: "sequential repeats ignored", cfg: seq, steps: ids("1", "2", "2", "3", "3", "4", "5"), alertAt: 6, rule: RuleSequentialIDs},
		{name: "sequential through decoys", cfg: seq, steps: ids("1", "900", "2", "abc", "3", "77", "4", "5000", "5"), alertAt: 8, rule: RuleSequentialIDs},
		{name: "sequential two parallel scans", cfg: seq, steps: ids("1", "101", "2", "102", "3", "103", "4", "104", "5"), alertAt: 8, rule: RuleSequentialIDs},
		{name: "sequential leading zeros", cfg: seq, steps: ids("001", "002", "003", "004", "005"), alertAt: 4, rule: RuleSequentialIDs},
		{name: "non-numeric never sequential", cfg: seq, steps: ids("a1", "a2", "a3", "a4", "a5", "-1", "-2", "+3"), alertAt: -1},
		{name: "legit traffic never trips", cfg: all, steps: repeat(60, concat(ids("17", "42", "99", ""), statuses(404))), alertAt: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			d := newDetector(t, tt.cfg, clock)
			for i, s := range tt.steps {
				a := d.Observe("alice", "GET /orders/{id}", s.id, s.status)
				if (a != nil) != (i == tt.alertAt) {
					t.Fatalf("step %d (%+v): alert = %+v, want alert only at step %d", i, s, a, tt.alertAt)
				}
				if a != nil && (a.Rule != tt.rule || a.Principal != "alice" || a.Route != "GET /orders/{id}" || a.Requests != i+1) {
					t.Fatalf("alert = %+v, want rule %s after %d requests", a, tt.rule, i+1)
				}
				clock.Advance(10 * time.Millisecond)
			}
		})
	}
}

func TestAlertCounts(t *testing.T) {
	clock := newClock()
	d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 3, Sequential: 10}, clock)
	var a *Alert
	for i := 1; i <= 4; i++ {
		a = d.Observe("p", "r", strconv.Itoa(i), 404)
	}
	want := Alert{Principal: "p", Route: "r", Rule: RuleDistinctIDs, Distinct: 4, Requests: 4, Denied: 4, Sequential: 4}
	if a == nil || *a != want {
		t.Fatalf("alert = %+v, want %+v", a, want)
	}
}

func TestAlertOncePerWindow(t *testing.T) {
	clock := newClock()
	d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 2, MinRequests: 1, MaxDeniedShare: 0.5}, clock)
	alerts := func(steps []step) (n int) {
		for _, s := range steps {
			if d.Observe("p", "r", s.id, s.status) != nil {
				n++
			}
			clock.Advance(time.Second)
		}
		return n
	}
	// Every rule keeps tripping after the first alert; only one is returned.
	if n := alerts(concat(ids("a", "b", "c", "d", "e"), statuses(403, 403, 403, 403))); n != 1 {
		t.Fatalf("first window: %d alerts, want 1", n)
	}
	clock.Advance(time.Minute)
	if n := alerts(ids("f", "g", "h", "i")); n != 1 {
		t.Fatalf("second window: %d alerts, want 1", n)
	}
}

func TestWindowExpiry(t *testing.T) {
	tests := []struct {
		name  string
		gap   time.Duration
		alert bool
	}{
		{name: "just inside the window", gap: time.Minute - time.Nanosecond, alert: true},
		{name: "at the window's end", gap: time.Minute, alert: false},
		{name: "long after", gap: time.Hour, alert: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 2, MinRequests: 4, MaxDeniedShare: 0.75}, clock)
			for _, s := range []step{{"a", 200}, {"b", 200}, {"a", 404}, {"b", 404}} { // 2 distinct, 2 of 4 denied
				if a := d.Observe("p", "r", s.id, s.status); a != nil {
					t.Fatalf("early alert %+v", a)
				}
			}
			// The window opened at the first request; one more id and one more
			// denial trip both rules if the counts survive.
			clock.Advance(tt.gap)
			a := d.Observe("p", "r", "c", 404)
			if (a != nil) != tt.alert {
				t.Fatalf("alert = %+v, want %v", a, tt.alert)
			}
		})
	}
}

func TestSequentialAcrossWindows(t *testing.T) {
	tests := []struct {
		name  string
		gap   time.Duration
		alert bool
	}{
		{name: "slow scan spanning windows", gap: 20 * time.Second, alert: true},
		{name: "gap longer than window drops the run", gap: time.Minute + time.Second, alert: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			d := newDetector(t, Config{Window: time.Minute, Sequential: 5}, clock)
			var last *Alert
			for _, s := range numbered(1, 5) {
				last = d.Observe("p", "r", s.id, 200)
				clock.Advance(tt.gap)
			}
			if (last != nil) != tt.alert {
				t.Fatalf("alert = %+v, want %v", last, tt.alert)
			}
		})
	}
}

func TestBlocking(t *testing.T) {
	clock := newClock()
	d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 2, BlockFor: 5 * time.Minute}, clock)
	if _, blocked := d.Blocked("p", "r"); blocked {
		t.Fatal("unknown pair blocked")
	}
	d.Observe("p", "r", "a", 200)
	d.Observe("p", "r", "b", 200)
	a := d.Observe("p", "r", "c", 200)
	until := clock.Now().Add(5 * time.Minute)
	if a == nil || !a.BlockedUntil.Equal(until) {
		t.Fatalf("alert = %+v, want blocked until %v", a, until)
	}
	if got, blocked := d.Blocked("p", "r"); !blocked || !got.Equal(until) {
		t.Fatalf("Blocked = %v, %v; want %v, true", got, blocked, until)
	}
	if _, blocked := d.Blocked("p", "other route"); blocked {
		t.Fatal("block leaked to another route")
	}
	if _, blocked := d.Blocked("q", "r"); blocked {
		t.Fatal("block leaked to another principal")
	}
	if a := d.Observe("p", "r", "z", 200); a != nil {
		t.Fatalf("alert while blocked: %+v", a)
	}
	clock.Advance(5*time.Minute - time.Nanosecond)
	if _, blocked := d.Blocked("p", "r"); !blocked {
		t.Fatal("unblocked early")
	}
	clock.Advance(time.Nanosecond)
	if _, blocked := d.Blocked("p", "r"); blocked {
		t.Fatal("still blocked at the block's end")
	}
	// Counting restarts when the block ends: two ids pass, the third trips again.
	for i, id := range []string{"d", "e", "f"} {
		a := d.Observe("p", "r", id, 200)
		if (a != nil) != (i == 2) {
			t.Fatalf("after unblock, step %d: alert = %+v", i, a)
		}
	}
	if _, blocked := d.Blocked("p", "r"); !blocked {
		t.Fatal("not blocked again")
	}
}

func TestAlertOnlyDoesNotBlock(t *testing.T) {
	clock := newClock()
	d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 1}, clock)
	d.Observe("p", "r", "a", 200)
	if a := d.Observe("p", "r", "b", 200); a == nil || !a.BlockedUntil.IsZero() {
		t.Fatalf("alert = %+v, want one without a block", a)
	}
	if _, blocked := d.Blocked("p", "r"); blocked {
		t.Fatal("blocked with BlockFor 0")
	}
}

func TestEvictionBound(t *testing.T) {
	for _, max := range []int{1, 3, 100, 1000} {
		t.Run(strconv.Itoa(max), func(t *testing.T) {
			d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 5, MaxTracked: max}, newClock())
			for i := range 20 * max {
				d.Observe(fmt.Sprintf("p%d", i), "r", "1", 200)
				if n := d.Tracked(); n > max {
					t.Fatalf("tracking %d pairs, max %d", n, max)
				}
			}
			if d.Tracked() == 0 {
				t.Fatal("nothing tracked")
			}
		})
	}
}

func TestEvictsLeastRecentlyActive(t *testing.T) {
	var s shard
	s.init(2)
	now := time.Now()
	a, b, c := pairKey{"a", "r"}, pairKey{"b", "r"}, pairKey{"c", "r"}
	s.get(a, now)
	s.get(b, now)
	s.touch(s.pairs[a]) // a is now more recent than b
	s.get(c, now)
	if _, ok := s.pairs[b]; ok || s.pairs[a] == nil || s.pairs[c] == nil || len(s.pairs) != 2 {
		t.Fatalf("pairs after eviction: %v", s.pairs)
	}
}

func TestEvictionDropsIdleBlock(t *testing.T) {
	clock := newClock()
	d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 1, BlockFor: time.Hour, MaxTracked: 1}, clock)
	d.Observe("attacker", "r", "a", 200)
	if a := d.Observe("attacker", "r", "b", 200); a == nil {
		t.Fatal("no alert")
	}
	// With one slot, a newcomer evicts whoever was least recently active.
	d.Observe("newcomer", "r", "a", 200)
	if _, blocked := d.Blocked("attacker", "r"); blocked {
		t.Fatal("evicted pair still blocked; the test no longer shows eviction")
	}
}

func TestBlockedKeepsAttackerTracked(t *testing.T) {
	clock := newClock()
	d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 1, BlockFor: time.Hour, MaxTracked: 64}, clock)
	// Two other principals in the attacker's shard, which holds two pairs.
	home := d.shardOf("attacker", "r")
	var others []string
	for i := 0; len(others) < 2; i++ {
		if p := fmt.Sprintf("user%d", i); d.shardOf(p, "r") == home {
			others = append(others, p)
		}
	}
	if home.limit != 2 {
		t.Fatalf("shard limit %d, want 2", home.limit)
	}
	d.Observe("attacker", "r", "a", 200)
	if a := d.Observe("attacker", "r", "b", 200); a == nil {
		t.Fatal("no alert")
	}
	d.Observe(others[0], "r", "a", 200)
	d.Blocked("attacker", "r") // the attacker keeps knocking: most recently active
	d.Observe(others[1], "r", "a", 200)
	if _, blocked := d.Blocked("attacker", "r"); !blocked {
		t.Fatal("a blocked attacker that keeps knocking was evicted")
	}
}

func TestConcurrentUse(t *testing.T) {
	clock := newClock()
	d := newDetector(t, Config{Window: time.Minute, MaxDistinct: 10, MinRequests: 5, MaxDeniedShare: 0.5,
		Sequential: 5, BlockFor: time.Minute, MaxTracked: 64}, clock)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				p := fmt.Sprintf("p%d", (g*7+i)%100)
				d.Blocked(p, "r")
				d.Observe(p, "r", strconv.Itoa(i%40), 200+(i%3)*102)
				if i%500 == 0 {
					clock.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	if n := d.Tracked(); n > 64 {
		t.Fatalf("tracking %d pairs, max 64", n)
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"007", 7, true},
		{"9999999999999999999", 9999999999999999999, true},
		{"10000000000000000000", 0, false}, // 20 digits
		{"", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"1a", 0, false}, {"1.0", 0, false}, {"١", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
