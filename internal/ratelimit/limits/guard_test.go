package limits

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
)

// fakeLimiter answers from remaining, per key, and records what it was asked.
type fakeLimiter struct {
	left  map[string]int // key → requests left; absent: 10
	err   error
	calls []string // "key*cost"
}

func (f *fakeLimiter) Allow(_ context.Context, key string, l ratelimit.Limit, cost int) (ratelimit.Decision, error) {
	f.calls = append(f.calls, key+"*"+itoa(cost))
	if f.err != nil {
		return ratelimit.Decision{}, f.err
	}
	if f.left == nil {
		f.left = map[string]int{}
	}
	left, ok := f.left[key]
	if !ok {
		left = 10
	}
	if cost > left {
		return ratelimit.Decision{RetryAfter: 1500 * time.Millisecond, ResetAfter: l.Per}, nil
	}
	f.left[key] = left - cost
	return ratelimit.Decision{Allowed: true, Remaining: left - cost, ResetAfter: l.Per}, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// fakeCounter is a quota counter with limit units per key.
type fakeCounter struct {
	limit int64
	used  map[string]int64
	err   error
	reset time.Time
}

func (f *fakeCounter) Take(_ context.Context, key string, cost int64) (quota.Result, error) {
	if f.err != nil {
		return quota.Result{}, f.err
	}
	if f.used == nil {
		f.used = map[string]int64{}
	}
	if f.used[key]+cost > f.limit {
		return quota.Result{Used: f.used[key], Limit: f.limit, ResetAt: f.reset}, nil
	}
	f.used[key] += cost
	return quota.Result{Allowed: true, Used: f.used[key], Limit: f.limit, ResetAt: f.reset}, nil
}

var (
	alice  = &principal.Principal{Subject: "alice", Consumer: "app-1", Method: principal.MethodJWT, Claims: map[string]any{"org": "acme"}}
	keyed  = &principal.Principal{Consumer: "c1", Method: principal.MethodAPIKey, CredentialID: "key-7"}
	nobody = &principal.Principal{Issuer: "i"} // names neither a consumer nor a subject
)

func newExchange(p *principal.Principal) *exchange.Exchange {
	r := httptest.NewRequest("GET", "/orders", nil)
	r.Header.Set("X-Tenant", "t1")
	return &exchange.Exchange{Req: r, W: httptest.NewRecorder(), ClientGroup: "192.0.2.1", Route: "orders", Principal: p}
}

func TestKey(t *testing.T) {
	hashT1 := shortHash("t1")
	cases := []struct {
		name string
		by   []string
		p    *principal.Principal
		want string
		ok   bool
	}{
		{"anonymous consumer: the IP, by the documented rule", []string{"consumer"}, nil, "rl:L|ip=192.0.2.1", true},
		{"consumer", []string{"consumer"}, alice, "rl:L|c=app-1", true},
		{"no consumer: the subject, never the IP", []string{"consumer"}, &principal.Principal{Subject: "alice", Issuer: "i"}, "rl:L|cs=1:ialice", true},
		{"neither: refused", []string{"consumer"}, nobody, "", false},
		{"ip and route", []string{"ip", "route"}, alice, "rl:L|192.0.2.1|orders", true},
		{"subject", []string{"subject"}, alice, "rl:L|s=alice", true},
		{"subject of an anonymous caller: the IP", []string{"subject"}, nil, "rl:L|ip=192.0.2.1", true},
		{"api key", []string{"api_key"}, keyed, "rl:L|k=key-7", true},
		{"api key of a JWT caller: the IP", []string{"api_key"}, alice, "rl:L|ip=192.0.2.1", true},
		{"header hashed", []string{"header:X-Tenant"}, nil, "rl:L|h=" + hashT1, true},
		{"claim hashed", []string{"claim:org"}, alice, "rl:L|cl=" + shortHash("acme"), true},
		{"claim missing: the IP", []string{"claim:team"}, alice, "rl:L|ip=192.0.2.1", true},
		{"claim of an anonymous caller: the IP", []string{"claim:org"}, nil, "rl:L|ip=192.0.2.1", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Key(RateLimit{ID: "L", By: c.by}, newExchange(c.p))
			if got != c.want || ok != c.ok {
				t.Errorf("Key = %q, %v; want %q, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestClientGroup(t *testing.T) {
	cases := []struct {
		addr   string
		prefix int
		want   string
	}{
		{"192.0.2.1", 64, "192.0.2.1"},
		{"::ffff:192.0.2.1", 64, "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"},
		{"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6"},
		{"2001:db8:1:2:3:4:5:6", 0, "2001:db8:1:2:3:4:5:6"},
	}
	for _, c := range cases {
		a := netip.MustParseAddr(c.addr)
		if got := ClientGroup(a, c.prefix, ""); got != c.want {
			t.Errorf("ClientGroup(%s, %d) = %s, want %s", c.addr, c.prefix, got, c.want)
		}
		// With the address's text passed in: the same group, the text
		// reused only where it is the group.
		if got := ClientGroup(a, c.prefix, a.String()); got != c.want {
			t.Errorf("ClientGroup(%s, %d, text) = %s, want %s", c.addr, c.prefix, got, c.want)
		}
	}
}

func perMinute(id string, n int, by ...string) RateLimit {
	return RateLimit{ID: id, By: by, Rate: Rate{N: n, Per: time.Minute}, Algorithm: "gcra", Mode: "reject",
		OnRedisFailure: "local", Cost: CostRequest}
}

func TestCharge(t *testing.T) {
	cost := func(l RateLimit) RateLimit { l.Cost = CostGraphQL; return l }
	cases := []struct {
		name    string
		o       Options
		left    map[string]int
		limErr  error
		counter *fakeCounter
		p       *principal.Principal
		cost    int // the GraphQL price on the exchange; -1: no cost pass
		status  int // of the first refusal; 0: admitted
		code    string
		calls   string // what the limiter was asked, in order
		header  string // RateLimit header after admission
		retry   string // Retry-After of the refusal
	}{
		{name: "one limit admits", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "consumer")}}, p: alice, cost: -1,
			calls: "rl:a#0|c=app-1*1", header: `"a#0";r=9;t=60`},
		{name: "the tightest limit is reported", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "consumer"), perMinute("a#1", 10, "ip")}},
			left: map[string]int{"rl:a#1|192.0.2.1": 3}, p: alice, cost: -1,
			calls: "rl:a#0|c=app-1*1,rl:a#1|192.0.2.1*1", header: `"a#1";r=2;t=60`},
		{name: "exceeded: 429 with its headers", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "ip")}},
			left: map[string]int{"rl:a#0|192.0.2.1": 0}, cost: -1, status: 429, code: "rate_limited", retry: "2",
			calls: "rl:a#0|192.0.2.1*1"},
		{name: "a later limit refuses after an earlier counted", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "ip"), perMinute("a#1", 10, "route")}},
			left: map[string]int{"rl:a#1|orders": 0}, cost: -1, status: 429, calls: "rl:a#0|192.0.2.1*1,rl:a#1|orders*1"},
		{name: "no consumer: 403", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "consumer")}}, p: nobody, cost: -1,
			status: 403, code: "consumer_unknown"},
		{name: "backend down, closed: 503", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "ip")}}, limErr: errors.New("redis down"),
			cost: -1, status: 503, code: "rate_limiter_unavailable", retry: "1", calls: "rl:a#0|192.0.2.1*1"},
		{name: "client gone while waiting: 499", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "ip")}}, limErr: context.Canceled,
			cost: -1, status: 499, code: "client_closed", calls: "rl:a#0|192.0.2.1*1"},

		// A priced (GraphQL) route: two passes.
		{name: "cost limit waits for the cost pass", o: Options{Priced: true, Limits: []RateLimit{perMinute("g#0", 100, "ip"), cost(perMinute("g#1", 100, "consumer"))}},
			p: alice, cost: 7, calls: "rl:g#0|192.0.2.1*1,rl:g#1|c=app-1*7", header: `"g#1";r=3;t=60`},
		{name: "a price of 0 still spends 1", o: Options{Priced: true, Limits: []RateLimit{cost(perMinute("g#1", 100, "ip"))}},
			cost: 0, calls: "rl:g#1|192.0.2.1*1", header: `"g#1";r=9;t=60`, left: map[string]int{"rl:g#1|192.0.2.1": 10}},
		{name: "cost over what is left: 429", o: Options{Priced: true, Limits: []RateLimit{cost(perMinute("g#1", 100, "ip"))}},
			cost: 11, status: 429, code: "rate_limited", calls: "rl:g#1|192.0.2.1*11"},
		{name: "off a priced route cost limits count requests", o: Options{Limits: []RateLimit{cost(perMinute("g#1", 100, "ip"))}},
			cost: 50, calls: "rl:g#1|192.0.2.1*1", header: `"g#1";r=9;t=60`},

		// Quotas.
		{name: "quota admits", o: Options{Quota: &Quota{ID: "q", By: "consumer", Limit: 2, Cost: CostRequest}},
			counter: &fakeCounter{limit: 2}, p: alice, cost: -1},
		{name: "quota used up: 429 until the reset", o: Options{Quota: &Quota{ID: "q", By: "ip", Limit: 0, Cost: CostRequest}},
			counter: &fakeCounter{limit: 0, reset: time.Unix(1_700_003_600, 0)}, cost: -1, status: 429, code: "quota_exceeded", retry: "3600"},
		{name: "quota far away: Retry-After capped", o: Options{Quota: &Quota{ID: "q", By: "ip", Limit: 0, Cost: CostRequest}},
			counter: &fakeCounter{limit: 0, reset: time.Unix(1_700_000_000, 0).Add(90 * 24 * time.Hour)}, cost: -1, status: 429, retry: "2764800"},
		{name: "quota store down: 503", o: Options{Quota: &Quota{ID: "q", By: "ip", Limit: 5, Cost: CostRequest}},
			counter: &fakeCounter{err: errors.New("store down")}, cost: -1, status: 503, code: "quota_unavailable"},
		{name: "quota without a consumer: 403", o: Options{Quota: &Quota{ID: "q", By: "consumer", Limit: 5, Cost: CostRequest}},
			counter: &fakeCounter{limit: 5}, p: nobody, cost: -1, status: 403, code: "consumer_unknown"},
		{name: "quota in cost: spent in the cost pass", o: Options{Priced: true, Quota: &Quota{ID: "q", By: "ip", Limit: 5, Cost: CostGraphQL}},
			counter: &fakeCounter{limit: 5}, cost: 6, status: 429, code: "quota_exceeded"},
		{name: "limits before the quota", o: Options{Limits: []RateLimit{perMinute("a#0", 10, "ip")}, Quota: &Quota{ID: "q", By: "ip", Limit: 0, Cost: CostRequest}},
			counter: &fakeCounter{limit: 0}, cost: -1, status: 429, code: "quota_exceeded", calls: "rl:a#0|192.0.2.1*1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lim := &fakeLimiter{left: c.left, err: c.limErr}
			d := Deps{Limiter: func(string) ratelimit.Limiter { return lim }, Now: func() time.Time { return time.Unix(1_700_000_000, 0) }}
			if c.counter != nil {
				d.Quota = c.counter
			}
			g, err := New(c.o, d)
			if err != nil {
				t.Fatal(err)
			}
			x := newExchange(c.p)
			p := g.Charge(context.Background(), x)
			if p == nil && c.cost >= 0 {
				x.Cost = c.cost
				p = g.ChargeCost(context.Background(), x)
			}
			switch {
			case c.status == 0 && p != nil:
				t.Fatalf("refused: %d %s %v", p.Status, p.Code, p.Cause)
			case c.status != 0 && (p == nil || p.Status != c.status || (c.code != "" && p.Code != c.code)):
				t.Fatalf("got %v, want %d %s", p, c.status, c.code)
			}
			if got := strings.Join(lim.calls, ","); got != c.calls {
				t.Errorf("limiter calls %q, want %q", got, c.calls)
			}
			if p != nil {
				if c.retry != "" && p.Header.Get("Retry-After") != c.retry {
					t.Errorf("Retry-After %q, want %q", p.Header.Get("Retry-After"), c.retry)
				}
				if p.Status == 429 && p.Code == "rate_limited" && (p.Header.Get("RateLimit-Policy") == "" || !strings.Contains(p.Header.Get("RateLimit"), ";r=0;")) {
					t.Errorf("429 without its RateLimit headers: %v", p.Header)
				}
				return
			}
			h := x.W.Header()
			if got := h.Get("RateLimit"); got != c.header {
				t.Errorf("RateLimit %q, want %q", got, c.header)
			}
			if c.header != "" && !strings.Contains(h.Get("RateLimit-Policy"), ";q=") {
				t.Errorf("RateLimit-Policy %q", h.Get("RateLimit-Policy"))
			}
		})
	}
}

func TestNewGuard(t *testing.T) {
	lim := func(string) ratelimit.Limiter { return &fakeLimiter{} }
	if g, err := New(Options{}, Deps{}); g != nil || err != nil {
		t.Errorf("no limits: %v, %v", g, err)
	}
	var none *Guard
	if none.Charge(context.Background(), newExchange(nil)) != nil || none.ChargeCost(context.Background(), newExchange(nil)) != nil {
		t.Error("a nil guard refused")
	}
	if _, err := New(Options{Quota: &Quota{ID: "q"}}, Deps{}); err == nil {
		t.Error("a quota without a counter was built")
	}
	if _, err := New(Options{Limits: []RateLimit{perMinute("a#0", 1, "ip")}}, Deps{}); err == nil {
		t.Error("limits without a limiter were built")
	}
	bad := perMinute("a#0", 1, "ip")
	bad.Mode, bad.MaxDelay = "throttle", -time.Second
	if _, err := New(Options{Limits: []RateLimit{bad}}, Deps{Limiter: lim}); err == nil || !strings.Contains(err.Error(), "a#0") {
		t.Errorf("bad throttle: %v", err)
	}
	th := perMinute("a#0", 1, "ip")
	th.Mode, th.MaxDelay, th.Algorithm = "throttle", time.Second, "sliding_window"
	g, err := New(Options{Limits: []RateLimit{th}}, Deps{Limiter: lim})
	if err != nil {
		t.Fatal(err)
	}
	if p := g.Charge(context.Background(), newExchange(nil)); p != nil {
		t.Errorf("throttled limit refused its first request: %v", p)
	}
	if l := ToLimit(Rate{N: 5, Per: time.Second}, 2, "sliding_window"); l.Algorithm != ratelimit.SlidingWindow || l.Rate != 5 || l.Burst != 2 {
		t.Errorf("ToLimit = %+v", l)
	}
}

func TestShield(t *testing.T) {
	if s := NewShield(Shield{}, &fakeLimiter{}); s != nil {
		t.Fatal("a shield without a rate")
	}
	var off *ShieldGuard
	if off.Check(context.Background(), newExchange(nil)) != nil {
		t.Fatal("an absent shield refused")
	}
	lim := &fakeLimiter{left: map[string]int{"shield:192.0.2.1": 1}}
	s := NewShield(Shield{Rate: Rate{N: 1, Per: time.Second}}, lim)
	x := newExchange(nil)
	if p := s.Check(context.Background(), x); p != nil {
		t.Fatalf("first request refused: %v", p)
	}
	p := s.Check(context.Background(), x)
	if p == nil || p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") != "2" || p.Header.Get("RateLimit") != "" {
		t.Fatalf("second request: %+v", p)
	}
	s = NewShield(Shield{Rate: Rate{N: 1, Per: time.Second}}, &fakeLimiter{err: errors.New("down")})
	var pr *httperr.Problem
	if pr = s.Check(context.Background(), x); pr == nil || pr.Status != 503 {
		t.Fatalf("limiter error: %+v", pr)
	}
}
