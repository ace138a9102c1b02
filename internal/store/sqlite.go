package store

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// sqlitePragmas apply to every connection. auto_vacuum=incremental takes
// effect only in a new database (before its first table): pruned audit pages
// are then returned to the filesystem in steps; an older database keeps
// reusing its free pages (docs/audit.md). synchronous=FULL makes a committed
// audit batch survive a power loss; busy_timeout waits out other processes'
// locks instead of failing; foreign_keys enforces the references later
// tables declare.
const sqlitePragmas = "_pragma=auto_vacuum(2)" +
	"&_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)" +
	"&_pragma=foreign_keys(1)"

// sqliteReaders bounds the read pool of a SQLite file.
const sqliteReaders = 4

// openSQLite opens path with one writer connection, so concurrent writers
// queue in the pool rather than failing with SQLITE_BUSY, and write
// transactions begin IMMEDIATE, so they never deadlock upgrading a read lock.
// A file also gets a pool of query-only readers; ":memory:" lives in its one
// connection, so it reads through the writer.
func openSQLite(ctx context.Context, path string) (*Store, error) {
	write, err := sql.Open("sqlite", path+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	s, err := openWith(ctx, sqliteDialect(), write)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if path == ":memory:" {
		return s, nil
	}
	s.file = path
	read, err := sql.Open("sqlite", path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("store: open sqlite %s readers: %w", path, err)
	}
	read.SetMaxOpenConns(sqliteReaders)
	read.SetMaxIdleConns(sqliteReaders)
	s.read = read
	return s, nil
}
