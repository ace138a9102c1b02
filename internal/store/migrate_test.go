package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedMigrationsMatchAcrossDialects(t *testing.T) {
	names := map[string][]string{}
	for _, d := range []string{DialectSQLite, DialectPostgres} {
		migs, err := loadMigrations(migrationFiles, d)
		if err != nil {
			t.Fatalf("loadMigrations(%s): %v", d, err)
		}
		for _, m := range migs {
			names[d] = append(names[d], m.name)
		}
	}
	if !slices.Equal(names[DialectSQLite], names[DialectPostgres]) {
		t.Errorf("sqlite migrations %v differ from postgres %v; every schema change needs both", names[DialectSQLite], names[DialectPostgres])
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }
	cases := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"ordered", fstest.MapFS{
			"migrations/x/0002_b.sql": file("B"), "migrations/x/0001_a.sql": file("A"), "migrations/x/README": file("-"),
		}, []int{1, 2}, ""},
		{"gap", fstest.MapFS{"migrations/x/0001_a.sql": file("A"), "migrations/x/0003_c.sql": file("C")}, nil, "out of sequence"},
		{"duplicate", fstest.MapFS{"migrations/x/0001_a.sql": file("A"), "migrations/x/0001_b.sql": file("B")}, nil, "out of sequence"},
		{"bad name", fstest.MapFS{"migrations/x/1_a.sql": file("A")}, nil, "want NNNN_name.sql"},
		{"zero", fstest.MapFS{"migrations/x/0000_a.sql": file("A")}, nil, "want NNNN_name.sql"},
		{"none", fstest.MapFS{"migrations/x/README": file("-")}, nil, "no migrations"},
		{"missing dir", fstest.MapFS{}, nil, "read migrations"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			migs, err := loadMigrations(c.files, "x")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadMigrations: %v", err)
			}
			var got []int
			for _, m := range migs {
				got = append(got, m.version)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("versions %v, want %v", got, c.want)
			}
		})
	}
}

func TestSchemaVersionIsLatest(t *testing.T) {
	s, err := Open(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	migs, err := loadMigrations(migrationFiles, DialectSQLite)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != len(migs) {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, len(migs))
	}
}

func TestRebind(t *testing.T) {
	cases := []struct {
		name, dialect, in, want string
	}{
		{"sqlite keeps ?", DialectSQLite, "a = ? AND b = ?", "a = ? AND b = ?"},
		{"postgres numbers", DialectPostgres, "a = ? AND b = ? LIMIT ?", "a = $1 AND b = $2 LIMIT $3"},
		{"no placeholders", DialectPostgres, "SELECT 1", "SELECT 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := sqliteDialect()
			if c.dialect == DialectPostgres {
				d = postgresDialect()
			}
			if got := d.rebind(c.in); got != c.want {
				t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tg, err := parseDSN("postgres://u:p%40ss@h/db?password=other")
	if err != nil {
		t.Fatalf("parseDSN: %v", err)
	}
	cases := []struct{ name, in string }{
		{"plain", "bad p@ss here"},
		{"escaped", "bad p%40ss here"},
		{"param", "password=other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redact(errorString(c.in), tg.secrets).Error()
			if strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") || strings.Contains(got, "other") {
				t.Errorf("redact(%q) = %q", c.in, got)
			}
		})
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestFailedMigrationRollsBack checks that a broken migration leaves neither
// its changes nor its version behind, and that the earlier ones stay.
func TestFailedMigrationRollsBack(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	d := sqliteDialect()
	migs := []migration{
		{1, "0001_a.sql", "CREATE TABLE a (x INTEGER)"},
		{2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1)"},
	}
	if err := migrate(ctx, db, d, migs); err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Fatalf("migrate = %v, want an error naming 0002_b.sql", err)
	}
	if v, err := schemaVersion(ctx, db, d); err != nil || v != 1 {
		t.Errorf("schema version = %d, %v; want 1", v, err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table b exists after a failed migration (%d, %v)", n, err)
	}
	migs[1].sql = "CREATE TABLE b (x INTEGER)"
	if err := migrate(ctx, db, d, migs); err != nil {
		t.Fatalf("migrate after fix: %v", err)
	}
	if v, err := schemaVersion(ctx, db, d); err != nil || v != 2 {
		t.Errorf("schema version = %d, %v; want 2", v, err)
	}
}
