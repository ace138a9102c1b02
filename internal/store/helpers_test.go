package store_test

import (
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// backend names a way to get a fresh, isolated database DSN for a test.
type backend struct {
	name string
	dsn  func(t testing.TB) string
}

func backends() []backend {
	return []backend{{"sqlite", storetest.SQLiteDSN}, {"postgres", storetest.PostgresDSN}}
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
		return storetest.Open(t, dsn)
	}
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
