package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

// Rollup query bounds.
const (
	DefaultRollupLimit = 1000  // rows QueryRollups returns when RollupFilter.Limit is 0
	MaxRollupLimit     = 10000 // most rows one call returns
)

const (
	rollupKeyCols = "minute, api, route, consumer, status_class, decision"
	rollupHist    = "h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12"
	refusalCols   = "minute, client_ip, reason, route, count, samples"
)

// upsertRollupSQL adds a rollup to its row, creating it if needed.
var upsertRollupSQL = func() string {
	var set strings.Builder
	set.WriteString("count = audit_rollups.count + excluded.count, latency_sum_ms = audit_rollups.latency_sum_ms + excluded.latency_sum_ms")
	for i := range audit.LatencyBuckets {
		fmt.Fprintf(&set, ", h%d = audit_rollups.h%d + excluded.h%d", i, i, i)
	}
	return "INSERT INTO audit_rollups (" + rollupKeyCols + ", count, latency_sum_ms, " + rollupHist + ") VALUES (" +
		strings.Repeat("?, ", 8+audit.LatencyBuckets-1) + "?) ON CONFLICT (" + rollupKeyCols + ") DO UPDATE SET " + set.String()
}()

// pgUpsertRollupSQL is upsertRollupSQL for a whole batch on PostgreSQL: one
// array parameter per column (the keys of a batch are distinct).
var pgUpsertRollupSQL = func() string {
	q := upsertRollupSQL
	i, j := strings.Index(q, "VALUES ("), strings.Index(q, ") ON CONFLICT")
	cols := "?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::bigint[], ?::float8[]" +
		strings.Repeat(", ?::bigint[]", audit.LatencyBuckets)
	return q[:i] + "SELECT * FROM unnest(" + cols + q[j:]
}()

// pgUpsertRefusalSQL is upsertRefusalSQL for a whole batch on PostgreSQL.
var pgUpsertRefusalSQL = strings.Replace(upsertRefusalSQL, "VALUES (?, ?, ?, ?, ?, ?)",
	"SELECT * FROM unnest(?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[])", 1)

// pgRollupColumns returns rs as pgUpsertRollupSQL's arrays.
func pgRollupColumns(rs []audit.Rollup) []any {
	n := len(rs)
	minute, api, route, consumer, decision := make([]time.Time, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	class, count, sum := make([]int32, n), make([]int64, n), make([]float64, n)
	hist := make([][]int64, audit.LatencyBuckets)
	for b := range hist {
		hist[b] = make([]int64, n)
	}
	for i := range rs {
		r := &rs[i]
		minute[i], api[i], route[i], consumer[i], decision[i] = r.Minute.UTC(), clean(r.API), clean(r.Route), clean(r.Consumer), clean(r.Decision)
		class[i], count[i], sum[i] = int32(r.StatusClass), r.Count, finite(r.LatencySumMS) //nolint:gosec // 0..5
		for b, v := range r.Latency {
			hist[b][i] = v
		}
	}
	args := []any{minute, api, route, consumer, class, decision, count, sum}
	for _, h := range hist {
		args = append(args, h)
	}
	return args
}

// pgRefusalColumns returns ss as pgUpsertRefusalSQL's arrays.
func pgRefusalColumns(ss []audit.RefusalSummary) []any {
	n := len(ss)
	minute, ip, reason, route, samples := make([]time.Time, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	count := make([]int64, n)
	for i := range ss {
		x := &ss[i]
		minute[i], ip[i], reason[i], route[i], count[i], samples[i] = x.Minute.UTC(), clean(x.ClientIP), clean(x.Reason), clean(x.Route), x.Count, joinSamples(x.Samples)
	}
	return []any{minute, ip, reason, route, count, samples}
}

// joinSamples stores request ids space-separated (a space inside one becomes _).
func joinSamples(ids []string) string {
	out := make([]string, len(ids))
	for j, id := range ids {
		out[j] = strings.ReplaceAll(clean(id), " ", "_")
	}
	return strings.Join(out, " ")
}

// upsertRefusalSQL adds a summary's count to its row; the first samples stay.
const upsertRefusalSQL = "INSERT INTO audit_refusals (" + refusalCols + ") VALUES (?, ?, ?, ?, ?, ?) " +
	"ON CONFLICT (minute, client_ip, reason, route) DO UPDATE SET count = audit_refusals.count + excluded.count, " +
	"samples = CASE WHEN audit_refusals.samples = '' THEN excluded.samples ELSE audit_refusals.samples END"

func (s *Store) upsertRollups(ctx context.Context, tx *sql.Tx, p *auditStmts, rs []audit.Rollup) error {
	if len(rs) == 0 {
		return nil
	}
	txst := tx.StmtContext(ctx, p.rollup)
	if s.d.name == DialectPostgres {
		_, err := txst.ExecContext(ctx, pgRollupColumns(sortedRollups(rs))...) // lockorder.go
		return err
	}
	args := make([]any, 0, 8+audit.LatencyBuckets)
	for i := range rs {
		r := &rs[i]
		args = append(args[:0], s.d.timeArg(r.Minute), clean(r.API), clean(r.Route), clean(r.Consumer),
			int64(r.StatusClass), clean(r.Decision), r.Count, finite(r.LatencySumMS))
		for _, n := range r.Latency {
			args = append(args, n)
		}
		if _, err := txst.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) upsertSummaries(ctx context.Context, tx *sql.Tx, p *auditStmts, ss []audit.RefusalSummary) error {
	if len(ss) == 0 {
		return nil
	}
	txst := tx.StmtContext(ctx, p.refusal)
	if s.d.name == DialectPostgres {
		_, err := txst.ExecContext(ctx, pgRefusalColumns(sortedRefusals(ss))...) // lockorder.go
		return err
	}
	for i := range ss {
		x := &ss[i]
		if _, err := txst.ExecContext(ctx, s.d.timeArg(x.Minute), clean(x.ClientIP), clean(x.Reason), clean(x.Route),
			x.Count, joinSamples(x.Samples)); err != nil {
			return err
		}
	}
	return nil
}

// RollupFilter selects rollup rows or refusal summaries. Zero fields match
// everything; string fields match exactly.
type RollupFilter struct {
	Since    time.Time // minutes starting at or after this time
	Until    time.Time // minutes starting strictly before this time
	API      string
	Route    string
	Consumer string
	Decision string
	ClientIP string // refusal summaries only
	Reason   string // refusal summaries only
	Limit    int    // DefaultRollupLimit when <= 0, at most MaxRollupLimit
}

// QueryRollups returns the rollup rows matching f, newest minute first.
func (s *Store) QueryRollups(ctx context.Context, f RollupFilter) ([]audit.Rollup, error) {
	var w where
	s.minuteRange(&w, f)
	w.eq("api", f.API)
	w.eq("route", f.Route)
	w.eq("consumer", f.Consumer)
	w.eq("decision", f.Decision)
	q := s.d.rebind("SELECT " + rollupKeyCols + ", count, latency_sum_ms, " + rollupHist + " FROM audit_rollups" +
		w.sql() + " ORDER BY minute DESC, api, route, consumer, status_class, decision LIMIT ?")
	rows, err := s.read.QueryContext(ctx, q, append(w.args, int64(rollupLimit(f.Limit)))...)
	if err != nil {
		return nil, fmt.Errorf("store: query rollups: %w", err)
	}
	defer rows.Close()
	var out []audit.Rollup
	for rows.Next() {
		var r audit.Rollup
		dst := []any{timeScanner{&r.Minute}, &r.API, &r.Route, &r.Consumer, &r.StatusClass, &r.Decision, &r.Count, &r.LatencySumMS}
		for i := range r.Latency {
			dst = append(dst, &r.Latency[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("store: query rollups: scan: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query rollups: %w", err)
	}
	return out, nil
}

// QueryRefusals returns the refusal summaries matching f, newest minute first.
func (s *Store) QueryRefusals(ctx context.Context, f RollupFilter) ([]audit.RefusalSummary, error) {
	var w where
	s.minuteRange(&w, f)
	w.eq("route", f.Route)
	w.eq("client_ip", f.ClientIP)
	w.eq("reason", f.Reason)
	q := s.d.rebind("SELECT " + refusalCols + " FROM audit_refusals" + w.sql() +
		" ORDER BY minute DESC, client_ip, reason, route LIMIT ?")
	rows, err := s.read.QueryContext(ctx, q, append(w.args, int64(rollupLimit(f.Limit)))...)
	if err != nil {
		return nil, fmt.Errorf("store: query refusals: %w", err)
	}
	defer rows.Close()
	var out []audit.RefusalSummary
	for rows.Next() {
		var r audit.RefusalSummary
		var samples string
		if err := rows.Scan(timeScanner{&r.Minute}, &r.ClientIP, &r.Reason, &r.Route, &r.Count, &samples); err != nil {
			return nil, fmt.Errorf("store: query refusals: scan: %w", err)
		}
		r.Samples = strings.Fields(samples)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query refusals: %w", err)
	}
	return out, nil
}

func (s *Store) minuteRange(w *where, f RollupFilter) {
	if !f.Since.IsZero() {
		w.add("minute >= ?", s.d.timeArg(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("minute < ?", s.d.timeArg(f.Until))
	}
}

func rollupLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultRollupLimit
	case n > MaxRollupLimit:
		return MaxRollupLimit
	}
	return n
}
