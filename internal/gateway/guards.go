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
	"slices"
	"strconv"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// quotaEntry is one configured quota with its counter.
type quotaEntry struct {
	cfg config.Quota
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

// takeQuota counts the request against the route's quota.
func takeQuota(ctx context.Context, e *quotaEntry, keys *keyParts) *httperr.Problem {
	if e == nil {
		return nil
	}
	res, err := e.q.Take(ctx, e.cfg.ID+"|"+keyPart(e.cfg.By, keys), 1)
	if err != nil {
		return httperr.New(http.StatusServiceUnavailable, "quota_unavailable",
			"Quota accounting is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
	}
	if !res.Allowed {
		retry := min(max(ceilSeconds(time.Until(res.ResetAt)), 1), int64(32*86400))
		return httperr.New(http.StatusTooManyRequests, "quota_exceeded",
			"The quota for this period is used up; it resets at "+res.ResetAt.Format(time.RFC3339)+".").
			WithHeader("Retry-After", strconv.FormatInt(retry, 10))
	}
	return nil
}

// bruteEntry is a login route's brute-force guard.
type bruteEntry struct {
	cfg   *config.BruteForce
	guard *bruteforce.Guard
}

func buildBrute(c *config.BruteForce, lim Limiters) (*bruteEntry, error) {
	if c == nil {
		return nil, nil
	}
	g, err := bruteforce.New(lim.BruteForce, bruteforce.Config{MaxFailures: c.MaxFailures, Window: c.Window,
		Lockout: c.Lockout, DelayAfter: c.DelayAfter, BaseDelay: c.BaseDelay, MaxDelay: c.MaxDelay, Secret: lim.Secret})
	if err != nil {
		return nil, fmt.Errorf("brute_force: %w", err)
	}
	return &bruteEntry{cfg: c, guard: g}, nil
}

// bruteSubjects reads the username from the body (leaving the body intact for
// the upstream) and returns who the attempt counts against.
func bruteSubjects(r *http.Request, e *bruteEntry, ip string) ([]bruteforce.Subject, *httperr.Problem) {
	subjects := []bruteforce.Subject{{Kind: bruteforce.KindIP, Value: ip}}
	if r.Body == nil || r.Body == http.NoBody {
		return subjects, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, hygiene.BodyReadProblem(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	name, err := bruteforce.Username(r.Header.Get("Content-Type"), body, e.cfg.UsernameField)
	if errors.Is(err, bruteforce.ErrNoUsername) {
		return subjects, nil // counted against the IP alone
	}
	if err != nil {
		// Parameter pollution (a repeated or non-string username) is refused: a
		// guard must never count one username while the upstream logs in another.
		return nil, httperr.New(http.StatusBadRequest, "login_malformed",
			"The login request must carry exactly one "+e.cfg.UsernameField+" value.").WithCause(err)
	}
	if name != "" {
		subjects = append(subjects, bruteforce.Subject{Kind: bruteforce.KindUsername, Value: name})
	}
	return subjects, nil
}

// bruteCheck refuses a locked-out attempt or holds it for its progressive delay.
func bruteCheck(ctx context.Context, e *bruteEntry, subjects []bruteforce.Subject) *httperr.Problem {
	v, err := e.guard.Check(ctx, subjects)
	if err != nil {
		return httperr.New(http.StatusServiceUnavailable, "bruteforce_unavailable",
			"Login protection is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
	}
	if v.Locked {
		return httperr.New(http.StatusTooManyRequests, "login_locked",
			"Too many failed logins; try again later.").
			WithHeader("Retry-After", strconv.FormatInt(min(max(ceilSeconds(v.RetryAfter), 1), maxRetryAfter), 10))
	}
	if v.Delay > 0 {
		t := time.NewTimer(v.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return httperr.New(499, "client_closed", "The client went away while waiting.")
		}
	}
	return nil
}

// bruteRecord counts the upstream's answer: a failure status counts against
// every subject, a success resets them; anything else is not a login verdict.
func bruteRecord(e *bruteEntry, subjects []bruteforce.Subject, status int, logger *slog.Logger) {
	failed := slices.Contains(e.cfg.FailureStatuses, status)
	if !failed && (status < 200 || status > 299) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := e.guard.Record(ctx, subjects, failed); err != nil {
		logger.Warn("brute-force record failed", "error", err)
	}
}

// Quota returns the serving plan's quota counter with id, or nil.
func (g *Gateway) Quota(id string) *quota.Quotas {
	if e := g.cur.Load().quotas[id]; e != nil {
		return e.q
	}
	return nil
}
