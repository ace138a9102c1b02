package limits

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/store"
)

func TestForRoute(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := &Quota{ID: "day", By: "ip", Limit: 1, Period: "day", Timezone: "UTC", Cost: CostRequest}
	quotas, err := NewCounters([]*Quota{day}, nil, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer quotas.Retire(nil)
	lim := func(string) ratelimit.Limiter { return &fakeLimiter{} }
	other := *day
	other.ID = "other"
	cases := []struct {
		name    string
		o       Options
		quotas  *Counters
		limiter func(string) ratelimit.Limiter
		guard   bool
		err     string
	}{
		{name: "neither limits nor quota", quotas: quotas, limiter: lim},
		{name: "limits", o: Options{Limits: []RateLimit{perMinute("a#0", 1, "ip")}}, limiter: lim, guard: true},
		{name: "limits without a limiter", o: Options{Limits: []RateLimit{perMinute("a#0", 1, "ip")}}, err: "no limiter"},
		{name: "quota in the plan's counters", o: Options{Quota: day}, quotas: quotas, guard: true},
		{name: "quota the counters lack", o: Options{Quota: &other}, quotas: quotas, err: "quota other: no counter"},
		{name: "quota without counters", o: Options{Quota: day}, err: "quota day: no counter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := ForRoute(c.o, c.quotas, c.limiter)
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) || g != nil {
					t.Fatalf("got %v, %v; want an error containing %q", g, err, c.err)
				}
			case err != nil:
				t.Fatal(err)
			case (g != nil) != c.guard:
				t.Fatalf("guard %v, want one: %v", g, c.guard)
			}
		})
	}
	// The guard counts the route's quota in the plan's counter: the second
	// request of a client is over a limit of one.
	g, err := ForRoute(Options{Quota: day}, quotas, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := newExchange(nil)
	if p := g.Charge(context.Background(), x); p != nil {
		t.Fatalf("first request: %v", p)
	}
	if p := g.Charge(context.Background(), x); p == nil || p.Status != 429 || p.Code != "quota_exceeded" {
		t.Fatalf("second request: %v, want 429 quota_exceeded", p)
	}
}
