package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

const pgEnv = "BULWARK_TEST_POSTGRES_URL"

// backend names a way to get a fresh, isolated database DSN for a test.
type backend struct {
	name string
	dsn  func(t testing.TB) string
}

func backends() []backend {
	return []backend{{"sqlite", sqliteDSN}, {"postgres", postgresDSN}}
}

// sqliteDSN returns a DSN for a new SQLite file in t's temporary directory.
func sqliteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "bulwark.db")
}

// postgresDSN creates a schema of its own for t, drops it (and only it) when t
// ends, and returns a DSN whose search_path points there. It skips t when no
// PostgreSQL is configured.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(pgEnv)
	if base == "" {
		t.Skipf("%s not set; skipping PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", pgEnv)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", pgEnv, err)
	}
	defer conn.Close(ctx)
	schema := "bulwark_test_" + randomHex(t)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { dropSchema(t, base, schema) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", pgEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func dropSchema(t testing.TB, base, schema string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}

func randomHex(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}

// opener adapts a DSN source to storetest.Opener: one database per test,
// reopened on later calls from the same test.
func opener(dsnFor func(t testing.TB) string) storetest.Opener {
	var mu sync.Mutex
	dsns := map[*testing.T]string{}
	return func(t *testing.T) *store.Store {
		t.Helper()
		mu.Lock()
		dsn, ok := dsns[t]
		if !ok {
			dsn = dsnFor(t)
			dsns[t] = dsn
		}
		mu.Unlock()
		return mustOpen(t, dsn)
	}
}

// mustOpen opens dsn and closes the store when t ends.
func mustOpen(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// rawDB opens dsn's database without the store, to tamper with it.
func rawDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, name := "pgx", dsn
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, name = "sqlite", path
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatalf("open raw %s: %v", driver, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
