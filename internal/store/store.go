package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Store is Bulwark's persistent state on SQLite or PostgreSQL. It is safe for
// concurrent use. Writes go through write; reads through read, which is a
// separate pool of read-only connections for a SQLite file (WAL lets readers
// run beside the one writer) and the same pool otherwise.
type Store struct {
	d     *dialect
	write *sql.DB
	read  *sql.DB

	// Audit write path (audit.go, audit_tiers.go, audit_bounds.go).
	stmts  atomic.Pointer[auditStmts] // prepared on first append
	prepMu sync.Mutex
	file   string // the SQLite file; "" for PostgreSQL and :memory:
	floor  atomic.Int64
}

// Open connects to the store named by dsn and applies pending migrations.
//
// dsn is "sqlite:PATH" or "sqlite://PATH" (PATH relative to the working
// directory or absolute; "sqlite::memory:" for a private in-memory database),
// or "postgres://…" / "postgresql://…". Errors never contain the DSN password.
// A database whose schema is newer than this binary knows is refused with an
// error wrapping ErrSchemaTooNew.
func Open(ctx context.Context, dsn string) (*Store, error) {
	t, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	var s *Store
	switch t.dialect {
	case DialectSQLite:
		s, err = openSQLite(ctx, t.path)
	default:
		s, err = openPostgres(ctx, t.url)
	}
	if err != nil {
		return nil, redact(err, t.secrets)
	}
	return s, nil
}

// openWith runs migrations on write and returns the store, closing write on failure.
func openWith(ctx context.Context, d *dialect, write *sql.DB) (*Store, error) {
	migs, err := loadMigrations(migrationFiles, d.name)
	if err == nil {
		err = migrate(ctx, write, d, migs)
	}
	if err != nil {
		_ = write.Close()
		return nil, err
	}
	return &Store{d: d, write: write, read: write}, nil
}

// Close releases every connection. The store must not be used afterwards.
func (s *Store) Close() error {
	var errs []error
	if p := s.stmts.Load(); p != nil {
		errs = append(errs, p.close())
	}
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping reports whether the database answers, for readiness checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if s.read != s.write {
		if err := s.read.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping readers: %w", err)
		}
	}
	return nil
}

// Dialect returns DialectSQLite ("sqlite") or DialectPostgres ("postgres").
func (s *Store) Dialect() string { return s.d.name }

// SchemaVersion returns the highest migration version applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := schemaVersion(ctx, s.read, s.d)
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return v, nil
}
