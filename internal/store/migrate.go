package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS

// ErrSchemaTooNew reports a database migrated by a newer Bulwark than this one.
// Running on it could misread or corrupt data, so Open refuses.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary knows")

// migration is one numbered schema change.
type migration struct {
	version int
	name    string // file name, e.g. "0001_audit.sql"
	sql     string
}

// loadMigrations reads migrations/<dialect>/NNNN_name.sql from fsys, in order.
// Versions must run 1, 2, 3, … without gaps or duplicates.
func loadMigrations(fsys fs.FS, dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations for %s: %w", dialect, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m, err := readMigration(fsys, dir, e.Name())
		if err != nil {
			return nil, err
		}
		if m.version != len(out)+1 {
			return nil, fmt.Errorf("migration %s/%s: version %d out of sequence, want %d", dialect, m.name, m.version, len(out)+1)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no migrations for %s", dialect)
	}
	return out, nil
}

func readMigration(fsys fs.FS, dir, name string) (migration, error) {
	num, _, ok := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 || len(num) != 4 {
		return migration{}, fmt.Errorf("migration file %s: want NNNN_name.sql", name)
	}
	body, err := fs.ReadFile(fsys, path.Join(dir, name))
	if err != nil {
		return migration{}, fmt.Errorf("read migration %s: %w", name, err)
	}
	return migration{version: v, name: name, sql: string(body)}, nil
}

// migrate brings the schema up to the newest migration on one connection of
// db, under the dialect's lock. It is a no-op on an up-to-date database and
// refuses one whose version is newer than migs knows.
func migrate(ctx context.Context, db *sql.DB, d *dialect, migs []migration) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	release, err := d.lock(ctx, conn)
	if err != nil {
		return err
	}
	defer release()
	if _, err := conn.ExecContext(ctx, d.bootstrap); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := schemaVersion(ctx, conn, d)
	if err != nil {
		return err
	}
	if latest := len(migs); current > latest {
		return fmt.Errorf("%w (database at version %d, binary knows up to %d); upgrade bulwark or use another database",
			ErrSchemaTooNew, current, latest)
	}
	for _, m := range migs {
		if m.version <= current {
			continue
		}
		if err := applyMigration(ctx, conn, d, m); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs m and records it in one transaction. It re-checks the
// version inside the transaction, so a concurrent process that got there
// first (SQLite, whose write transactions are IMMEDIATE) is not repeated.
func applyMigration(ctx context.Context, conn *sql.Conn, d *dialect, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var n int
	row := tx.QueryRowContext(ctx, d.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version)
	if err := row.Scan(&n); err != nil {
		return fmt.Errorf("migration %s: check: %w", m.name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	ins := d.rebind("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")
	if _, err := tx.ExecContext(ctx, ins, m.version, m.name); err != nil {
		return fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

// querier is what schemaVersion needs from a *sql.DB or *sql.Conn.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q querier, d *dialect) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, d.rebind("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
