package store

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

// Audit query bounds.
const (
	DefaultAuditLimit = 100  // rows QueryAudit returns when AuditFilter.Limit is 0
	MaxAuditLimit     = 1000 // most rows one QueryAudit call returns
)

// auditChunk is the most rows one INSERT carries: 13 parameters a row stays
// far below SQLite's and PostgreSQL's parameter limits.
const auditChunk = 500

// pruneChunk is the most rows one DELETE removes, so pruning a large backlog
// never holds the SQLite write lock long enough to stall audit appends.
const pruneChunk = 5000

const (
	auditColumns = "ts, request_id, api, route, method, path, client_ip, principal, decision, reason, status, latency_ms, upstream, rule, object"
	auditValues  = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	auditArity   = 15
)

// AuditFilter selects audit rows. Zero fields match everything; string fields
// match exactly.
type AuditFilter struct {
	Since     time.Time // events at or after this time
	Until     time.Time // events strictly before this time
	API       string
	Route     string
	Decision  string
	Reason    string
	ClientIP  string
	Principal string
	RequestID string
	Status    int
	Limit     int   // rows to return: DefaultAuditLimit when <= 0, at most MaxAuditLimit
	BeforeID  int64 // paging: only rows with ID < BeforeID (pass the last row's ID)
}

// AuditRow is a stored audit event and its ID, which grows with insertion
// order and is never reused.
type AuditRow struct {
	ID int64 `json:"id"`
	audit.Event
}

// AppendAudit stores events in one transaction: all of them or none. Times are
// kept in UTC to the microsecond. Strings that are not valid UTF-8 or hold NUL
// bytes are stored with U+FFFD in their place, and a NaN or infinite latency
// as 0, so that one malformed event cannot make the backend refuse its batch.
func (s *Store) AppendAudit(ctx context.Context, events []audit.Event) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: append audit: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	for start := 0; start < len(events); start += auditChunk {
		chunk := events[start:min(start+auditChunk, len(events))]
		if _, err := tx.ExecContext(ctx, s.insertAuditSQL(len(chunk)), s.auditArgs(chunk)...); err != nil {
			return fmt.Errorf("store: append audit: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: append audit: commit: %w", err)
	}
	return nil
}

func (s *Store) insertAuditSQL(rows int) string {
	var b strings.Builder
	b.Grow(48 + len(auditColumns) + rows*(len(auditValues)+2))
	b.WriteString("INSERT INTO audit_events (" + auditColumns + ") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(auditValues)
	}
	return s.d.rebind(b.String())
}

func (s *Store) auditArgs(events []audit.Event) []any {
	args := make([]any, 0, len(events)*auditArity)
	for i := range events {
		e := &events[i]
		args = append(args, s.d.timeArg(e.Time), clean(e.RequestID), clean(e.API), clean(e.Route),
			clean(e.Method), clean(e.Path), clean(e.ClientIP), clean(e.Principal), clean(e.Decision),
			clean(e.Reason), int64(e.Status), finite(e.LatencyMS), clean(e.Upstream), clean(e.Rule), clean(e.Object))
	}
	return args
}

// clean makes s storable on both backends: PostgreSQL refuses invalid UTF-8
// and NUL bytes in text.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}

// finite maps NaN and ±Inf to 0; SQLite would store NaN as NULL.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// QueryAudit returns the rows matching f, newest first (by ID, descending).
func (s *Store) QueryAudit(ctx context.Context, f AuditFilter) ([]AuditRow, error) {
	q, args := s.auditQuery(f)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query audit: %w", err)
	}
	defer rows.Close()
	out := make([]AuditRow, 0, min(auditLimit(f.Limit), 64))
	for rows.Next() {
		var r AuditRow
		e := &r.Event
		if err := rows.Scan(&r.ID, timeScanner{&e.Time}, &e.RequestID, &e.API, &e.Route, &e.Method, &e.Path,
			&e.ClientIP, &e.Principal, &e.Decision, &e.Reason, &e.Status, &e.LatencyMS, &e.Upstream, &e.Rule, &e.Object); err != nil {
			return nil, fmt.Errorf("store: query audit: scan: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query audit: %w", err)
	}
	return out, nil
}

// auditQuery builds f's SELECT. Column names are constants; every value is a parameter.
func (s *Store) auditQuery(f AuditFilter) (string, []any) {
	var w where
	if !f.Since.IsZero() {
		w.add("ts >= ?", s.d.timeArg(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("ts < ?", s.d.timeArg(f.Until))
	}
	w.eq("api", f.API)
	w.eq("route", f.Route)
	w.eq("decision", f.Decision)
	w.eq("reason", f.Reason)
	w.eq("client_ip", f.ClientIP)
	w.eq("principal", f.Principal)
	w.eq("request_id", f.RequestID)
	if f.Status != 0 {
		w.add("status = ?", int64(f.Status))
	}
	if f.BeforeID > 0 {
		w.add("id < ?", f.BeforeID)
	}
	q := "SELECT id, " + auditColumns + " FROM audit_events" + w.sql() + " ORDER BY id DESC LIMIT ?"
	return s.d.rebind(q), append(w.args, int64(auditLimit(f.Limit)))
}

func auditLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultAuditLimit
	case n > MaxAuditLimit:
		return MaxAuditLimit
	}
	return n
}

// where collects ANDed conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, arg any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, arg)
}

// eq adds "col = ?" when v is set. col is always a constant of this package.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// PruneAudit deletes rows older than olderThan and returns how many it
// deleted. It works in chunks, each its own transaction, so appends proceed
// meanwhile; if ctx ends midway, the rows already deleted stay deleted.
func (s *Store) PruneAudit(ctx context.Context, olderThan time.Time) (int64, error) {
	q := s.d.rebind("DELETE FROM audit_events WHERE id IN " +
		"(SELECT id FROM audit_events WHERE ts < ? ORDER BY id LIMIT ?)")
	var total int64
	for {
		res, err := s.write.ExecContext(ctx, q, s.d.timeArg(olderThan), int64(pruneChunk))
		if err != nil {
			return total, fmt.Errorf("store: prune audit: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("store: prune audit: %w", err)
		}
		total += n
		if n < pruneChunk {
			return total, nil
		}
	}
}

// Compile-time check that Store satisfies the audit pipeline's interface.
var _ audit.Appender = (*Store)(nil)
