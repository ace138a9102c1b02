package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
)

func testRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	in := []audit.Event{event("a", 0), {Time: base().Add(time.Nanosecond), RequestID: "b", Method: "POST", Path: "/",
		ClientIP: "2001:db8::1", Decision: audit.DecisionDeny, Status: 403, LatencyMS: 0.001}}
	mustAppend(t, s, in...)
	rows := mustQuery(t, s, store.AuditFilter{})
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(rows))
	}
	for i, r := range rows {
		want := stored(in[len(in)-1-i])
		if diff := sameEvent(r.Event, want); diff != "" {
			t.Errorf("row %d: %s", i, diff)
		}
	}
	if rows[0].ID <= rows[1].ID {
		t.Errorf("ids %d, %d: want newest first", rows[0].ID, rows[1].ID)
	}
}

// filterSeed returns four events that the filter cases tell apart.
func filterSeed() []audit.Event {
	e1 := event("r1", 0)
	e2 := event("r2", time.Minute)
	e2.Route, e2.Decision, e2.Reason, e2.ClientIP, e2.Principal, e2.Status = "get", audit.DecisionDeny, "authn.missing", "192.0.2.2", "", 401
	e3 := event("r3", 2*time.Minute)
	e3.API, e3.Decision, e3.Reason, e3.Principal, e3.Status = "admin", audit.DecisionDeny, "ratelimit", "bob", 429
	e4 := event("r4", 3*time.Minute)
	e4.Decision, e4.Reason, e4.ClientIP, e4.Status = audit.DecisionError, "upstream", "192.0.2.3", 502
	return []audit.Event{e1, e2, e3, e4}
}

func testFilters(t *testing.T, open Opener) {
	s := open(t)
	mustAppend(t, s, filterSeed()...)
	b := base()
	cases := []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"none", store.AuditFilter{}, []string{"r4", "r3", "r2", "r1"}},
		{"api", store.AuditFilter{API: "shop"}, []string{"r4", "r2", "r1"}},
		{"api is case sensitive", store.AuditFilter{API: "SHOP"}, nil},
		{"route", store.AuditFilter{Route: "list"}, []string{"r4", "r3", "r1"}},
		{"api and route", store.AuditFilter{API: "shop", Route: "list"}, []string{"r4", "r1"}},
		{"decision", store.AuditFilter{Decision: audit.DecisionDeny}, []string{"r3", "r2"}},
		{"reason", store.AuditFilter{Reason: "ratelimit"}, []string{"r3"}},
		{"client ip", store.AuditFilter{ClientIP: "192.0.2.1"}, []string{"r3", "r1"}},
		{"principal", store.AuditFilter{Principal: "alice"}, []string{"r4", "r1"}},
		{"request id", store.AuditFilter{RequestID: "r2"}, []string{"r2"}},
		{"status", store.AuditFilter{Status: 429}, []string{"r3"}},
		{"since is inclusive", store.AuditFilter{Since: b.Add(time.Minute)}, []string{"r4", "r3", "r2"}},
		{"until is exclusive", store.AuditFilter{Until: b.Add(2 * time.Minute)}, []string{"r2", "r1"}},
		{"since and until", store.AuditFilter{Since: b.Add(time.Minute), Until: b.Add(2 * time.Minute)}, []string{"r2"}},
		{"since in UTC", store.AuditFilter{Since: b.UTC().Add(3 * time.Minute)}, []string{"r4"}},
		{"no match", store.AuditFilter{API: "admin", Decision: audit.DecisionAllow}, nil},
		{"limit", store.AuditFilter{API: "shop", Limit: 2}, []string{"r4", "r2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := requestIDs(mustQuery(t, s, c.f)); !slices.Equal(got, c.want) {
				t.Errorf("QueryAudit(%+v) = %v, want %v", c.f, got, c.want)
			}
		})
	}
}

func testPaging(t *testing.T, open Opener) {
	s := open(t)
	var in []audit.Event
	for i := range 25 {
		in = append(in, event(string(rune('a'+i)), time.Duration(i)*time.Second))
	}
	mustAppend(t, s, in...)
	var got []string
	var sizes []int
	f := store.AuditFilter{Limit: 10}
	for range 5 {
		page := mustQuery(t, s, f)
		sizes = append(sizes, len(page))
		if len(page) == 0 {
			break
		}
		got = append(got, requestIDs(page)...)
		f.BeforeID = page[len(page)-1].ID
	}
	if !slices.Equal(sizes, []int{10, 10, 5, 0}) {
		t.Errorf("page sizes %v, want [10 10 5 0]", sizes)
	}
	var want []string
	for i := 24; i >= 0; i-- {
		want = append(want, in[i].RequestID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged request ids %v, want %v", got, want)
	}
	rows := mustQuery(t, s, store.AuditFilter{})
	mid := rows[12].ID
	if page := mustQuery(t, s, store.AuditFilter{BeforeID: mid, RequestID: rows[13].RequestID}); len(page) != 1 {
		t.Errorf("BeforeID with a filter returned %d rows, want 1", len(page))
	}
}

func testLimitCaps(t *testing.T, open Opener) {
	s := open(t)
	in := make([]audit.Event, 1100) // also more than one INSERT's worth
	for i := range in {
		in[i] = event("bulk", time.Duration(i)*time.Millisecond)
	}
	mustAppend(t, s, in...)
	cases := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero means default", 0, store.DefaultAuditLimit},
		{"negative means default", -5, store.DefaultAuditLimit},
		{"small", 7, 7},
		{"at max", store.MaxAuditLimit, store.MaxAuditLimit},
		{"above max is capped", 5000, store.MaxAuditLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := len(mustQuery(t, s, store.AuditFilter{Limit: c.limit})); got != c.want {
				t.Errorf("Limit %d returned %d rows, want %d", c.limit, got, c.want)
			}
		})
	}
	if got := len(allRows(t, s)); got != len(in) {
		t.Errorf("stored %d rows, want %d", got, len(in))
	}
}
