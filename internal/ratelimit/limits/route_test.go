package limits

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
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

// A route-only limit's key is built once per route and is exactly Key's,
// whichever routes share the limit and in whatever order they come.
func TestRouteOnlyKeyMemo(t *testing.T) {
	l := limit{o: RateLimit{ID: "api#0", By: []string{"route"}}, byRoute: new(atomic.Pointer[routeKey])}
	for _, route := range []string{"a/GET /x", "a/GET /x", "b/POST /y", "a/GET /x", ""} {
		x := &exchange.Exchange{Route: route, ClientGroup: "192.0.2.1"}
		got, ok := l.key(x)
		want, wok := Key(l.o, x)
		if got != want || ok != wok {
			t.Errorf("route %q: key %q %v, want %q %v", route, got, ok, want, wok)
		}
	}
	x := &exchange.Exchange{Route: "a/GET /x"}
	if n := testing.AllocsPerRun(20, func() { _, _ = l.key(x) }); n != 0 {
		t.Errorf("a repeated route allocates %.0f times", n)
	}
	for _, by := range [][]string{{"ip"}, {"route", "ip"}, nil} {
		if routeOnly(by) {
			t.Errorf("routeOnly(%q)", by)
		}
	}
	if !routeOnly([]string{"route"}) {
		t.Error("routeOnly([route]) is false")
	}
}
