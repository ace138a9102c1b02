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
