package audit

import (
	"context"
	"testing"
	"time"
)

func TestRecentFilters(t *testing.T) {
	r := NewRecorder(Config{RecentSize: 5, FlushInterval: time.Hour}, nil)
	r.Start()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 8 { // the ring keeps 3..7
		e := testEvent(i)
		e.Time = base.Add(time.Duration(i) * time.Minute)
		if i%2 == 1 {
			e.API, e.Route, e.Decision, e.Reason, e.Status, e.ClientIP = "admin", "users", DecisionDeny, "authn.missing", 401, "198.51.100.9"
		}
		r.Record(e)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{name: "all newest first", f: Filter{}, want: []string{"req-7", "req-6", "req-5", "req-4", "req-3"}},
		{name: "limit", f: Filter{Limit: 2}, want: []string{"req-7", "req-6"}},
		{name: "api", f: Filter{API: "admin"}, want: []string{"req-7", "req-5", "req-3"}},
		{name: "route", f: Filter{Route: "orders"}, want: []string{"req-6", "req-4"}},
		{name: "decision", f: Filter{Decision: DecisionDeny, Limit: 1}, want: []string{"req-7"}},
		{name: "reason", f: Filter{Reason: "authn.missing"}, want: []string{"req-7", "req-5", "req-3"}},
		{name: "status", f: Filter{Status: 200}, want: []string{"req-6", "req-4"}},
		{name: "client", f: Filter{ClientIP: "198.51.100.9"}, want: []string{"req-7", "req-5", "req-3"}},
		{name: "request id", f: Filter{RequestID: "req-4"}, want: []string{"req-4"}},
		{name: "evicted request id", f: Filter{RequestID: "req-1"}, want: []string{}},
		{name: "since inclusive", f: Filter{Since: base.Add(6 * time.Minute)}, want: []string{"req-7", "req-6"}},
		{name: "combined", f: Filter{API: "admin", Status: 401, Since: base.Add(4 * time.Minute)}, want: []string{"req-7", "req-5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Recent(tc.f)
			ids := make([]string, 0, len(got))
			for _, e := range got {
				ids = append(ids, e.RequestID)
			}
			if len(ids) != len(tc.want) {
				t.Fatalf("got %v, want %v", ids, tc.want)
			}
			for i := range ids {
				if ids[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", ids, tc.want)
				}
			}
		})
	}
}

func TestRecentDisabledAndPartial(t *testing.T) {
	tests := []struct {
		name string
		size int
		want int
	}{
		{name: "disabled", size: -1, want: 0},
		{name: "partly filled", size: 10, want: 3},
		{name: "default size", size: 0, want: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRecorder(Config{RecentSize: tc.size}, nil)
			for i := range 3 {
				r.Record(testEvent(i))
			}
			if err := r.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := len(r.Recent(Filter{})); got != tc.want {
				t.Errorf("Recent returned %d events, want %d", got, tc.want)
			}
		})
	}
}
