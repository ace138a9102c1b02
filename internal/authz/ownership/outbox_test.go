package ownership

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/logtest"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// memStore is an in-memory Store that can be taken down and can commit a
// write yet report it failed (an ambiguous failure, as a connection lost
// before the commit's answer).
type memStore struct {
	mu     sync.Mutex
	owners map[objectKey]string
	writes []string // "type:id=owner" per committed SetOwner, in order

	down      atomic.Bool                   // every call fails
	ambiguous atomic.Int64                  // the next n SetOwner calls commit, then fail
	calls     atomic.Int64                  // Owner and SetOwner calls, failed ones included
	hold      atomic.Pointer[chan struct{}] // when set, Owner waits for it to close
}

func newMemStore() *memStore { return &memStore{owners: map[objectKey]string{}} }

func (m *memStore) Owner(_ context.Context, typ, id string) (string, error) {
	if h := m.hold.Load(); h != nil {
		<-*h
	}
	m.calls.Add(1)
	if m.down.Load() {
		return "", errStoreDown
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.owners[objectKey{typ, id}]
	if !ok {
		return "", store.ErrOwnerNotFound
	}
	return o, nil
}

func (m *memStore) SetOwner(_ context.Context, r store.OwnershipRecord) error {
	m.calls.Add(1)
	if m.down.Load() {
		return errStoreDown
	}
	m.mu.Lock()
	m.owners[objectKey{r.ObjectType, r.ObjectID}] = r.Owner
	m.writes = append(m.writes, r.ObjectType+":"+r.ObjectID+"="+r.Owner)
	m.mu.Unlock()
	if m.ambiguous.Load() > 0 {
		m.ambiguous.Add(-1)
		return fmt.Errorf("commit unconfirmed: %w", errStoreDown)
	}
	return nil
}

func (m *memStore) DeleteOwner(_ context.Context, typ, id string) error {
	if m.down.Load() {
		return errStoreDown
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.owners, objectKey{typ, id})
	return nil
}

func (m *memStore) OwnershipEventsSince(context.Context, int64) ([]store.OwnershipEvent, error) {
	return nil, nil
}
func (m *memStore) LatestOwnershipEventID(context.Context) (int64, error) { return 0, nil }
func (m *memStore) Changes(context.Context, string, *slog.Logger) <-chan struct{} {
	return nil
}

func (m *memStore) committed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.writes...)
}

func outboxRecords(t *testing.T, st Store, size int) (*Records, *logtest.Buffer) {
	t.Helper()
	logs := &logtest.Buffer{}
	r, err := New(st, Config{OutboxSize: size}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r, logs
}

const (
	failedLine    = "owner records cannot be written"
	recoveredLine = "owner records written to the store again"
)

// TestOutboxOutage: records made while the store is down are acknowledged,
// answered from this node at once (to their owner only), and written in
// order, each once, when the store comes back; the outage is one log line
// and one recovery line, whatever the number of failures.
func TestOutboxOutage(t *testing.T) {
	cases := []struct {
		name      string
		n         int
		ambiguous int64 // the first writes after recovery commit but report failure
	}{
		{"one record", 1, 0},
		{"many records", 200, 0},
		{"ambiguous failures", 50, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newMemStore()
			r, logs := outboxRecords(t, st, 1000)
			ctx := context.Background()
			before := Stats()
			st.down.Store(true)
			var want []string
			for i := range c.n {
				id := fmt.Sprint(i)
				if err := r.Record(ctx, "order", id, "alice"); err != nil {
					t.Fatalf("Record %d with the store down = %v, want it queued", i, err)
				}
				want = append(want, "order:"+id+"=alice")
				// The owner's next read on this node works; anyone else's is refused by the rule.
				if got := mustOwner(t, r, "order", id); got != (owner{"alice", true}) {
					t.Fatalf("Owner of a queued record = %+v", got)
				}
			}
			if got := Stats().Pending - before.Pending; got != int64(c.n) {
				t.Errorf("pending %d, want %d", got, c.n)
			}
			waitFor(t, "the writer to retry", func() bool { return st.calls.Load() >= 3 })
			st.ambiguous.Store(c.ambiguous)
			st.down.Store(false)
			waitFor(t, "the outbox to drain", r.outbox.empty)

			got := st.committed()
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("store writes (in order, each once):\n got %v\nwant %v", got, want)
			}
			after := Stats()
			if d := after.Retried - before.Retried; d != uint64(c.n) {
				t.Errorf("retried %d, want %d", d, c.n)
			}
			if after.Pending != before.Pending {
				t.Errorf("pending %d after the drain, want %d", after.Pending, before.Pending)
			}
			if n := logs.Count(failedLine); n != 1 {
				t.Errorf("%d outage lines, want 1:\n%s", n, logs)
			}
			waitFor(t, "the recovery line", func() bool { return logs.Count(recoveredLine) == 1 })
			if n := logs.Count("level=ERROR"); n != 0 {
				t.Errorf("error lines during an outage:\n%s", logs)
			}
			// After the outage, writes go straight to the store again.
			if err := r.Record(ctx, "order", "after", "bob"); err != nil {
				t.Fatal(err)
			}
			if got := st.committed(); got[len(got)-1] != "order:after=bob" || !r.outbox.empty() {
				t.Errorf("a record after the outage was not written at once: %v", got)
			}
		})
	}
}

// TestOutboxKeepsOrderBehindQueue: while records wait, new ones queue
// behind them even though the store would answer, so the store sees every
// record in the order it was made.
func TestOutboxKeepsOrderBehindQueue(t *testing.T) {
	st := newMemStore()
	r, _ := outboxRecords(t, st, 100)
	ctx := context.Background()
	hold := make(chan struct{})
	st.hold.Store(&hold) // the writer's next attempt waits
	st.down.Store(true)
	if err := r.Record(ctx, "order", "1", "alice"); err != nil {
		t.Fatal(err)
	}
	st.down.Store(false)
	if err := r.Record(ctx, "order", "2", "alice"); err != nil {
		t.Fatal(err)
	}
	if got := st.committed(); len(got) != 0 {
		t.Fatalf("a record overtook the queue: %v", got)
	}
	close(hold)
	waitFor(t, "the outbox to drain", r.outbox.empty)
	if got := strings.Join(st.committed(), ","); got != "order:1=alice,order:2=alice" {
		t.Errorf("store writes %s", got)
	}
}

// TestOutboxBound: past its bound the outbox refuses (the gateway answers
// 503) and keeps what it holds.
func TestOutboxBound(t *testing.T) {
	st := newMemStore()
	r, logs := outboxRecords(t, st, 3)
	ctx := context.Background()
	before := Stats()
	st.down.Store(true)
	for i := range 3 {
		if err := r.Record(ctx, "order", fmt.Sprint(i), "alice"); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	for range 2 {
		if err := r.Record(ctx, "order", "3", "alice"); err != ErrOutboxFull {
			t.Fatalf("Record past the bound = %v, want ErrOutboxFull", err)
		}
	}
	if d := Stats().Refused - before.Refused; d != 2 {
		t.Errorf("refused %d, want 2", d)
	}
	if c := logs.Count("outbox full"); c != 1 {
		t.Errorf("%d 'outbox full' lines, want 1:\n%s", c, logs)
	}
	if _, found, err := r.Owner(ctx, "order", "3"); err == nil || found {
		t.Errorf("a refused record is answered: found %v, err %v", found, err)
	}
	st.down.Store(false)
	waitFor(t, "the outbox to drain", r.outbox.empty)
	if got := strings.Join(st.committed(), ","); got != "order:0=alice,order:1=alice,order:2=alice" {
		t.Errorf("store writes %s", got)
	}
	// A second outage that fills the outbox is logged again.
	st.down.Store(true)
	for i := range 4 {
		_ = r.Record(ctx, "order", fmt.Sprint(10+i), "alice")
	}
	if c := logs.Count("outbox full"); c != 2 {
		t.Errorf("%d 'outbox full' lines after a second outage, want 2:\n%s", c, logs)
	}
}

// TestOutboxConflict: a queued record whose object got another owner in
// the meantime never takes it over.
func TestOutboxConflict(t *testing.T) {
	st := newMemStore()
	r, logs := outboxRecords(t, st, 10)
	ctx := context.Background()
	before := Stats()
	st.down.Store(true)
	if err := r.Record(ctx, "order", "1", "alice"); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.owners[objectKey{"order", "1"}] = "bob" // written by another node
	st.mu.Unlock()
	st.down.Store(false)
	waitFor(t, "the outbox to drain", r.outbox.empty)
	if d := Stats().LostConflict - before.LostConflict; d != 1 {
		t.Errorf("conflicts %d, want 1", d)
	}
	if got := mustOwner(t, r, "order", "1"); got != (owner{"bob", true}) {
		t.Errorf("owner after the conflict %+v, want bob's from the store", got)
	}
	if len(st.committed()) != 0 || logs.Count("another owner in the store") != 1 {
		t.Errorf("writes %v, log:\n%s", st.committed(), logs)
	}
}

// TestOutboxShutdown: Shutdown writes the queue when the store answers in
// time; otherwise it drops it with one ERROR line carrying the count.
func TestOutboxShutdown(t *testing.T) {
	t.Run("store back in time", func(t *testing.T) {
		st := newMemStore()
		r, logs := outboxRecords(t, st, 100)
		ctx := context.Background()
		st.down.Store(true)
		for i := range 20 {
			if err := r.Record(ctx, "order", fmt.Sprint(i), "alice"); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the writer to retry", func() bool { return st.calls.Load() >= 2 })
		st.down.Store(false)
		if lost := r.Shutdown(ctx); lost != 0 {
			t.Errorf("Shutdown lost %d", lost)
		}
		if n := len(st.committed()); n != 20 {
			t.Errorf("%d written, want 20", n)
		}
		if err := r.Record(ctx, "order", "late", "alice"); err != nil {
			t.Errorf("Record after Shutdown with the store up = %v", err)
		}
		st.down.Store(true)
		if err := r.Record(ctx, "order", "late2", "alice"); err == nil {
			t.Error("Record after Shutdown with the store down was acknowledged; nothing would write it")
		}
		if logs.Count("lost at shutdown") != 0 {
			t.Errorf("log:\n%s", logs)
		}
	})
	t.Run("store still down", func(t *testing.T) {
		st := newMemStore()
		r, logs := outboxRecords(t, st, 100)
		ctx := context.Background()
		before := Stats()
		st.down.Store(true)
		for i := range 7 {
			if err := r.Record(ctx, "order", fmt.Sprint(i), "alice"); err != nil {
				t.Fatal(err)
			}
		}
		done, cancel := context.WithCancel(ctx)
		cancel() // the grace is over
		if lost := r.Shutdown(done); lost != 7 {
			t.Errorf("Shutdown lost %d, want 7", lost)
		}
		r.Close()
		after := Stats()
		if d := after.LostShutdown - before.LostShutdown; d != 7 {
			t.Errorf("lost %d, want 7", d)
		}
		if after.Pending != before.Pending {
			t.Errorf("pending %d, want %d", after.Pending, before.Pending)
		}
		if logs.Count("lost at shutdown") != 1 || logs.Count("records=7") != 1 {
			t.Errorf("want one line with the count:\n%s", logs)
		}
	})
}

// TestOutboxOverPostgres is in outbox_pg_test.go.
