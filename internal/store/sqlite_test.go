package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestSQLitePragmas checks the settings durability and concurrency rest on,
// on the writer and on the readers.
func TestSQLitePragmas(t *testing.T) {
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	cases := []struct {
		name   string
		db     *sql.DB
		pragma string
		want   string
	}{
		{"writer journal", s.write, "journal_mode", "wal"},
		{"writer synchronous FULL", s.write, "synchronous", "2"},
		{"writer foreign keys", s.write, "foreign_keys", "1"},
		{"writer busy timeout", s.write, "busy_timeout", "10000"},
		{"writer may write", s.write, "query_only", "0"},
		{"reader synchronous FULL", s.read, "synchronous", "2"},
		{"reader query only", s.read, "query_only", "1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got string
			if err := c.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil || got != c.want {
				t.Errorf("PRAGMA %s = %q, %v; want %q", c.pragma, got, err, c.want)
			}
		})
	}
}

// TestSQLiteBusyRecognised holds a file's write lock on one connection and
// checks that another connection's refusal is the error connectSQLite retries,
// and that other errors are not.
func TestSQLiteBusyRecognised(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ctx := context.Background()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.ExecContext(ctx, "INSERT INTO t VALUES (2)")
	if err == nil || !sqliteBusy(err) {
		t.Fatalf("write under another's exclusive lock: err = %v; want SQLITE_BUSY recognised", err)
	}
	if _, err := other.ExecContext(ctx, "SELECT * FROM no_such_table"); err == nil || sqliteBusy(err) {
		t.Errorf("missing table: err = %v; want a non-busy error", err)
	}
	if sqliteBusy(context.Canceled) {
		t.Error("context.Canceled recognised as SQLITE_BUSY")
	}
}
