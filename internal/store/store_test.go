package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, opener(storetest.SQLiteDSN))
}

func TestConformancePostgres(t *testing.T) {
	storetest.PostgresDSN(t) // skips early, and once, when PostgreSQL is not configured
	storetest.Run(t, opener(storetest.PostgresDSN))
}

func sampleEvent(id string) audit.Event {
	return audit.Event{Time: time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC), RequestID: id,
		Method: "GET", Path: "/", ClientIP: "192.0.2.9", Decision: audit.DecisionAllow, Status: 200}
}

func TestSQLitePersistsAcrossReopen(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.AppendAudit(ctx, []audit.Event{sampleEvent("persisted")}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	rows, err := storetest.Open(t, dsn).QueryAudit(ctx, store.AuditFilter{})
	if err != nil || len(rows) != 1 || rows[0].Event != sampleEvent("persisted") {
		t.Fatalf("after reopen: %+v, %v; want the persisted event", rows, err)
	}
	var mode string
	if err := rawDB(t, dsn).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestSQLiteDSNForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cases := []struct {
		name, dsn, file string
	}{
		{"relative", "sqlite:rel.db", filepath.Join(dir, "rel.db")},
		{"absolute", "sqlite:" + filepath.Join(dir, "abs.db"), filepath.Join(dir, "abs.db")},
		{"url form", "sqlite://" + filepath.Join(dir, "url.db"), filepath.Join(dir, "url.db")},
		{"memory", "sqlite::memory:", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := storetest.Open(t, c.dsn)
			if err := s.AppendAudit(context.Background(), []audit.Event{sampleEvent(c.name)}); err != nil {
				t.Fatalf("AppendAudit: %v", err)
			}
			rows, err := s.QueryAudit(context.Background(), store.AuditFilter{})
			if err != nil || len(rows) != 1 {
				t.Fatalf("QueryAudit = %d rows, %v; want 1", len(rows), err)
			}
			if _, err := os.Stat(c.file); c.file != "" && err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			s, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			_ = s.Close()
			if _, err := rawDB(t, dsn).Exec("INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')"); err != nil {
				t.Fatalf("plant future version: %v", err)
			}
			s, err = store.Open(context.Background(), dsn)
			if err == nil {
				_ = s.Close()
				t.Fatal("Open accepted a database from a newer binary")
			}
			if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
				t.Errorf("Open error = %v; want ErrSchemaTooNew naming version 9999", err)
			}
		})
	}
}

// TestConcurrentOpen starts several nodes on one fresh database at once: the
// migration lock must let every one of them succeed.
func TestConcurrentOpen(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			const nodes = 4
			stores := make([]*store.Store, nodes)
			errs := make([]error, nodes)
			var wg sync.WaitGroup
			for i := range nodes {
				wg.Go(func() { stores[i], errs[i] = store.Open(context.Background(), dsn) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("node %d: Open: %v", i, err)
				}
				t.Cleanup(func() { _ = stores[i].Close() })
			}
			want, err := stores[0].SchemaVersion(context.Background())
			if err != nil || want < 1 {
				t.Fatalf("SchemaVersion = %d, %v", want, err)
			}
			var applied int
			if err := rawDB(t, dsn).QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&applied); err != nil || applied != want {
				t.Errorf("schema_migrations holds %d rows, %v; want %d (each migration once)", applied, err, want)
			}
		})
	}
}

func TestMigrationCreatesIndexes(t *testing.T) {
	queries := map[string]string{
		"sqlite":   "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' AND name LIKE 'audit_events_%_idx'",
		"postgres": "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'audit_events' AND indexname LIKE 'audit_events_%_idx'",
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			storetest.Open(t, dsn)
			var n int
			if err := rawDB(t, dsn).QueryRow(queries[b.name]).Scan(&n); err != nil || n != 7 {
				t.Errorf("audit_events has %d named indexes, %v; want 7 (ts, api+route, request_id; "+
					"decision+ts, principal, client_ip, reason for the console)", n, err)
			}
		})
	}
}
