package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// runOwnership runs the ownership record cases, each as a subtest of t.
func runOwnership(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"RoundTrip", testOwnerRoundTrip},
		{"NotFound", testOwnerNotFound},
		{"Upsert", testOwnerUpsert},
		{"Invalid", testOwnerInvalid},
		{"List", testOwnerList},
		{"ListPaging", testOwnerListPaging},
		{"Import", testOwnerImport},
		{"ImportAtomic", testOwnerImportAtomic},
		{"ImportLarge", testOwnerImportLarge},
		{"EventsPaging", testOwnerEventsPaging},
		{"Concurrent", testOwnerConcurrent},
		{"ExactMatch", testOwnerExactMatch},
		{"CanceledContext", testOwnerCanceled},
		{"PruneEvents", testOwnerPruneEvents},
	}
	for _, c := range cases {
		t.Run("Ownership/"+c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func rec(typ, id, owner string) store.OwnershipRecord {
	return store.OwnershipRecord{ObjectType: typ, ObjectID: id, Owner: owner, CreatedAt: base()}
}

func mustSetOwner(t *testing.T, s *store.Store, recs ...store.OwnershipRecord) {
	t.Helper()
	for _, r := range recs {
		if err := s.SetOwner(context.Background(), r); err != nil {
			t.Fatalf("SetOwner(%+v): %v", r, err)
		}
	}
}

func wantOwner(t *testing.T, s *store.Store, typ, id, want string) {
	t.Helper()
	got, err := s.Owner(context.Background(), typ, id)
	switch {
	case want == "" && !errors.Is(err, store.ErrOwnerNotFound):
		t.Errorf("Owner(%q, %q) = %q, %v; want ErrOwnerNotFound", typ, id, got, err)
	case want != "" && (err != nil || got != want):
		t.Errorf("Owner(%q, %q) = %q, %v; want %q", typ, id, got, err, want)
	}
}

func mustListOwners(t *testing.T, s *store.Store, f store.OwnerFilter) []store.OwnershipRecord {
	t.Helper()
	recs, err := s.ListOwners(context.Background(), f)
	if err != nil {
		t.Fatalf("ListOwners(%+v): %v", f, err)
	}
	return recs
}

// objects lists records as "type/id=owner".
func objects(recs []store.OwnershipRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ObjectType+"/"+r.ObjectID+"="+r.Owner)
	}
	return out
}

// ownerEvents lists events after id as "type/id", checking ids rise and times are UTC.
func ownerEvents(t *testing.T, s *store.Store, after int64) []string {
	t.Helper()
	evs, err := s.OwnershipEventsSince(context.Background(), after)
	if err != nil {
		t.Fatalf("OwnershipEventsSince(%d): %v", after, err)
	}
	out := []string{}
	for _, e := range evs {
		if e.ID <= after || e.At.Location() != time.UTC {
			t.Errorf("event %+v: want id above %d and a UTC time", e, after)
		}
		after = e.ID
		out = append(out, e.ObjectType+"/"+e.ObjectID)
	}
	return out
}

func testOwnerRoundTrip(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if id, err := s.LatestOwnershipEventID(ctx); err != nil || id != 0 {
		t.Errorf("LatestOwnershipEventID on an empty store = %d, %v; want 0, nil", id, err)
	}
	mustSetOwner(t, s, rec("order", "1001", "alice"), rec("invoice", "1001", "bob"))
	wantOwner(t, s, "order", "1001", "alice")
	wantOwner(t, s, "invoice", "1001", "bob")
	got := mustListOwners(t, s, store.OwnerFilter{})
	want := []store.OwnershipRecord{rec("invoice", "1001", "bob"), rec("order", "1001", "alice")}
	for i := range want {
		want[i].CreatedAt = us(base())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListOwners = %+v\nwant %+v", got, want)
	}
	if ev := ownerEvents(t, s, 0); !reflect.DeepEqual(ev, []string{"order/1001", "invoice/1001"}) {
		t.Errorf("events %v", ev)
	}
	latest, err := s.LatestOwnershipEventID(ctx)
	if err != nil || latest <= 0 {
		t.Fatalf("LatestOwnershipEventID = %d, %v", latest, err)
	}
	if err := s.DeleteOwner(ctx, "order", "1001"); err != nil {
		t.Fatalf("DeleteOwner: %v", err)
	}
	wantOwner(t, s, "order", "1001", "")
	wantOwner(t, s, "invoice", "1001", "bob")
	if ev := ownerEvents(t, s, latest); !reflect.DeepEqual(ev, []string{"order/1001"}) {
		t.Errorf("events after delete %v, want [order/1001]", ev)
	}
}

func testOwnerNotFound(t *testing.T, s *store.Store) {
	ctx := context.Background()
	wantOwner(t, s, "order", "1", "")
	if err := s.DeleteOwner(ctx, "order", "1"); !errors.Is(err, store.ErrOwnerNotFound) {
		t.Errorf("DeleteOwner(unknown) = %v, want ErrOwnerNotFound", err)
	}
	if ev := ownerEvents(t, s, 0); len(ev) != 0 {
		t.Errorf("a refused delete left events %v", ev)
	}
	if got := mustListOwners(t, s, store.OwnerFilter{}); got == nil || len(got) != 0 {
		t.Errorf("ListOwners on an empty store = %#v, want an empty slice", got)
	}
}

func testOwnerUpsert(t *testing.T, s *store.Store) {
	mustSetOwner(t, s, rec("order", "1", "alice"))
	later := rec("order", "1", "bob")
	later.CreatedAt = base().Add(time.Hour)
	mustSetOwner(t, s, later)
	wantOwner(t, s, "order", "1", "bob")
	got := mustListOwners(t, s, store.OwnerFilter{})
	if len(got) != 1 || got[0].Owner != "bob" || !got[0].CreatedAt.Equal(us(later.CreatedAt)) {
		t.Errorf("after upsert: %+v, want one record owned by bob at %v", got, later.CreatedAt)
	}
	if ev := ownerEvents(t, s, 0); len(ev) != 2 {
		t.Errorf("events %v, want two", ev)
	}
	bare := store.OwnershipRecord{ObjectType: "order", ObjectID: "2", Owner: "carol"}
	mustSetOwner(t, s, bare)
	got = mustListOwners(t, s, store.OwnerFilter{Owner: "carol"})
	if len(got) != 1 || time.Since(got[0].CreatedAt) > time.Hour || got[0].CreatedAt.Location() != time.UTC {
		t.Errorf("a record without a time: %+v, want now in UTC", got)
	}
}

func testOwnerInvalid(t *testing.T, s *store.Store) {
	ctx := context.Background()
	long := strings.Repeat("x", store.MaxOwnershipField+1)
	cases := []struct {
		name string
		r    store.OwnershipRecord
	}{
		{"no type", rec("", "1", "alice")},
		{"no id", rec("order", "", "alice")},
		{"no owner", rec("order", "1", "")},
		{"long type", rec(long, "1", "alice")},
		{"long id", rec("order", long, "alice")},
		{"long owner", rec("order", "1", long)},
		{"invalid UTF-8 id", rec("order", "1\xff", "alice")},
		{"NUL in id", rec("order", "1\x00", "alice")},
		{"invalid UTF-8 owner", rec("order", "1", "al\xc3")},
	}
	for _, c := range cases {
		if err := s.SetOwner(ctx, c.r); !errors.Is(err, store.ErrInvalidOwnership) {
			t.Errorf("%s: SetOwner = %v, want ErrInvalidOwnership", c.name, err)
		}
		if n, err := s.ImportOwners(ctx, []store.OwnershipRecord{rec("order", "ok", "alice"), c.r}); n != 0 ||
			!errors.Is(err, store.ErrInvalidOwnership) || !strings.Contains(err.Error(), "record 1") {
			t.Errorf("%s: ImportOwners = %d, %v; want ErrInvalidOwnership naming record 1", c.name, n, err)
		}
		if c.r.Owner == "alice" { // the type or id is what is wrong
			if _, err := s.Owner(ctx, c.r.ObjectType, c.r.ObjectID); !errors.Is(err, store.ErrInvalidOwnership) {
				t.Errorf("%s: Owner = %v, want ErrInvalidOwnership", c.name, err)
			}
		}
	}
	if got := mustListOwners(t, s, store.OwnerFilter{}); len(got) != 0 {
		t.Errorf("invalid records left %v", objects(got))
	}
	if _, err := s.ListOwners(ctx, store.OwnerFilter{Owner: "\xff"}); !errors.Is(err, store.ErrInvalidOwnership) {
		t.Errorf("ListOwners(invalid owner) = %v, want ErrInvalidOwnership", err)
	}
}

func testOwnerList(t *testing.T, s *store.Store) {
	mustSetOwner(t, s, rec("order", "2", "alice"), rec("order", "10", "bob"), rec("order", "1", "alice"),
		rec("invoice", "7", "alice"), rec("Order", "1", "bob"))
	cases := []struct {
		name string
		f    store.OwnerFilter
		want []string
	}{
		{"all, bytewise", store.OwnerFilter{}, []string{"Order/1=bob", "invoice/7=alice", "order/1=alice", "order/10=bob", "order/2=alice"}},
		{"type", store.OwnerFilter{ObjectType: "order"}, []string{"order/1=alice", "order/10=bob", "order/2=alice"}},
		{"owner", store.OwnerFilter{Owner: "alice"}, []string{"invoice/7=alice", "order/1=alice", "order/2=alice"}},
		{"both", store.OwnerFilter{ObjectType: "order", Owner: "bob"}, []string{"order/10=bob"}},
		{"limit", store.OwnerFilter{Limit: 2}, []string{"Order/1=bob", "invoice/7=alice"}},
		{"after", store.OwnerFilter{AfterType: "order", AfterID: "1"}, []string{"order/10=bob", "order/2=alice"}},
		{"after type only", store.OwnerFilter{AfterType: "invoice"}, []string{"invoice/7=alice", "order/1=alice", "order/10=bob", "order/2=alice"}},
		{"no match", store.OwnerFilter{ObjectType: "ORDER"}, []string{}},
	}
	for _, c := range cases {
		if got := objects(mustListOwners(t, s, c.f)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func testOwnerListPaging(t *testing.T, s *store.Store) {
	var recs []store.OwnershipRecord
	for i := range 25 {
		recs = append(recs, rec([]string{"a", "b"}[i%2], fmt.Sprintf("%03d", i), "alice"))
	}
	if _, err := s.ImportOwners(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	var all []store.OwnershipRecord
	f := store.OwnerFilter{Limit: 10}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page := mustListOwners(t, s, f)
		all = append(all, page...)
		if len(page) < f.Limit {
			break
		}
		f.AfterType, f.AfterID = page[len(page)-1].ObjectType, page[len(page)-1].ObjectID
	}
	if len(all) != 25 || all[0].ObjectID != "000" || all[12].ObjectType != "a" || all[13].ObjectType != "b" {
		t.Errorf("paged %v", objects(all))
	}
}

func testOwnerImport(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustSetOwner(t, s, rec("order", "1", "mallory"))
	latest, err := s.LatestOwnershipEventID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.ImportOwners(ctx, []store.OwnershipRecord{rec("order", "1", "alice"), rec("order", "2", "bob"),
		rec("order", "2", "carol"), {ObjectType: "order", ObjectID: "3", Owner: "dave"}})
	if err != nil || n != 3 {
		t.Fatalf("ImportOwners = %d, %v; want 3 distinct records", n, err)
	}
	want := []string{"order/1=alice", "order/2=carol", "order/3=dave"}
	if got := objects(mustListOwners(t, s, store.OwnerFilter{})); !reflect.DeepEqual(got, want) {
		t.Errorf("after import %v, want %v (existing replaced, the later duplicate wins)", got, want)
	}
	if ev := ownerEvents(t, s, latest); !reflect.DeepEqual(ev, []string{"order/1", "order/2", "order/3"}) {
		t.Errorf("import events %v, want one per object", ev)
	}
	if n, err := s.ImportOwners(ctx, nil); n != 0 || err != nil {
		t.Errorf("ImportOwners(nil) = %d, %v; want 0, nil", n, err)
	}
}

func testOwnerImportAtomic(t *testing.T, s *store.Store) {
	ctx := context.Background()
	recs := make([]store.OwnershipRecord, 1200) // more than one INSERT chunk
	for i := range recs {
		recs[i] = rec("order", fmt.Sprint(i), "alice")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if n, err := s.ImportOwners(cctx, recs); err == nil || n != 0 {
		t.Errorf("ImportOwners(canceled) = %d, %v; want an error", n, err)
	}
	recs[1100].Owner = ""
	if n, err := s.ImportOwners(ctx, recs); !errors.Is(err, store.ErrInvalidOwnership) || n != 0 ||
		!strings.Contains(err.Error(), "record 1100") {
		t.Errorf("ImportOwners(bad record 1100) = %d, %v", n, err)
	}
	if got := mustListOwners(t, s, store.OwnerFilter{}); len(got) != 0 {
		t.Errorf("failed imports left %d records", len(got))
	}
	if ev := ownerEvents(t, s, 0); len(ev) != 0 {
		t.Errorf("failed imports left %d events", len(ev))
	}
}

func testOwnerImportLarge(t *testing.T, s *store.Store) {
	const n = store.ImportEventThreshold + 501
	recs := make([]store.OwnershipRecord, n)
	for i := range recs {
		recs[i] = rec("order", fmt.Sprint(i), fmt.Sprint("user-", i%7))
	}
	got, err := s.ImportOwners(context.Background(), recs)
	if err != nil || got != n {
		t.Fatalf("ImportOwners = %d, %v; want %d", got, err, n)
	}
	wantOwner(t, s, "order", "0", "user-0")
	wantOwner(t, s, "order", fmt.Sprint(n-1), fmt.Sprint("user-", (n-1)%7))
	if all := mustListOwners(t, s, store.OwnerFilter{Limit: store.MaxOwnerLimit}); len(all) != n {
		t.Errorf("listed %d records, want %d", len(all), n)
	}
	if ev := ownerEvents(t, s, 0); !reflect.DeepEqual(ev, []string{"/"}) {
		t.Errorf("large import events %v, want one reset event", ev)
	}
}

func testOwnerEventsPaging(t *testing.T, s *store.Store) {
	ctx := context.Background()
	recs := make([]store.OwnershipRecord, store.ImportEventThreshold)
	for i := range recs {
		recs[i] = rec("order", fmt.Sprint(i), "alice")
	}
	if _, err := s.ImportOwners(ctx, recs); err != nil {
		t.Fatal(err)
	}
	mustSetOwner(t, s, rec("order", "x", "bob"))
	var after int64
	var pages []int
	for range 5 {
		evs, err := s.OwnershipEventsSince(ctx, after)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		pages = append(pages, len(evs))
		after = evs[len(evs)-1].ID
	}
	if want := []int{store.MaxOwnershipEvents, store.ImportEventThreshold + 1 - store.MaxOwnershipEvents}; !reflect.DeepEqual(pages, want) {
		t.Errorf("event pages %v, want %v", pages, want)
	}
	if latest, err := s.LatestOwnershipEventID(ctx); err != nil || latest != after {
		t.Errorf("LatestOwnershipEventID = %d, %v; want %d", latest, err, after)
	}
}

func testOwnerConcurrent(t *testing.T, s *store.Store) {
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := rec("order", fmt.Sprint(w, "-", i), fmt.Sprint("user-", w))
				if i%3 == 0 {
					_, err := s.ImportOwners(context.Background(), []store.OwnershipRecord{r})
					errs <- err
				} else {
					errs <- s.SetOwner(context.Background(), r)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	if got := mustListOwners(t, s, store.OwnerFilter{}); len(got) != writers*each {
		t.Errorf("%d records, want %d", len(got), writers*each)
	}
	if ev := ownerEvents(t, s, 0); len(ev) != writers*each {
		t.Errorf("%d events, want %d", len(ev), writers*each)
	}
}

// testOwnerExactMatch feeds attacker-shaped ids: matching must be exact,
// never by pattern, case or normalization.
func testOwnerExactMatch(t *testing.T, s *store.Store) {
	hostile := []string{"1' OR '1'='1", "%", "_", "1%", "é", "e\u0301", "1 ", " 1", "..", "1/2", `\`, "🦀", "ORDER"}
	for i, id := range hostile {
		mustSetOwner(t, s, rec("order", id, fmt.Sprint("u", i)))
	}
	for i, id := range hostile {
		wantOwner(t, s, "order", id, fmt.Sprint("u", i))
	}
	for _, id := range []string{"1", "x", "e", "É", "order", "1''"} {
		wantOwner(t, s, "order", id, "")
	}
	if got := mustListOwners(t, s, store.OwnerFilter{Owner: "%"}); len(got) != 0 {
		t.Errorf("owner filter %% matched %v", objects(got))
	}
	if got := mustListOwners(t, s, store.OwnerFilter{ObjectType: "order"}); len(got) != len(hostile) {
		t.Errorf("listed %d, want %d", len(got), len(hostile))
	}
}

func testOwnerCanceled(t *testing.T, s *store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.SetOwner(ctx, rec("order", "1", "alice")); err == nil {
		t.Error("SetOwner with a canceled context succeeded")
	}
	if _, err := s.Owner(ctx, "order", "1"); err == nil || errors.Is(err, store.ErrOwnerNotFound) {
		t.Errorf("Owner with a canceled context = %v; want an error that is not ErrOwnerNotFound", err)
	}
	wantOwner(t, s, "order", "1", "")
}

func testOwnerPruneEvents(t *testing.T, s *store.Store) {
	ctx := context.Background()
	old := rec("order", "1", "alice")
	mustSetOwner(t, s, old, rec("order", "2", "alice")) // events carry the records' times: base()
	if n, err := s.PruneOwnershipEvents(ctx, base().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("PruneOwnershipEvents = %d, %v; want 1 (the newest is kept)", n, err)
	}
	if ev := ownerEvents(t, s, 0); !reflect.DeepEqual(ev, []string{"order/2"}) {
		t.Errorf("after prune %v, want [order/2]", ev)
	}
	wantOwner(t, s, "order", "1", "alice")
}
