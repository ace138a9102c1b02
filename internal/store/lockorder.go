package store

import (
	"cmp"
	"slices"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

// Lock order of the PostgreSQL upserts. A multi-row INSERT … ON CONFLICT DO
// UPDATE locks its rows in the order it meets them. Nodes sharing a store
// upsert the same counter, rollup and refusal rows (same minute, route,
// consumer) at the same time; in different orders, two transactions each
// hold a row the other waits for, and PostgreSQL aborts one (SQLSTATE 40P01,
// seen in the chaos run: a dropped audit batch every few seconds under load).
// Each batch is therefore sorted by its conflict key first, with the values
// as stored (clean), so every writer takes the locks in one order. The
// caller's slice is left as it was.

func sortedCounters(cs []audit.Counter) []audit.Counter {
	out := slices.Clone(cs)
	slices.SortFunc(out, func(a, b audit.Counter) int {
		return cmp.Or(cmp.Compare(a.Span, b.Span), cmp.Compare(a.Dim, b.Dim), a.Bucket.Compare(b.Bucket),
			cmp.Compare(clean(a.Key), clean(b.Key)), cmp.Compare(clean(a.Decision), clean(b.Decision)),
			cmp.Compare(clean(a.Reason), clean(b.Reason)))
	})
	return out
}

func sortedRollups(rs []audit.Rollup) []audit.Rollup {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b audit.Rollup) int {
		return cmp.Or(a.Minute.Compare(b.Minute), cmp.Compare(clean(a.API), clean(b.API)),
			cmp.Compare(clean(a.Route), clean(b.Route)), cmp.Compare(clean(a.Consumer), clean(b.Consumer)),
			cmp.Compare(a.StatusClass, b.StatusClass), cmp.Compare(clean(a.Decision), clean(b.Decision)))
	})
	return out
}

func sortedRefusals(ss []audit.RefusalSummary) []audit.RefusalSummary {
	out := slices.Clone(ss)
	slices.SortFunc(out, func(a, b audit.RefusalSummary) int {
		return cmp.Or(a.Minute.Compare(b.Minute), cmp.Compare(clean(a.ClientIP), clean(b.ClientIP)),
			cmp.Compare(clean(a.Reason), clean(b.Reason)), cmp.Compare(clean(a.Route), clean(b.Route)))
	})
	return out
}
