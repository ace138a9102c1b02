package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect holds what differs between SQLite and PostgreSQL, so that each
// domain file writes its queries once, with "?" placeholders.
type dialect struct {
	name string
	// numbered rewrites "?" to "$1", "$2", … (PostgreSQL).
	numbered bool
	// bootstrap creates schema_migrations when it is missing.
	bootstrap string
	// lock serializes migrations across processes; release is never nil when err is nil.
	lock func(ctx context.Context, c *sql.Conn) (release func(), err error)
	// timeArg encodes a time for a ts column.
	timeArg func(t time.Time) any
}

func sqliteDialect() *dialect {
	return &dialect{
		name: DialectSQLite,
		bootstrap: `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)`,
		// One writer connection plus BEGIN IMMEDIATE transactions already
		// serialize migrations, within the process and across processes.
		lock:    func(context.Context, *sql.Conn) (func(), error) { return func() {}, nil },
		timeArg: func(t time.Time) any { return t.UnixMicro() },
	}
}

func postgresDialect() *dialect {
	return &dialect{
		name:     DialectPostgres,
		numbered: true,
		bootstrap: `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`,
		lock:    pgAdvisoryLock,
		timeArg: func(t time.Time) any { return t.UTC().Truncate(time.Microsecond) },
	}
}

// pgLockKey names the migration lock; it includes the schema so that nodes of
// different deployments sharing one database do not wait on each other.
const pgLockKey = `hashtext('bulwark.migrate:' || coalesce(current_schema(), ''))`

// pgAdvisoryLock takes a session advisory lock on c. If the unlock fails, the
// connection is discarded so that a held lock never returns to the pool.
func pgAdvisoryLock(ctx context.Context, c *sql.Conn) (func(), error) {
	if _, err := c.ExecContext(ctx, "SELECT pg_advisory_lock("+pgLockKey+")"); err != nil {
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := c.ExecContext(ctx, "SELECT pg_advisory_unlock("+pgLockKey+")"); err != nil {
			_ = c.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// rebind rewrites "?" placeholders for the dialect. Queries are written by this
// package, never from input, and hold no "?" inside literals.
func (d *dialect) rebind(q string) string {
	if !d.numbered {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// timeScanner reads a ts column from either dialect: microseconds since the
// epoch (SQLite) or a timestamp (PostgreSQL). The result is always UTC.
type timeScanner struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s timeScanner) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*s.t = time.UnixMicro(x).UTC()
	case time.Time:
		*s.t = x.UTC()
	default:
		return fmt.Errorf("store: unexpected time value of type %T", v)
	}
	return nil
}
