package oauthserver

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLoginLimiter(3, time.Minute, func() time.Time { return now })
	pair, ip := "user:alice|192.0.2.1", "ip:192.0.2.1"
	for i := range 3 {
		if w := l.locked(pair, ip); w != 0 {
			t.Fatalf("locked after %d failures", i)
		}
		l.record(true, pair, ip)
	}
	if w := l.locked(pair, ip); w != time.Minute {
		t.Fatalf("after 3 failures: wait %s", w)
	}
	if w := l.locked("user:bob|192.0.2.1", ip); w == 0 {
		t.Error("the IP alone is not locked")
	}
	if w := l.locked("user:alice|198.51.100.7", "ip:198.51.100.7"); w != 0 {
		t.Error("another IP is locked")
	}
	now = now.Add(61 * time.Second)
	if w := l.locked(pair, ip); w != 0 {
		t.Errorf("still locked after the window: %s", w)
	}
	l.record(true, pair, ip)
	l.record(false, pair, ip)
	if f := l.seen[pair]; f != nil {
		t.Error("success did not forget the pair")
	}
	if f := l.seen[ip]; f == nil || f.n != 1 {
		t.Error("success reset the IP's count")
	}
	for i := range maxSubjects + 10 {
		l.record(true, "k"+string(rune(i)))
	}
	if len(l.seen) > maxSubjects {
		t.Errorf("unbounded: %d subjects", len(l.seen))
	}
}

// A spray of new subjects must not wipe a victim's count: locked entries are
// never evicted, and a map full of locked entries refuses what it cannot count.
func TestLoginLimiterEvictionKeepsLockedSubjects(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLoginLimiter(3, time.Minute, func() time.Time { return now })
	for range 3 {
		l.record(true, "victim")
	}
	for i := range maxSubjects + 10 {
		l.record(true, fmt.Sprint("spray", i))
	}
	if l.locked("victim") == 0 {
		t.Fatal("the spray wiped the victim's lock")
	}
	if len(l.seen) > maxSubjects {
		t.Fatalf("unbounded: %d", len(l.seen))
	}
	// Fill the map with locked subjects: a new subject cannot be counted, so it is refused.
	full := newLoginLimiter(1, time.Minute, func() time.Time { return now })
	for i := range maxSubjects {
		full.record(true, fmt.Sprint("locked", i))
	}
	full.record(true, "newcomer")
	if full.locked("newcomer") == 0 {
		t.Fatal("a subject the full map could not count was let through")
	}
}
