package limits

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/throttle"
)

// Options are a route's limits and quota.
type Options struct {
	Limits []RateLimit
	Quota  *Quota // nil: none
	// Priced says the route prices its requests (GraphQL): its limits and
	// quota counted in CostGraphQL wait for the cost pass. Off a priced route
	// every limit counts requests.
	Priced bool
}

// Counter is a quota's counter (*quota.Quotas), shared by every route that
// names the quota.
type Counter interface {
	Take(ctx context.Context, key string, cost int64) (quota.Result, error)
}

// Deps are what a Guard counts with.
type Deps struct {
	// Limiter returns the shared limiter with a failure mode: local, closed or open.
	Limiter func(mode string) ratelimit.Limiter
	// Quota counts the route's quota; required when Options.Quota is set.
	Quota Counter
	// Now is the clock of a quota's Retry-After; time.Now when nil.
	Now func() time.Time
}

// Guard is a route's rate limits and quota. It is immutable and safe for
// concurrent use; the counters live in its limiters.
type Guard struct {
	limits   []limit
	policies []string // RateLimit-Policy of all limits, one value shared by every answer
	quota    *Quota
	counter  Counter
	priced   bool
	now      func() time.Time
}

// limit is one configured limit, ready to evaluate.
type limit struct {
	o        RateLimit
	limit    ratelimit.Limit
	limiter  ratelimit.Limiter
	throttle *throttle.Throttler // nil in reject mode
	policy   string              // RateLimit-Policy item, precomputed
	quoted   string              // the RateLimit item's head: the quoted id and ";r="
	// byRoute, set when every by: part is the route, holds the last key
	// built: the key is then the same for every request of a route, and is
	// not built (allocated) anew for each.
	byRoute *atomic.Pointer[routeKey]
}

// routeKey is a limit's key for one route.
type routeKey struct{ route, key string }

// key returns l's bucket key for x (Key's answer).
func (l *limit) key(x *exchange.Exchange) (string, bool) {
	if l.byRoute == nil {
		return Key(l.o, x)
	}
	if rk := l.byRoute.Load(); rk != nil && rk.route == x.Route {
		return rk.key, true
	}
	key, ok := Key(l.o, x)
	if ok {
		l.byRoute.Store(&routeKey{route: x.Route, key: key})
	}
	return key, ok
}

// routeOnly reports whether by names the route and nothing else.
func routeOnly(by []string) bool {
	for _, b := range by {
		if b != "route" {
			return false
		}
	}
	return len(by) > 0
}

// New builds a route's limits. It returns nil, nil when the route has
// neither limits nor a quota.
func New(o Options, d Deps) (*Guard, error) {
	if len(o.Limits) == 0 && o.Quota == nil {
		return nil, nil
	}
	g := &Guard{quota: o.Quota, counter: d.Quota, priced: o.Priced, now: d.Now}
	if g.now == nil {
		g.now = time.Now
	}
	if o.Quota != nil && d.Quota == nil {
		return nil, fmt.Errorf("quota %s: no counter", o.Quota.ID)
	}
	if len(o.Limits) > 0 && d.Limiter == nil {
		return nil, errors.New("rate limits: no limiter")
	}
	parts := make([]string, 0, len(o.Limits))
	for _, c := range o.Limits {
		l := limit{o: c, limiter: d.Limiter(c.OnRedisFailure), limit: ToLimit(c.Rate, c.Burst, c.Algorithm)}
		l.quoted = strconv.Quote(c.ID) + ";r="
		if routeOnly(c.By) {
			l.byRoute = new(atomic.Pointer[routeKey])
		}
		l.policy = fmt.Sprintf("%q;q=%d;w=%d", c.ID, c.Rate.N, int64(math.Ceil(c.Rate.Per.Seconds())))
		if c.Mode == "throttle" {
			t, err := throttle.New(l.limiter, throttle.Config{MaxDelay: c.MaxDelay})
			if err != nil {
				return nil, fmt.Errorf("limit %s: %w", c.ID, err)
			}
			l.throttle = t
		}
		g.limits = append(g.limits, l)
		parts = append(parts, l.policy)
	}
	g.policies = []string{strings.Join(parts, ", ")}
	return g, nil
}

// ToLimit is a rate as the limiters take it.
func ToLimit(r Rate, burst int, algorithm string) ratelimit.Limit {
	l := ratelimit.Limit{Rate: r.N, Per: r.Per, Burst: burst}
	if algorithm == "sliding_window" {
		l.Algorithm = ratelimit.SlidingWindow
	}
	return l
}

// pass is one of the two times a request is charged to its route's limits
// and quota: the request pass, before the body is read (so a flood is refused
// before the gateway spends time parsing it), charges 1 to every limit that
// counts requests; the cost pass, after the GraphQL guard has admitted and
// priced the request, charges the operation's cost to the limits and the
// quota with cost: graphql.
type pass struct {
	cost bool  // the cost pass
	n    int64 // what each limit of the pass spends
}

// includes reports whether a limit or quota counted in unit is charged in p.
func (g *Guard) includes(p pass, unit string) bool {
	return p.cost == (g.priced && unit == CostGraphQL)
}

// Charge is the request pass: it evaluates the route's limits in order, each
// request spending 1, then takes 1 from the quota; the first refusal answers.
// On a priced route the limits and quota with cost: graphql are left to
// ChargeCost. A request refused by a later limit has already been counted by
// earlier ones (limits are not transactional across backends); order the most
// restrictive limit first to keep that effect small. The RateLimit headers go
// on x.W. A nil Guard charges nothing.
func (g *Guard) Charge(ctx context.Context, x *exchange.Exchange) *httperr.Problem {
	if g == nil {
		return nil
	}
	return g.charge(ctx, x, pass{n: 1})
}

// ChargeCost is the cost pass: x.Cost, the price the GraphQL guard put on the
// request, is charged to the limits and the quota with cost: graphql. Every
// request spends at least 1, so that operations priced 0 (scalar root
// fields) are still counted. A nil Guard charges nothing.
func (g *Guard) ChargeCost(ctx context.Context, x *exchange.Exchange) *httperr.Problem {
	if g == nil {
		return nil
	}
	return g.charge(ctx, x, pass{cost: true, n: max(int64(x.Cost), 1)})
}

func (g *Guard) charge(ctx context.Context, x *exchange.Exchange, ps pass) *httperr.Problem {
	if p := g.chargeLimits(ctx, x, ps); p != nil {
		return p
	}
	return g.chargeQuota(ctx, x, ps)
}

func (g *Guard) chargeLimits(ctx context.Context, x *exchange.Exchange, ps pass) *httperr.Problem {
	charged := false
	for i := range g.limits {
		l := &g.limits[i]
		if !g.includes(ps, l.o.Cost) {
			continue
		}
		charged = true
		key, ok := l.key(x)
		if !ok {
			return noConsumer()
		}
		n := int(min(ps.n, math.MaxInt32))
		var d ratelimit.Decision
		var err error
		if l.throttle != nil {
			d, err = l.throttle.Wait(ctx, key, l.limit, n)
		} else {
			d, err = l.limiter.Allow(ctx, key, l.limit, n)
		}
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return httperr.New(499, "client_closed", "The client went away while waiting.")
			}
			return unavailable(err)
		}
		if !d.Allowed {
			detail := "The rate limit for this route is exceeded."
			if ps.cost {
				detail = "The rate limit for this route's GraphQL cost is exceeded (this request costs " + strconv.FormatInt(ps.n, 10) + ")."
			}
			return rateLimited(detail, d, l.policy, l.o.ID)
		}
		if t := &x.Tightest; t.ID == "" || d.Remaining < t.Remaining {
			*t = exchange.LimitNote{ID: l.o.ID, Remaining: d.Remaining, Reset: d.ResetAfter}
		}
	}
	if charged {
		t, h := &x.Tightest, x.W.Header()
		h["Ratelimit-Policy"] = g.policies // shared, never written in place
		h["Ratelimit"] = []string{g.rateLimit(t)}
	}
	return nil
}

// rateLimit is the RateLimit header for the tightest limit t, built in one
// allocation.
func (g *Guard) rateLimit(t *exchange.LimitNote) string {
	var buf [96]byte
	b := buf[:0]
	head := ""
	for i := range g.limits {
		if g.limits[i].o.ID == t.ID {
			head = g.limits[i].quoted
			break
		}
	}
	if head == "" {
		b = append(strconv.AppendQuote(b, t.ID), ";r="...)
	} else {
		b = append(b, head...)
	}
	b = strconv.AppendInt(b, int64(t.Remaining), 10)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, ceilSeconds(t.Reset), 10)
	return string(b)
}

// chargeQuota counts the request against the route's quota.
func (g *Guard) chargeQuota(ctx context.Context, x *exchange.Exchange, ps pass) *httperr.Problem {
	q := g.quota
	if q == nil || !g.includes(ps, q.Cost) {
		return nil
	}
	part, ok := keyPart(q.By, x)
	if !ok {
		return noConsumer()
	}
	res, err := g.counter.Take(ctx, q.ID+"|"+part, ps.n)
	if err != nil {
		return httperr.New(http.StatusServiceUnavailable, "quota_unavailable",
			"Quota accounting is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
	}
	if !res.Allowed {
		return httperr.New(http.StatusTooManyRequests, "quota_exceeded",
			"The quota for this period is used up; it resets at "+res.ResetAt.Format(time.RFC3339)+".").
			WithHeader("Retry-After", httperr.RetryAfter(res.ResetAt.Sub(g.now()), maxQuotaRetry))
	}
	return nil
}

// maxQuotaRetry caps a quota's Retry-After: a month and a day.
const maxQuotaRetry = 32 * 24 * time.Hour

// noConsumer refuses a caller a consumer-keyed limit cannot count: its
// credential names neither a client nor a subject.
func noConsumer() *httperr.Problem {
	return httperr.New(http.StatusForbidden, "consumer_unknown",
		"This route's limits count requests per consumer, and the credential names none.")
}

// maxRetryAfter caps Retry-After at a day.
const maxRetryAfter = 24 * time.Hour

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(d.Seconds()))
}

// rateLimited renders a 429 with Retry-After and the RateLimit headers.
func rateLimited(detail string, d ratelimit.Decision, policy, id string) *httperr.Problem {
	// A cost that can never pass (ratelimit.RetryNever) still gets a finite,
	// honest Retry-After: the longest a client could usefully wait.
	retry := httperr.RetryAfter(d.RetryAfter, maxRetryAfter)
	p := httperr.New(http.StatusTooManyRequests, "rate_limited", detail).WithHeader("Retry-After", retry)
	if policy != "" {
		p.WithHeader("RateLimit-Policy", policy)
		p.WithHeader("RateLimit", strconv.Quote(id)+";r=0;t="+retry)
	}
	return p
}

// unavailable is the answer when a limit cannot decide and its failure mode is
// closed: 503, never a 401 or a 500.
func unavailable(err error) *httperr.Problem {
	return httperr.New(http.StatusServiceUnavailable, "rate_limiter_unavailable",
		"Rate limiting is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
}
