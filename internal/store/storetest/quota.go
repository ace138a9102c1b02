package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// runQuota runs the quota usage cases, each as a subtest of t.
func runQuota(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"AddLoad", testQuotaAddLoad},
		{"Periods", testQuotaPeriods},
		{"Reset", testQuotaReset},
		{"List", testQuotaList},
		{"ConcurrentAdds", testQuotaConcurrentAdds},
		{"HostileKeys", testQuotaHostileKeys},
		{"CanceledContext", testQuotaCanceled},
	}
	for _, c := range cases {
		t.Run("Quota/"+c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func mustAddQuota(t *testing.T, s *store.Store, deltas ...store.QuotaDelta) {
	t.Helper()
	if err := s.AddQuota(context.Background(), deltas); err != nil {
		t.Fatalf("AddQuota(%d deltas): %v", len(deltas), err)
	}
}

func wantQuota(t *testing.T, s *store.Store, key string, start time.Time, want int64) {
	t.Helper()
	got, err := s.LoadQuota(context.Background(), key, start)
	if err != nil || got != want {
		t.Errorf("LoadQuota(%q, %v) = %d, %v; want %d", key, start, got, err, want)
	}
}

func testQuotaAddLoad(t *testing.T, s *store.Store) {
	start := base()
	wantQuota(t, s, "alice", start, 0)
	mustAddQuota(t, s)
	mustAddQuota(t, s, store.QuotaDelta{Key: "alice", PeriodStart: start, Delta: 3, At: base()})
	mustAddQuota(t, s, store.QuotaDelta{Key: "alice", PeriodStart: start, Delta: 4, At: base()},
		store.QuotaDelta{Key: "bob", PeriodStart: start, Delta: 1})
	wantQuota(t, s, "alice", start, 7)
	wantQuota(t, s, "alice", start.UTC(), 7) // the same instant in another zone
	wantQuota(t, s, "bob", start, 1)
	wantQuota(t, s, "ALICE", start, 0)
}

func testQuotaPeriods(t *testing.T, s *store.Store) {
	day1, day2 := base(), base().Add(24*time.Hour)
	mustAddQuota(t, s, store.QuotaDelta{Key: "k", PeriodStart: day1, Delta: 5},
		store.QuotaDelta{Key: "k", PeriodStart: day2, Delta: 2})
	wantQuota(t, s, "k", day1, 5)
	wantQuota(t, s, "k", day2, 2)
}

func testQuotaReset(t *testing.T, s *store.Store) {
	ctx := context.Background()
	day1, day2 := base(), base().Add(24*time.Hour)
	mustAddQuota(t, s, store.QuotaDelta{Key: "k", PeriodStart: day1, Delta: 5},
		store.QuotaDelta{Key: "k", PeriodStart: day2, Delta: 2})
	for range 2 { // resetting a reset key succeeds
		if err := s.ResetQuota(ctx, "k", day2); err != nil {
			t.Fatalf("ResetQuota: %v", err)
		}
	}
	wantQuota(t, s, "k", day2, 0)
	wantQuota(t, s, "k", day1, 5)
	mustAddQuota(t, s, store.QuotaDelta{Key: "k", PeriodStart: day2, Delta: 1})
	wantQuota(t, s, "k", day2, 1)
}

func testQuotaList(t *testing.T, s *store.Store) {
	ctx := context.Background()
	start, other := base(), base().Add(time.Hour)
	at := base().Add(time.Minute)
	for i, k := range []string{"shop:b", "shop:a", "blog:x", "shop%", "shop_1", "Shop:c"} {
		mustAddQuota(t, s, store.QuotaDelta{Key: k, PeriodStart: start, Delta: int64(i + 1), At: at})
	}
	mustAddQuota(t, s, store.QuotaDelta{Key: "shop:z", PeriodStart: other, Delta: 1})
	cases := []struct {
		name, prefix string
		want         []string
	}{
		{"all", "", []string{"Shop:c", "blog:x", "shop%", "shop:a", "shop:b", "shop_1"}},
		{"prefix", "shop:", []string{"shop:a", "shop:b"}},
		{"percent is literal", "shop%", []string{"shop%"}},
		{"underscore is literal", "shop_", []string{"shop_1"}},
		{"exact key", "blog:x", []string{"blog:x"}},
		{"longer than keys", "blog:xyz", nil},
		{"no match", "nobody", nil},
	}
	for _, c := range cases {
		rows, err := s.ListQuota(ctx, start, c.prefix)
		if err != nil {
			t.Fatalf("%s: ListQuota: %v", c.name, err)
		}
		var keys []string
		for _, r := range rows {
			keys = append(keys, r.Key)
			if !r.PeriodStart.Equal(us(start)) || r.PeriodStart.Location() != time.UTC || !r.UpdatedAt.Equal(us(at)) {
				t.Errorf("%s: row %+v: want period %v and updated_at %v, in UTC", c.name, r, start, at)
			}
		}
		if !reflect.DeepEqual(keys, c.want) {
			t.Errorf("%s: keys %v, want %v", c.name, keys, c.want)
		}
	}
}

func testQuotaConcurrentAdds(t *testing.T, s *store.Store) {
	const writers, adds = 8, 10
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			for range adds {
				d := []store.QuotaDelta{{Key: "a", PeriodStart: base(), Delta: 1}, {Key: "b", PeriodStart: base(), Delta: 2}}
				if i%2 == 1 {
					d[0], d[1] = d[1], d[0] // opposite order: the store must not deadlock
				}
				if err := s.AddQuota(context.Background(), d); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	wantQuota(t, s, "a", base(), writers*adds)
	wantQuota(t, s, "b", base(), 2*writers*adds)
}

func testQuotaHostileKeys(t *testing.T, s *store.Store) {
	for i, v := range hostileValues() {
		mustAddQuota(t, s, store.QuotaDelta{Key: v, PeriodStart: base(), Delta: int64(i + 1)})
	}
	for i, v := range hostileValues() {
		wantQuota(t, s, v, base(), int64(i+1))
		rows, err := s.ListQuota(context.Background(), base(), v)
		if err != nil || len(rows) == 0 || rows[0].Key != v {
			t.Errorf("ListQuota(prefix %q) = %+v, %v; want %q first", v, rows, err, v)
		}
	}
	if err := s.ResetQuota(context.Background(), hostileValues()[0], base()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.ListQuota(context.Background(), base(), "")
	if want := len(hostileValues()) - 1; err != nil || len(rows) != want {
		t.Errorf("after resetting one hostile key: %d rows, %v; want %d", len(rows), err, want)
	}
}

func testQuotaCanceled(t *testing.T, s *store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.AddQuota(ctx, []store.QuotaDelta{{Key: "k", PeriodStart: base(), Delta: 1}}); err == nil {
		t.Error("AddQuota with a canceled context succeeded")
	}
	wantQuota(t, s, "k", base(), 0)
	if _, err := s.LoadQuota(ctx, "k", base()); err == nil {
		t.Error("LoadQuota with a canceled context succeeded")
	}
}
