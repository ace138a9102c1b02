package waf

import (
	"fmt"
	"slices"
)

// Pool shares WAF instances: routes with the same rule settings use one, and
// a reload keeps the previous plan's (loading the CRS takes a while and much
// memory). Instances are keyed by paranoia, threshold and removed rules; the
// first Config of a key sets its BodyLimit.
type Pool struct {
	prev map[string]*WAF
	cur  map[string]*WAF
}

// NewPool returns a pool that reuses prev's instances (prev may be nil).
func NewPool(prev *Pool) *Pool {
	p := &Pool{cur: map[string]*WAF{}}
	if prev != nil {
		p.prev = prev.cur
	}
	return p
}

// Get returns the instance for c's rule settings, building it on first use.
func (p *Pool) Get(c Config) (*WAF, error) {
	ids := slices.Clone(c.RemoveRules)
	slices.Sort(ids)
	key := fmt.Sprintf("pl%d/t%d/%v", c.Paranoia, c.AnomalyThreshold, ids)
	w := p.cur[key]
	if w == nil {
		w = p.prev[key]
	}
	if w == nil {
		var err error
		if w, err = New(c); err != nil {
			return nil, err
		}
	}
	p.cur[key] = w
	return w, nil
}
