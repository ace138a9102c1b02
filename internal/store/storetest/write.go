package storetest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
)

func testPrune(t *testing.T, open Opener) {
	s := open(t)
	mustAppend(t, s, event("old2", -2*time.Hour), event("old1", -time.Hour), event("edge", 0), event("new", time.Hour))
	ctx := context.Background()
	n, err := s.PruneAudit(ctx, base())
	if err != nil || n != 2 {
		t.Fatalf("PruneAudit = %d, %v; want 2, nil", n, err)
	}
	if got := strings.Join(requestIDs(mustQuery(t, s, store.AuditFilter{})), ","); got != "new,edge" {
		t.Errorf("after prune: %s, want new,edge (the cutoff itself is kept)", got)
	}
	if n, err := s.PruneAudit(ctx, base()); err != nil || n != 0 {
		t.Errorf("second PruneAudit = %d, %v; want 0, nil", n, err)
	}
}

// testPruneManyChunks prunes more rows than one DELETE removes.
func testPruneManyChunks(t *testing.T, open Opener) {
	s := open(t)
	const old = 12000
	in := make([]audit.Event, old)
	for i := range in {
		in[i] = event(fmt.Sprint("old", i), -time.Hour+time.Duration(i)*time.Millisecond)
	}
	mustAppend(t, s, in...)
	mustAppend(t, s, event("new", 0))
	n, err := s.PruneAudit(context.Background(), base())
	if err != nil || n != old {
		t.Fatalf("PruneAudit = %d, %v; want %d, nil", n, err, old)
	}
	if got := requestIDs(allRows(t, s)); len(got) != 1 || got[0] != "new" {
		t.Errorf("after prune: %v, want [new]", got)
	}
}

func testConcurrentAppends(t *testing.T, open Opener) {
	s := open(t)
	const workers, batches, size = 8, 20, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				batch := make([]audit.Event, size)
				for i := range batch {
					batch[i] = event(fmt.Sprintf("w%d-b%d-e%d", w, b, i), time.Duration(i)*time.Second)
				}
				if err := s.AppendAudit(context.Background(), batch); err != nil {
					t.Errorf("worker %d batch %d: %v", w, b, err)
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, r := range allRows(t, s) {
		seen[r.RequestID]++
	}
	if len(seen) != workers*batches*size {
		t.Errorf("stored %d distinct events, want %d", len(seen), workers*batches*size)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s stored %d times", id, n)
		}
	}
}

// hostileValues are request data an attacker controls, shaped to break out of
// a string literal or a LIKE pattern if a query ever interpolated them.
func hostileValues() []string {
	return []string{
		`'; DROP TABLE audit_events; --`,
		`" OR "1"="1`,
		`' OR 1=1 --`,
		`O'Reilly`,
		`\'; SELECT 1; --`,
		`%`, `_`, `*`, `$1`, `?`,
		`日本語 🔐 Ünïcödé`,
		"tab\tnew\nline\r",
	}
}

func testHostileValues(t *testing.T, open Opener) {
	s := open(t)
	var in []audit.Event
	for i, v := range hostileValues() {
		in = append(in, audit.Event{Time: base().Add(time.Duration(i) * time.Second), RequestID: v, API: v,
			Route: v, Method: v, Path: v, ClientIP: v, Principal: v, Decision: v, Reason: v, Upstream: v, Status: i})
	}
	mustAppend(t, s, in...)
	for i, v := range hostileValues() {
		for name, f := range map[string]store.AuditFilter{
			"api": {API: v}, "route": {Route: v}, "principal": {Principal: v}, "reason": {Reason: v},
			"client ip": {ClientIP: v}, "request id": {RequestID: v}, "decision": {Decision: v},
		} {
			rows := mustQuery(t, s, f)
			if len(rows) != 1 {
				t.Errorf("filter %s=%q matched %d rows, want 1", name, v, len(rows))
				continue
			}
			if diff := sameEvent(rows[0].Event, stored(in[i])); diff != "" {
				t.Errorf("value %q: %s", v, diff)
			}
		}
	}
	mustAppend(t, s, event("after", 0))
	if got := len(allRows(t, s)); got != len(in)+1 {
		t.Errorf("table holds %d rows after hostile values, want %d", got, len(in)+1)
	}
}

func testMalformedValues(t *testing.T, open Opener) {
	s := open(t)
	e := event("bad\xff\xfe", 0)
	e.Path, e.Principal, e.LatencyMS = "/a\x00b", "\xc3", math.NaN()
	mustAppend(t, s, e, event("good", time.Second))
	rows := mustQuery(t, s, store.AuditFilter{})
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2: a malformed event must not sink its batch", len(rows))
	}
	got := rows[1].Event
	for name, v := range map[string]string{"request id": got.RequestID, "path": got.Path, "principal": got.Principal} {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || !strings.ContainsRune(v, utf8.RuneError) {
			t.Errorf("%s stored as %q, want valid UTF-8 with U+FFFD", name, v)
		}
	}
	if got.LatencyMS != 0 {
		t.Errorf("NaN latency stored as %v, want 0", got.LatencyMS)
	}
}
