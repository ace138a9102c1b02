package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/throttle"
)

// Limiters are the process-wide counter backends. Shared is the limiter every
// node agrees on (Redis behind a failover to local memory, or memory alone on
// one node); Local is this process's memory limiter, used by the shield.
type Limiters struct {
	Shared func(mode string) ratelimit.Limiter // the shared limiter with a failure mode: local, closed or open
	Local  ratelimit.Limiter
	// BruteForce keeps failed-login counters (memory, or Redis with several nodes).
	BruteForce bruteforce.Backend
	// Secret keys the HMAC that hides usernames in brute-force keys.
	Secret []byte
}

// limitEntry is one configured limit, ready to evaluate.
type limitEntry struct {
	cfg      config.RateLimit
	limit    ratelimit.Limit
	limiter  ratelimit.Limiter
	throttle *throttle.Throttler // nil in reject mode
	policy   string              // RateLimit-Policy item, precomputed
}

func buildLimits(in []config.RateLimit, lim Limiters) ([]limitEntry, error) {
	out := make([]limitEntry, 0, len(in))
	for _, c := range in {
		e := limitEntry{cfg: c, limiter: lim.Shared(c.OnRedisFailure), limit: toLimit(c.Rate, c.Burst, c.Algorithm)}
		e.policy = fmt.Sprintf("%q;q=%d;w=%d", c.ID, c.Rate.N, int64(math.Ceil(c.Rate.Per.Seconds())))
		if c.Mode == "throttle" {
			t, err := throttle.New(e.limiter, throttle.Config{MaxDelay: c.MaxDelay})
			if err != nil {
				return nil, fmt.Errorf("limit %s: %w", c.ID, err)
			}
			e.throttle = t
		}
		out = append(out, e)
	}
	return out, nil
}

func toLimit(r config.Rate, burst int, algorithm string) ratelimit.Limit {
	l := ratelimit.Limit{Rate: r.N, Per: r.Per, Burst: burst}
	if algorithm == "sliding_window" {
		l.Algorithm = ratelimit.SlidingWindow
	}
	return l
}

// clientGroup is the client address a limit counts: IPv6 clients grouped by
// their prefix (a /64 is one subscriber: rotating inside it opens no new bucket).
func clientGroup(a netip.Addr, v6prefix int) string {
	a = a.Unmap()
	if a.Is6() && v6prefix > 0 && v6prefix < 128 {
		if p, err := a.Prefix(v6prefix); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// shield applies the per-client-IP limit that runs before anything else costs.
func (g *Gateway) shield(st *state, ctx context.Context, client string) *httperr.Problem {
	if st.shield.Rate == 0 {
		return nil
	}
	d, err := g.limiters.Local.Allow(ctx, "shield:"+client, st.shield, 1)
	if err != nil {
		return unavailable(err)
	}
	if !d.Allowed {
		return rateLimited("rate_limited", "Too many requests from this address.", d, "", "")
	}
	return nil
}

// applyLimits evaluates a route's limits in order, each request spending 1;
// the first refusal answers. On a GraphQL route the limits with cost: graphql
// are left to spendCost, which runs once the GraphQL guard has priced the
// operation. A request refused by a later limit has already been counted by
// earlier ones (limits are not transactional across backends); order the most
// restrictive limit first to keep that effect small.
func (g *Gateway) applyLimits(ctx context.Context, w http.ResponseWriter, entry *routeEntry, keys *keyParts) *httperr.Problem {
	return g.chargeLimits(ctx, w, entry, keys, requestPass)
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

var requestPass = pass{n: 1}

// includes reports whether a limit or quota counted in unit is charged in p.
// Off a GraphQL route every limit counts requests.
func (p pass) includes(entry *routeEntry, unit string) bool {
	return p.cost == (entry.graphql != nil && unit == config.CostGraphQL)
}

func (g *Gateway) chargeLimits(ctx context.Context, w http.ResponseWriter, entry *routeEntry, keys *keyParts, ps pass) *httperr.Problem {
	if len(entry.rateLimits) == 0 {
		return nil
	}
	charged := false
	for i := range entry.rateLimits {
		e := &entry.rateLimits[i]
		if !ps.includes(entry, e.cfg.Cost) {
			continue
		}
		charged = true
		key, ok := limitKey(e.cfg, keys)
		if !ok {
			return noConsumer()
		}
		n := int(min(ps.n, math.MaxInt32))
		var d ratelimit.Decision
		var err error
		if e.throttle != nil {
			d, err = e.throttle.Wait(ctx, key, e.limit, n)
		} else {
			d, err = e.limiter.Allow(ctx, key, e.limit, n)
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
			return rateLimited("rate_limited", detail, d, e.policy, e.cfg.ID)
		}
		if !keys.counted || d.Remaining < keys.tightest.Remaining {
			keys.tightest, keys.tightestID, keys.counted = d, e.cfg.ID, true
		}
	}
	if charged {
		h := w.Header()
		h.Set("RateLimit-Policy", entry.policies)
		h.Set("RateLimit", strconv.Quote(keys.tightestID)+";r="+strconv.Itoa(keys.tightest.Remaining)+";t="+strconv.FormatInt(ceilSeconds(keys.tightest.ResetAfter), 10))
	}
	return nil
}

// keyParts are the canonical values limits key on, computed once per request.
type keyParts struct {
	ip    string // client group
	route string
	p     *principal.Principal
	r     *http.Request

	// The limit with the fewest requests left over both passes, for the
	// RateLimit header.
	tightest   ratelimit.Decision
	tightestID string
	counted    bool
}

// limitKey builds a bucket key from canonical values only: the client IP decided
// from trusted proxies, the route (not the raw path), the authenticated
// principal. Anonymous callers fall back to their IP for principal-based keys
// (routes whose auth is only none refuse such keys in the config). Header and
// claim values are hashed so a client cannot make keys huge. ok is false when
// an authenticated caller has no consumer to count (noConsumer).
func limitKey(c config.RateLimit, k *keyParts) (key string, ok bool) {
	var b strings.Builder
	b.Grow(64)
	b.WriteString("rl:")
	b.WriteString(c.ID)
	for _, by := range c.By {
		part, ok := keyPart(by, k)
		if !ok {
			return "", false
		}
		b.WriteByte('|')
		b.WriteString(part)
	}
	return b.String(), true
}

func keyPart(by string, k *keyParts) (string, bool) {
	p := k.p
	switch by {
	case "ip":
		return k.ip, true
	case "route":
		return k.route, true
	case "consumer":
		if p != nil { // principal.ConsumerKey defines the consumer; never the IP
			return p.ConsumerKey()
		}
	case "subject":
		if p != nil && p.Subject != "" {
			return "s=" + p.Subject, true
		}
	case "api_key":
		if p != nil && p.Method == principal.MethodAPIKey {
			return "k=" + p.CredentialID, true
		}
	default:
		kind, name, _ := strings.Cut(by, ":")
		switch kind {
		case "header":
			return "h=" + shortHash(k.r.Header.Get(name)), true
		case "claim":
			if p != nil {
				if v, ok := p.Claims[name]; ok {
					return "cl=" + shortHash(fmt.Sprint(v)), true
				}
			}
		}
	}
	return "ip=" + k.ip, true
}

// noConsumer refuses a caller a consumer-keyed limit cannot count: its
// credential names neither a client nor a subject.
func noConsumer() *httperr.Problem {
	return httperr.New(http.StatusForbidden, "consumer_unknown",
		"This route's limits count requests per consumer, and the credential names none.")
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// maxRetryAfter caps Retry-After at a day.
const maxRetryAfter = 86400

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(d.Seconds()))
}

// rateLimited renders a 429 with Retry-After and the RateLimit headers.
func rateLimited(code, detail string, d ratelimit.Decision, policy, id string) *httperr.Problem {
	// A cost that can never pass (ratelimit.RetryNever) still gets a finite,
	// honest Retry-After: the longest a client could usefully wait.
	retry := min(max(ceilSeconds(d.RetryAfter), 1), maxRetryAfter)
	p := httperr.New(http.StatusTooManyRequests, code, detail).WithHeader("Retry-After", strconv.FormatInt(retry, 10))
	if policy != "" {
		p.WithHeader("RateLimit-Policy", policy)
		p.WithHeader("RateLimit", strconv.Quote(id)+";r=0;t="+strconv.FormatInt(retry, 10))
	}
	return p
}

// unavailable is the answer when a limit cannot decide and its failure mode is
// closed: 503, never a 401 or a 500.
func unavailable(err error) *httperr.Problem {
	return httperr.New(http.StatusServiceUnavailable, "rate_limiter_unavailable",
		"Rate limiting is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
}
