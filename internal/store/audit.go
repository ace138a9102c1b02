package store

import (
	"context"
	"database/sql"
	"errors"
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

// auditChunk is the most rows one INSERT carries, a power of two: 15
// parameters a row stays far below SQLite's and PostgreSQL's parameter limits.
const auditChunk = 256

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
	return s.AppendTiered(ctx, &audit.TieredBatch{Events: events})
}

// AppendTiered stores a tiered batch in one transaction: its events, and its
// rollups and refusal summaries added to the rows of their minute. It refuses
// with ErrLowDiskSpace, writing nothing, while the SQLite file's filesystem has
// less free space than the floor (SetFreeSpaceFloor).
func (s *Store) AppendTiered(ctx context.Context, b *audit.TieredBatch) error {
	if len(b.Events) == 0 && len(b.Rollups) == 0 && len(b.Summaries) == 0 {
		return nil
	}
	if err := s.checkFloor(); err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	p, err := s.prepared(ctx)
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: append audit: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := s.insertEvents(ctx, tx, p, b.Events); err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	if err := s.upsertRollups(ctx, tx, p, b.Rollups); err != nil {
		return fmt.Errorf("store: append audit rollups: %w", err)
	}
	if err := s.upsertSummaries(ctx, tx, p, b.Summaries); err != nil {
		return fmt.Errorf("store: append audit refusals: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: append audit: commit: %w", err)
	}
	return nil
}

// auditStmts are the audit write path's prepared statements.
type auditStmts struct {
	insert  map[int]*sql.Stmt // rows → multi-row INSERT, for every power of two up to auditChunk
	rollup  *sql.Stmt
	refusal *sql.Stmt
}

// prepared returns the audit statements, preparing them on first use. They
// are prepared before a transaction begins: a SQLite store has one write
// connection, which the transaction then holds.
func (s *Store) prepared(ctx context.Context) (*auditStmts, error) {
	if p := s.stmts.Load(); p != nil {
		return p, nil
	}
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	if p := s.stmts.Load(); p != nil {
		return p, nil
	}
	p := &auditStmts{insert: map[int]*sql.Stmt{}}
	prep := func(q string) (*sql.Stmt, error) {
		st, err := s.write.PrepareContext(ctx, s.d.rebind(q))
		if err != nil {
			p.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		return st, nil
	}
	var err error
	if s.d.name == DialectPostgres {
		if p.insert[0], err = prep(pgInsertAuditSQL); err != nil {
			return nil, err
		}
	}
	for n := 1; n <= auditChunk && s.d.name == DialectSQLite; n *= 2 {
		if p.insert[n], err = prep(insertAuditSQL(n)); err != nil {
			return nil, err
		}
	}
	rollupSQL, refusalSQL := upsertRollupSQL, upsertRefusalSQL
	if s.d.name == DialectPostgres {
		rollupSQL, refusalSQL = pgUpsertRollupSQL, pgUpsertRefusalSQL
	}
	if p.rollup, err = prep(rollupSQL); err != nil {
		return nil, err
	}
	if p.refusal, err = prep(refusalSQL); err != nil {
		return nil, err
	}
	s.stmts.Store(p)
	return p, nil
}

func (p *auditStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{p.rollup, p.refusal} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, st := range p.insert {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// insertEvents inserts events with the prepared multi-row INSERTs of
// power-of-two sizes: a batch of n rows takes at most log2(auditChunk)+1
// statements, plus one per further auditChunk rows.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, p *auditStmts, events []audit.Event) error {
	if len(events) == 0 {
		return nil
	}
	if s.d.name == DialectPostgres {
		_, err := tx.StmtContext(ctx, p.insert[0]).ExecContext(ctx, pgAuditColumns(events)...)
		return err
	}
	args := make([]any, 0, min(len(events), auditChunk)*auditArity)
	for len(events) > 0 {
		n := auditChunk
		for n > len(events) {
			n /= 2
		}
		args = s.auditArgs(args[:0], events[:n])
		if _, err := tx.StmtContext(ctx, p.insert[n]).ExecContext(ctx, args...); err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

// pgInsertAuditSQL inserts any number of events in one statement, one array
// parameter per column.
const pgInsertAuditSQL = "INSERT INTO audit_events (" + auditColumns + ") SELECT * FROM unnest(" +
	"?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], " +
	"?::text[], ?::text[], ?::int[], ?::float8[], ?::text[], ?::text[], ?::text[])"

// pgAuditColumns returns events as pgInsertAuditSQL's column arrays.
func pgAuditColumns(events []audit.Event) []any {
	n := len(events)
	ts := make([]time.Time, n)
	strs := make([][]string, 12)
	for i := range strs {
		strs[i] = make([]string, n)
	}
	status := make([]int32, n)
	lat := make([]float64, n)
	for i := range events {
		e := &events[i]
		ts[i] = e.Time.UTC().Truncate(time.Microsecond)
		for j, v := range [...]string{e.RequestID, e.API, e.Route, e.Method, e.Path, e.ClientIP, e.Principal,
			e.Decision, e.Reason, e.Upstream, e.Rule, e.Object} {
			strs[j][i] = clean(v)
		}
		status[i] = int32(min(max(e.Status, math.MinInt32), math.MaxInt32)) //nolint:gosec // clamped
		lat[i] = finite(e.LatencyMS)
	}
	return []any{ts, strs[0], strs[1], strs[2], strs[3], strs[4], strs[5], strs[6], strs[7], strs[8],
		status, lat, strs[9], strs[10], strs[11]}
}

// insertAuditSQL returns the INSERT of rows rows, with "?" placeholders.
func insertAuditSQL(rows int) string {
	var b strings.Builder
	b.Grow(48 + len(auditColumns) + rows*(len(auditValues)+2))
	b.WriteString("INSERT INTO audit_events (" + auditColumns + ") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(auditValues)
	}
	return b.String()
}

func (s *Store) auditArgs(args []any, events []audit.Event) []any {
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
