package ownership

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestOutboxOverPostgres: PostgreSQL becomes unreachable while records are
// created and comes back while more are: every acknowledged record ends up
// in the store, with its owner, and the outage is one log line.
func TestOutboxOverPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t) // skips, saying so, without BULWARK_TEST_POSTGRES_URL
	via, proxy := storetest.ViaCutProxy(t, dsn)
	st := storetest.Open(t, via)     // this node reaches PostgreSQL through the proxy
	direct := storetest.Open(t, dsn) // the truth, read past the proxy
	logs := &logtest.Buffer{}
	r, err := New(st, Config{PollInterval: 50 * time.Millisecond}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	before := Stats()

	const n = 300
	owners := make([]string, n)
	for i := range n {
		switch i {
		case n / 3:
			proxy.SetCut(true)
		case 2 * n / 3:
			if r.outbox.empty() {
				t.Fatal("nothing was queued while PostgreSQL was cut off")
			}
			// The owner of a queued record reads it on this node.
			if got := mustOwner(t, r, "order", fmt.Sprint(n/3)); got != (owner{owners[n/3], true}) {
				t.Errorf("queued record read as %+v, want %s", got, owners[n/3])
			}
			proxy.SetCut(false)
		}
		owners[i] = fmt.Sprintf("user%d", i%7)
		if err := r.Record(ctx, "order", fmt.Sprint(i), owners[i]); err != nil {
			t.Fatalf("record %d not acknowledged: %v", i, err)
		}
	}
	waitFor(t, "the outbox to drain", r.outbox.empty)

	for i, want := range owners {
		got, err := direct.Owner(ctx, "order", fmt.Sprint(i))
		if err != nil || got != want {
			t.Errorf("order %d in the store: %q, %v; want %s", i, got, err, want)
		}
	}
	after := Stats()
	if after.Retried == before.Retried {
		t.Error("no record was written by the outbox")
	}
	if after.LostShutdown != before.LostShutdown || after.LostConflict != before.LostConflict || after.Refused != before.Refused {
		t.Errorf("records lost or refused: before %+v, after %+v", before, after)
	}
	if c := logs.Count(failedLine); c != 1 {
		t.Errorf("%d outage lines for one outage:\n%s", c, logs)
	}
	waitFor(t, "the recovery line", func() bool { return logs.Count(recoveredLine) == 1 })
	t.Logf("retried %d of %d records", after.Retried-before.Retried, n)
}
