package store_test

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the test's own queries

	"github.com/bulwark-gw/bulwark/internal/logtest"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func TestChangesIsNilOnSQLite(t *testing.T) {
	s := storetest.Open(t, storetest.SQLiteDSN(t))
	if c := s.Changes(t.Context(), store.ChannelKeyEvents, nil); c != nil {
		t.Fatal("SQLite cannot notify, yet Changes returned a channel")
	}
}

// TestChangesWakeOnAnotherStoresCommit: a key created through one Store wakes
// the listener of another (another node) on the same database.
func TestChangesWakeOnAnotherStoresCommit(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a, b := storetest.Open(t, dsn), storetest.Open(t, dsn)
	wake := a.Changes(t.Context(), store.ChannelKeyEvents, nil)
	awaitWake(t, wake, "the wake once listening")
	if err := b.CreateKey(t.Context(), testKey("notify-1")); err != nil {
		t.Fatal(err)
	}
	awaitEvent(t, a, wake, 1)
}

// TestChangesSurviveAKilledConnection terminates the listening backend: the
// listener logs the outage once, listens again on a new connection, wakes
// after reconnecting (changes may have been missed) and on later commits.
func TestChangesSurviveAKilledConnection(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	app := "bulwark_notify_" + randHex(t)
	a := storetest.Open(t, dsn+"&application_name="+app)
	b := storetest.Open(t, dsn)
	var out logtest.Buffer
	lostBefore := store.NotificationsLost()
	wake := a.Changes(t.Context(), store.ChannelKeyEvents, slog.New(slog.NewTextHandler(&out, nil)))
	awaitWake(t, wake, "the wake once listening")

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	listener := func() int {
		var pid int
		err := db.QueryRowContext(t.Context(), "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN %'", app).Scan(&pid)
		if err != nil && err != sql.ErrNoRows {
			t.Fatal(err)
		}
		return pid
	}
	for range 2 { // two outages: each is logged, each recovers
		old := listener()
		if old == 0 {
			t.Fatal("no listening backend found")
		}
		drain(wake)
		var ok bool
		if err := db.QueryRowContext(t.Context(), "SELECT pg_terminate_backend($1)", old).Scan(&ok); err != nil || !ok {
			t.Fatalf("pg_terminate_backend(%d): %v %v", old, ok, err)
		}
		awaitWake(t, wake, "the wake after reconnecting")
		waitUntil(t, "a new listening backend", func() bool { p := listener(); return p != 0 && p != old })
	}
	if err := b.CreateKey(t.Context(), testKey("notify-2")); err != nil {
		t.Fatal(err)
	}
	awaitEvent(t, a, wake, 1)
	log := out.String()
	if n := strings.Count(log, "change notifications lost"); n != 2 {
		t.Fatalf("%d outage warnings for 2 outages:\n%s", n, log)
	}
	if n := strings.Count(log, "change notifications restored"); n != 2 {
		t.Fatalf("%d recovery lines for 2 outages:\n%s", n, log)
	}
	if n := store.NotificationsLost() - lostBefore; n < 2 { // other tests' outages may add
		t.Fatalf("NotificationsLost grew by %d for 2 outages", n)
	}
}

// awaitEvent waits on wake until a sees at least n key events: other tests
// sharing the database notify the same channel, so a wake alone proves
// nothing.
func awaitEvent(t *testing.T, a *store.Store, wake <-chan struct{}, n int64) {
	t.Helper()
	for {
		awaitWake(t, wake, "a wake for the committed event")
		id, err := a.LatestKeyEventID(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if id >= n {
			return
		}
	}
}

func awaitWake(t *testing.T, wake <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-wake:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func drain(wake <-chan struct{}) {
	select {
	case <-wake:
	default:
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testKey(id string) *store.APIKey {
	h := sha256.Sum256([]byte(id))
	now := time.Now().UTC()
	return &store.APIKey{ID: id, Hash: h[:], Consumer: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

func randHex(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestEventIDsBecomeVisibleInCommitOrder: while another transaction holds an
// uncommitted key event (an earlier id), a Store's key change waits for it
// instead of committing a later id a poller could see first and then never
// look behind.
func TestEventIDsBecomeVisibleInCommitOrder(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	app := "bulwark_order_" + randHex(t)
	b := storetest.Open(t, dsn+"&application_name="+app)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	// Migrations ran when b opened; the earlier transaction inserts an event.
	earlier, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = earlier.Rollback() }()
	if _, err := earlier.ExecContext(ctx, "INSERT INTO key_events (key_id, kind, at) VALUES ('earlier', 'created', now())"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.CreateKey(ctx, testKey("later")) }()
	waitUntil(t, "the later change to wait for the earlier one, or commit past it", func() bool {
		select {
		case err := <-done:
			t.Fatalf("the later change committed (err %v) while an earlier event id was uncommitted", err)
		default:
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
	if err := earlier.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	evs, err := b.KeyEventsSince(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].KeyID != "earlier" || evs[1].KeyID != "later" {
		t.Fatalf("events %+v, want earlier then later", evs)
	}
}
