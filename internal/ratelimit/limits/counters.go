package limits

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
)

// Counters are one plan's quota counters by quota id, shared by every route
// naming the quota. A reload keeps a counter whose configuration did not
// change, so counts in memory survive it.
type Counters struct {
	byID map[string]*counter
}

type counter struct {
	cfg Quota
	q   *quota.Quotas
}

// NewCounters starts a counter for each quota in qs (the first of an id
// counts), reusing prev's when its configuration is unchanged. st keeps the
// counts; nil (no store) refuses any quota. On error it stops what it started.
func NewCounters(qs []*Quota, prev *Counters, st quota.Store, logger *slog.Logger) (_ *Counters, err error) {
	c := &Counters{byID: map[string]*counter{}}
	defer func() {
		if err != nil {
			c.Retire(prev)
		}
	}()
	for _, q := range qs {
		if q == nil || c.byID[q.ID] != nil {
			continue
		}
		if old := prev.get(q.ID); old != nil && old.cfg == *q {
			c.byID[q.ID] = old
			continue
		}
		if st == nil {
			return nil, errors.New("quotas need a store")
		}
		loc, err := time.LoadLocation(q.Timezone)
		if err != nil {
			return nil, fmt.Errorf("quota %s: %w", q.ID, err)
		}
		period := quota.Day
		if q.Period == "month" {
			period = quota.Month
		}
		qq, err := quota.New(st, quota.Config{Limit: q.Limit, Period: period, Location: loc}, logger)
		if err != nil {
			return nil, fmt.Errorf("quota %s: %w", q.ID, err)
		}
		qq.Start(context.Background()) // stopped by Retire when no plan uses it any more
		c.byID[q.ID] = &counter{cfg: *q, q: qq}
	}
	return c, nil
}

func (c *Counters) get(id string) *counter {
	if c == nil {
		return nil
	}
	return c.byID[id]
}

// Get returns the counter of quota id, or nil.
func (c *Counters) Get(id string) *quota.Quotas {
	if e := c.get(id); e != nil {
		return e.q
	}
	return nil
}

// Retire stops, after a last flush, every counter of c that next does not
// reuse (next nil: all of them).
func (c *Counters) Retire(next *Counters) {
	if c == nil {
		return
	}
	for id, e := range c.byID {
		if next.get(id) != e {
			_ = e.q.Close() // Close flushes; a failure was logged by the quota package
		}
	}
}
