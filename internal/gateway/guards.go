package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
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
// On error it stops the counters it started.
func buildQuotas(plan *config.Plan, prev map[string]*quotaEntry, st *store.Store, logger *slog.Logger) (_ map[string]*quotaEntry, err error) {
	out := map[string]*quotaEntry{}
	defer func() {
		if err != nil {
			retireQuotas(out, prev)
		}
	}()
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

// buildBrute builds a login route's brute-force guard
// (internal/ratelimit/bruteforce); nil when the route has none.
func buildBrute(o *bruteforce.Options, lim Limiters, logger *slog.Logger) (*bruteforce.LoginGuard, error) {
	if o == nil {
		return nil, nil
	}
	return bruteforce.NewLoginGuard(*o, lim.BruteForce, lim.Secret, logger)
}

// Quota returns the serving plan's quota counter with id, or nil.
func (g *Gateway) Quota(id string) *quota.Quotas {
	if e := g.cur.Load().quotas[id]; e != nil {
		return e.q
	}
	return nil
}
