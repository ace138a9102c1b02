package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// sqlitePragmas apply to every connection. auto_vacuum=incremental takes
// effect only in a new database (before its first table): pruned audit pages
// are then returned to the filesystem in steps; an older database keeps
// reusing its free pages (docs/audit.md). synchronous=FULL makes a committed
// audit batch survive a power loss; busy_timeout waits out other processes'
// locks instead of failing — it comes first, because the pragmas after it
// read the schema or switch the journal and would otherwise fail at once with
// SQLITE_BUSY while another node opens the same new file; foreign_keys
// enforces the references later tables declare.
const sqlitePragmas = "_pragma=busy_timeout(10000)" +
	"&_pragma=auto_vacuum(2)" +
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
	if err := connectSQLite(ctx, write); err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("store: open sqlite %s: connect: %w", path, err)
	}
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

// connectOpenWait bounds how long connectSQLite retries a connection that the
// file's other users keep refusing.
const connectOpenWait = 10 * time.Second

// connectSQLite opens the writer's one connection, which then stays idle in
// the pool for the migration and every write after it. Several nodes opening
// one new file at once race to switch it to WAL: SQLite refuses that switch
// with SQLITE_BUSY at once, without consulting busy_timeout, when waiting
// could deadlock, so a refused connection is retried with a short backoff
// until ctx ends or connectOpenWait has passed.
func connectSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(connectOpenWait)
	wait := 5 * time.Millisecond
	for {
		err := db.PingContext(ctx)
		if err == nil || !sqliteBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func sqliteBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5
}
