package apikey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bulwark-gw/bulwark/internal/store"
)

const pgEnv = "BULWARK_TEST_POSTGRES_URL"

var testPepper = []byte("test-pepper-0123456789abcdef-0123456789")

// backend names a way to get a fresh database for a test.
type backend struct {
	name string
	dsn  func(t testing.TB) string
}

func backends() []backend {
	return []backend{{"sqlite", sqliteDSN}, {"postgres", postgresDSN}}
}

func sqliteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "bulwark.db")
}

// postgresDSN creates a schema of its own for t, drops it (and only it) when
// t ends, and returns a DSN whose search_path points there. It skips t when
// no PostgreSQL is configured.
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
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := "bulwark_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", pgEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openStore opens dsn and closes the store when t ends.
func openStore(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// countingStore is a real store that counts key lookups and can be made to fail.
type countingStore struct {
	*store.Store
	lookups atomic.Int64
	fail    atomic.Bool

	mu      sync.Mutex
	touches []map[string]time.Time
}

var errStoreDown = errors.New("store down")

func (c *countingStore) KeyByHash(ctx context.Context, hash []byte) (*store.APIKey, error) {
	c.lookups.Add(1)
	if c.fail.Load() {
		return nil, errStoreDown
	}
	return c.Store.KeyByHash(ctx, hash)
}

func (c *countingStore) TouchKeys(ctx context.Context, used map[string]time.Time) error {
	c.mu.Lock()
	c.touches = append(c.touches, used)
	c.mu.Unlock()
	return c.Store.TouchKeys(ctx, used)
}

func (c *countingStore) touchBatches() []map[string]time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]time.Time(nil), c.touches...)
}

// clock is a fake clock safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// fixture is a store, a manager and a clock to build verifiers on.
type fixture struct {
	st    *countingStore
	mgr   *Manager
	clock *clock
}

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	st := &countingStore{Store: openStore(t, dsn)}
	c := newClock()
	mgr, err := NewManager(st.Store, testPepper, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, mgr: mgr, clock: c}
}

// verifier returns a verifier on f's store and clock, closed when t ends.
func (f *fixture) verifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	cfg.Pepper, cfg.Now = testPepper, f.clock.Now
	v, err := NewVerifier(cfg, f.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

// create makes a key for consumer "shop" and returns its plaintext and id.
func (f *fixture) create(t testing.TB, req CreateRequest) (string, string) {
	t.Helper()
	if req.Consumer == "" {
		req.Consumer = "shop"
	}
	plain, k, err := f.mgr.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return plain, k.ID
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
