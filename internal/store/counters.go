package store

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

// upsertCounterSQL adds a counter to its row, creating it if needed.
const upsertCounterSQL = "INSERT INTO audit_counters (span, dim, bucket, key, decision, reason, count) VALUES (?, ?, ?, ?, ?, ?, ?) " +
	"ON CONFLICT (span, dim, bucket, key, decision, reason) DO UPDATE SET count = audit_counters.count + excluded.count"

// pgUpsertCounterSQL is upsertCounterSQL for a whole batch (its keys are distinct).
const pgUpsertCounterSQL = "INSERT INTO audit_counters (span, dim, bucket, key, decision, reason, count) " +
	"SELECT * FROM unnest(?::int[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::bigint[]) " +
	"ON CONFLICT (span, dim, bucket, key, decision, reason) DO UPDATE SET count = audit_counters.count + excluded.count"

// AppendCounters adds the console counters cs in one transaction (the audit
// pipeline's CounterSink calls it once per batch).
func (s *Store) AppendCounters(ctx context.Context, cs []audit.Counter) error {
	if len(cs) == 0 {
		return nil
	}
	if err := s.checkFloor(); err != nil {
		return fmt.Errorf("store: append counters: %w", err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: append counters: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if s.d.name == DialectPostgres {
		cs = sortedCounters(cs) // lockorder.go
		n := len(cs)
		span, bucket, count := make([]int32, n), make([]time.Time, n), make([]int64, n)
		dim, key, dec, rsn := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, c := range cs {
			span[i], bucket[i], count[i] = int32(c.Span/time.Second), c.Bucket.UTC(), c.Count //nolint:gosec // at most a day
			dim[i], key[i], dec[i], rsn[i] = c.Dim, clean(c.Key), clean(c.Decision), clean(c.Reason)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(pgUpsertCounterSQL), span, dim, bucket, key, dec, rsn, count); err != nil {
			return fmt.Errorf("store: append counters: %w", err)
		}
	} else {
		st, err := tx.PrepareContext(ctx, upsertCounterSQL)
		if err != nil {
			return fmt.Errorf("store: append counters: %w", err)
		}
		defer st.Close()
		for _, c := range cs {
			if _, err := st.ExecContext(ctx, int64(c.Span/time.Second), c.Dim, s.d.timeArg(c.Bucket), clean(c.Key),
				clean(c.Decision), clean(c.Reason), c.Count); err != nil {
				return fmt.Errorf("store: append counters: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: append counters: commit: %w", err)
	}
	return nil
}

// CounterFilter selects counter rows of one dimension at one span.
type CounterFilter struct {
	Span  time.Duration // one of audit.CounterSpans
	Dim   string
	Since time.Time // buckets starting at or after
	Until time.Time // buckets starting strictly before; zero: no end
}

// CounterRow is a counter summed over the buckets a query grouped.
type CounterRow struct {
	Bucket   time.Time // zero when the query sums over time
	Key      string
	Decision string
	Reason   string
	Count    int64
}

// CounterSeries returns f's rows per bucket, key, decision and reason, oldest
// bucket first.
func (s *Store) CounterSeries(ctx context.Context, f CounterFilter) ([]CounterRow, error) {
	w := s.counterWhere(f)
	q := s.d.rebind("SELECT bucket, key, decision, reason, SUM(count) FROM audit_counters" + w.sql() +
		" GROUP BY bucket, key, decision, reason ORDER BY bucket")
	rows, err := s.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: counter series: %w", err)
	}
	defer rows.Close()
	var out []CounterRow
	for rows.Next() {
		var r CounterRow
		if err := rows.Scan(timeScanner{&r.Bucket}, &r.Key, &r.Decision, &r.Reason, &r.Count); err != nil {
			return nil, fmt.Errorf("store: counter series: scan: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: counter series: %w", err)
	}
	return out, nil
}

// TopCounter is one key of a top-N list: its requests and how many of them
// were refused (decision deny).
type TopCounter struct {
	Key     string
	Total   int64
	Refused int64
}

// CounterTop returns the limit keys of f with the most requests, or with the
// most refusals when byRefused, most first; ties by key.
func (s *Store) CounterTop(ctx context.Context, f CounterFilter, byRefused bool, limit int) ([]TopCounter, error) {
	w := s.counterWhere(f)
	order := "2"
	if byRefused {
		order = "3"
	}
	q := s.d.rebind("SELECT key, SUM(count), SUM(CASE WHEN decision = 'deny' THEN count ELSE 0 END) FROM audit_counters" +
		w.sql() + " GROUP BY key ORDER BY " + order + " DESC, key LIMIT ?")
	rows, err := s.read.QueryContext(ctx, q, append(w.args, int64(max(limit, 1)))...)
	if err != nil {
		return nil, fmt.Errorf("store: counter top: %w", err)
	}
	defer rows.Close()
	var out []TopCounter
	for rows.Next() {
		var r TopCounter
		if err := rows.Scan(&r.Key, &r.Total, &r.Refused); err != nil {
			return nil, fmt.Errorf("store: counter top: scan: %w", err)
		}
		if byRefused && r.Refused == 0 {
			continue
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: counter top: %w", err)
	}
	return out, nil
}

// CounterTotals returns f's rows summed over time, per key, decision and reason.
func (s *Store) CounterTotals(ctx context.Context, f CounterFilter) ([]CounterRow, error) {
	w := s.counterWhere(f)
	q := s.d.rebind("SELECT key, decision, reason, SUM(count) FROM audit_counters" + w.sql() +
		" GROUP BY key, decision, reason ORDER BY key, decision, reason")
	rows, err := s.read.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: counter totals: %w", err)
	}
	defer rows.Close()
	var out []CounterRow
	for rows.Next() {
		var r CounterRow
		if err := rows.Scan(&r.Key, &r.Decision, &r.Reason, &r.Count); err != nil {
			return nil, fmt.Errorf("store: counter totals: scan: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: counter totals: %w", err)
	}
	return out, nil
}

func (s *Store) counterWhere(f CounterFilter) where {
	var w where
	w.add("span = ?", int64(f.Span/time.Second))
	w.add("dim = ?", f.Dim)
	w.add("bucket >= ?", s.d.timeArg(f.Since))
	if !f.Until.IsZero() {
		w.add("bucket < ?", s.d.timeArg(f.Until))
	}
	return w
}

// AlertGroup is a group of alert events (decision alert) with the same
// reason, route, principal and client.
type AlertGroup struct {
	Reason, API, Route, Principal, ClientIP string
	Count                                   int64
	Last                                    time.Time
}

// RecentAlerts returns the alert events since a time, grouped, the most
// recent group first.
func (s *Store) RecentAlerts(ctx context.Context, since time.Time, limit int) ([]AlertGroup, error) {
	q := s.d.rebind("SELECT reason, api, route, principal, client_ip, COUNT(*), MAX(ts) FROM audit_events " +
		"WHERE decision = 'alert' AND ts >= ? GROUP BY reason, api, route, principal, client_ip ORDER BY 7 DESC LIMIT ?")
	rows, err := s.read.QueryContext(ctx, q, s.d.timeArg(since), int64(max(limit, 1)))
	if err != nil {
		return nil, fmt.Errorf("store: recent alerts: %w", err)
	}
	defer rows.Close()
	var out []AlertGroup
	for rows.Next() {
		var g AlertGroup
		if err := rows.Scan(&g.Reason, &g.API, &g.Route, &g.Principal, &g.ClientIP, &g.Count, timeScanner{&g.Last}); err != nil {
			return nil, fmt.Errorf("store: recent alerts: scan: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent alerts: %w", err)
	}
	return out, nil
}

var _ audit.CounterAppender = (*Store)(nil)
