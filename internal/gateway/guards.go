package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// quotaEntry is one configured quota with its counter.
type quotaEntry struct {
	cfg limits.Quota
	q   *quota.Quotas
}

// buildQuotas creates a counter per quota the plan uses, reusing prev's when the
// configuration is unchanged (counts in memory survive a reload).
func buildQuotas(plan *config.Plan, prev map[string]*quotaEntry, st *store.Store, logger *slog.Logger) (map[string]*quotaEntry, error) {
	out := map[string]*quotaEntry{}
	for _, api := range plan.APIs {
		for _, r := range api.Routes {
			c := r.Quota
			if c == nil || out[c.ID] != nil {
				continue
			}
			if old := prev[c.ID]; old != nil && reflect.DeepEqual(old.cfg, *c) {
				out[c.ID] = old
				continue
			}
			if st == nil {
				return nil, errors.New("quotas need a store")
			}
			loc, err := time.LoadLocation(c.Timezone)
			if err != nil {
				return nil, fmt.Errorf("quota %s: %w", c.ID, err)
			}
			period := quota.Day
			if c.Period == "month" {
				period = quota.Month
			}
			q, err := quota.New(st, quota.Config{Limit: c.Limit, Period: period, Location: loc}, logger)
			if err != nil {
				return nil, fmt.Errorf("quota %s: %w", c.ID, err)
			}
			q.Start(context.Background()) // stopped by Close when no plan uses it any more
			out[c.ID] = &quotaEntry{cfg: *c, q: q}
		}
	}
	return out, nil
}

// retireQuotas closes the counters of prev that next does not reuse.
func retireQuotas(prev, next map[string]*quotaEntry) {
	for id, e := range prev {
		if next[id] != e {
			if err := e.q.Close(); err != nil {
				_ = err // Close flushes; a failure was logged by the quota package
			}
		}
	}
}

// bruteEntry is a login route's brute-force guard.
type bruteEntry struct {
	cfg   *config.BruteForce
	guard *bruteforce.Guard
	user  bruteforce.UsernameRule
}

func buildBrute(c *config.BruteForce, lim Limiters) (*bruteEntry, error) {
	if c == nil {
		return nil, nil
	}
	g, err := bruteforce.New(lim.BruteForce, bruteforce.Config{MaxFailures: c.MaxFailures, IPMaxFailures: c.IPMaxFailures,
		Window: c.Window, Lockout: c.Lockout, Hold: c.AttemptTimeout, DelayAfter: c.DelayAfter, IPDelayAfter: c.IPDelayAfter,
		BaseDelay: c.BaseDelay, MaxDelay: c.MaxDelay, Secret: lim.Secret})
	if err != nil {
		return nil, fmt.Errorf("brute_force: %w", err)
	}
	return &bruteEntry{cfg: c, guard: g, user: bruteforce.UsernameRule{Field: c.UsernameField, Normalize: c.UsernameNormalize}}, nil
}

// bruteLogin reads the canonical username from the body (leaving the body
// intact for the upstream) and returns who the attempt counts against.
func bruteLogin(r *http.Request, e *bruteEntry, ip string) (bruteforce.Login, *httperr.Problem) {
	l := bruteforce.Login{IP: ip}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return l, hygiene.BodyReadProblem(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	name, err := e.user.Read(r.Header.Get("Content-Type"), r.URL.RawQuery, body)
	switch {
	case len(body) == 0 && !bruteforce.InQuery(r.URL.RawQuery, e.cfg.UsernameField), errors.Is(err, bruteforce.ErrNoUsername):
		// counted against the IP alone
	case errors.Is(err, bruteforce.ErrInvalidUsername):
		return l, httperr.New(http.StatusBadRequest, "login_username_invalid",
			"The "+e.cfg.UsernameField+" value holds control characters, invisible characters or invalid UTF-8.").WithCause(err)
	case err != nil:
		// Parameter pollution (a repeated or non-string username, one in the
		// query too) is refused: a guard must never count one username while
		// the upstream logs in another.
		return l, httperr.New(http.StatusBadRequest, "login_malformed",
			"The login request must carry exactly one "+e.cfg.UsernameField+" value, in its body.").WithCause(err)
	default:
		l.Username = name
	}
	if !e.guard.Counted(l) { // the IP is not counted and no username: nothing could limit it
		return l, httperr.New(http.StatusBadRequest, "login_malformed",
			"The login request must carry a "+e.cfg.UsernameField+" value.")
	}
	return l, nil
}

// bruteBegin refuses a locked-out attempt, or reserves its slot (attempts in
// flight count against the thresholds) and holds it for its progressive
// delay. The returned attempt must be settled.
func bruteBegin(ctx context.Context, e *bruteEntry, l bruteforce.Login) (*bruteforce.Attempt, *httperr.Problem) {
	a, v, err := e.guard.Begin(ctx, l)
	switch {
	case err != nil:
		return nil, httperr.New(http.StatusServiceUnavailable, "bruteforce_unavailable",
			"Login protection is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
	case v.Locked:
		return nil, httperr.New(http.StatusTooManyRequests, "login_locked",
			"Too many failed logins; try again later.").
			WithHeader("Retry-After", httperr.RetryAfter(v.RetryAfter, 24*time.Hour))
	case v.Busy:
		return nil, httperr.New(http.StatusTooManyRequests, "login_busy",
			"Other login attempts for this account are still being checked; try again shortly.").
			WithHeader("Retry-After", "1")
	}
	if v.Delay > 0 {
		t := time.NewTimer(v.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			bruteSettle(a, bruteforce.Released, nil) // never forwarded
			return nil, httperr.New(499, "client_closed", "The client went away while waiting.")
		}
	}
	return a, nil
}

// bruteSettle counts an attempt's outcome. It runs on its own short
// deadline: the client may be gone, the count must still land.
func bruteSettle(a *bruteforce.Attempt, o bruteforce.Outcome, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := a.Settle(ctx, o); err != nil && logger != nil {
		// The reservations left count as failures when their hold ends.
		logger.Warn("brute-force settle failed", "error", err)
	}
}

// bruteAnswer settles an attempt from the status about to be sent, when
// that status is a login verdict (a failure status or 2xx): before the
// client can see it, so its next attempt sees the count.
func bruteAnswer(e *bruteEntry, a *bruteforce.Attempt, status int, logger *slog.Logger) {
	if o, ok := bruteforce.Answer(status, e.cfg.FailureStatuses); ok {
		bruteSettle(a, o, logger)
	}
}

// bruteFinish settles what bruteAnswer left once forwarding is over: an
// answer of the upstream that was not a verdict frees the slot; no answer
// from the upstream (the gateway answered: timeout, unreachable, refused
// response, broken stream) counts as a failure. No-op when settled.
func bruteFinish(a *bruteforce.Attempt, upstreamAnswered bool, logger *slog.Logger) {
	o := bruteforce.Unknown
	if upstreamAnswered {
		o = bruteforce.Released
	}
	bruteSettle(a, o, logger)
}

// Quota returns the serving plan's quota counter with id, or nil.
func (g *Gateway) Quota(id string) *quota.Quotas {
	if e := g.cur.Load().quotas[id]; e != nil {
		return e.q
	}
	return nil
}
