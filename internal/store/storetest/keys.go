package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// runKeys runs the API key cases, each as a subtest of t.
func runKeys(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"RoundTrip", testKeyRoundTrip},
		{"NotFound", testKeyNotFound},
		{"Duplicates", testKeyDuplicates},
		{"Invalid", testKeyInvalid},
		{"List", testKeyList},
		{"Revoke", testKeyRevoke},
		{"Rotate", testKeyRotate},
		{"RotateNeverExtends", testKeyRotateNeverExtends},
		{"ConcurrentRotate", testKeyConcurrentRotate},
		{"Touch", testKeyTouch},
		{"HostileValues", testKeyHostileValues},
		{"PruneEvents", testKeyPruneEvents},
	}
	for _, c := range cases {
		t.Run("Keys/"+c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// newKey returns a complete key named id; its hash is derived from id.
func newKey(id, consumer string) *store.APIKey {
	h := sha256.Sum256([]byte(id))
	return &store.APIKey{ID: id, Hash: h[:], Consumer: consumer, Subject: "sub-" + id,
		Scopes: []string{"orders:read", "orders:write"}, Roles: []string{"admin"},
		Metadata: map[string]string{"team": "payments"}, CreatedAt: base(), ExpiresAt: base().Add(90 * 24 * time.Hour)}
}

func mustCreate(t *testing.T, s *store.Store, keys ...*store.APIKey) {
	t.Helper()
	for _, k := range keys {
		if err := s.CreateKey(context.Background(), k); err != nil {
			t.Fatalf("CreateKey(%s): %v", k.ID, err)
		}
	}
}

func mustKey(t *testing.T, s *store.Store, id string) *store.APIKey {
	t.Helper()
	k, err := s.KeyByID(context.Background(), id)
	if err != nil {
		t.Fatalf("KeyByID(%s): %v", id, err)
	}
	return k
}

// storedKey is k as a store returns it: times in UTC to the microsecond.
func storedKey(k store.APIKey) store.APIKey {
	for _, p := range []*time.Time{&k.CreatedAt, &k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt, &k.OverlapUntil} {
		if !p.IsZero() {
			*p = p.UTC().Truncate(time.Microsecond)
		}
	}
	return k
}

// us is t as stores keep it: to the microsecond.
func us(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func sameKey(t *testing.T, got *store.APIKey, want store.APIKey) {
	t.Helper()
	if w := storedKey(want); !reflect.DeepEqual(*got, w) {
		t.Errorf("key %s:\n got %+v\nwant %+v", want.ID, *got, w)
	}
}

// eventKinds lists events after id as "kind:key" strings, checking ids rise.
func eventKinds(t *testing.T, s *store.Store, after int64) []string {
	t.Helper()
	evs, err := s.KeyEventsSince(context.Background(), after)
	if err != nil {
		t.Fatalf("KeyEventsSince(%d): %v", after, err)
	}
	var out []string
	for _, e := range evs {
		if e.ID <= after || e.At.Location() != time.UTC {
			t.Errorf("event %+v: want id above %d and a UTC time", e, after)
		}
		after = e.ID
		out = append(out, e.Kind+":"+e.KeyID)
	}
	return out
}

func testKeyRoundTrip(t *testing.T, s *store.Store) {
	ctx := context.Background()
	full := newKey("k1", "shop")
	bare := &store.APIKey{ID: "k2", Hash: newKey("k2", "").Hash, Consumer: "shop", CreatedAt: base()}
	mustCreate(t, s, full, bare)
	for _, want := range []*store.APIKey{full, bare} {
		byHash, err := s.KeyByHash(ctx, want.Hash)
		if err != nil {
			t.Fatalf("KeyByHash(%s): %v", want.ID, err)
		}
		w := *want
		if w.Scopes == nil {
			w.Scopes, w.Roles = []string{}, []string{}
		}
		sameKey(t, byHash, w)
		sameKey(t, mustKey(t, s, want.ID), w)
	}
	if got := eventKinds(t, s, 0); !reflect.DeepEqual(got, []string{"created:k1", "created:k2"}) {
		t.Errorf("events %v, want two created", got)
	}
	latest, err := s.LatestKeyEventID(ctx)
	if err != nil || latest <= 0 {
		t.Fatalf("LatestKeyEventID = %d, %v", latest, err)
	}
	if got := eventKinds(t, s, latest); len(got) != 0 {
		t.Errorf("events after the latest: %v", got)
	}
}

func testKeyNotFound(t *testing.T, s *store.Store) {
	ctx := context.Background()
	if id, err := s.LatestKeyEventID(ctx); err != nil || id != 0 {
		t.Errorf("LatestKeyEventID on an empty store = %d, %v; want 0, nil", id, err)
	}
	mustCreate(t, s, newKey("k1", "shop"))
	if _, err := s.KeyByHash(ctx, make([]byte, 32)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("KeyByHash(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.KeyByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("KeyByID(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.RevokeKey(ctx, "nope", base()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeKey(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.RotateKey(ctx, "nope", newKey("k9", "shop"), base(), time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RotateKey(unknown) = %v, want ErrNotFound", err)
	}
}

func testKeyDuplicates(t *testing.T, s *store.Store) {
	mustCreate(t, s, newKey("k1", "shop"))
	sameID := newKey("k2", "shop")
	sameID.ID = "k1"
	sameHash := newKey("k1", "shop")
	sameHash.ID = "k3"
	for name, k := range map[string]*store.APIKey{"same id": sameID, "same hash": sameHash} {
		if err := s.CreateKey(context.Background(), k); err == nil {
			t.Errorf("%s: CreateKey succeeded", name)
		}
	}
	if got := eventKinds(t, s, 0); len(got) != 1 {
		t.Errorf("refused creates left events: %v", got)
	}
}

func testKeyInvalid(t *testing.T, s *store.Store) {
	cases := []struct {
		name string
		edit func(k *store.APIKey)
	}{
		{"no id", func(k *store.APIKey) { k.ID = "" }},
		{"short hash", func(k *store.APIKey) { k.Hash = k.Hash[:16] }},
		{"no consumer", func(k *store.APIKey) { k.Consumer = "" }},
	}
	for _, c := range cases {
		k := newKey("k1", "shop")
		c.edit(k)
		if err := s.CreateKey(context.Background(), k); err == nil {
			t.Errorf("%s: CreateKey succeeded", c.name)
		}
	}
}

func testKeyList(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for i, c := range []string{"shop", "blog", "shop", "shop"} {
		k := newKey(fmt.Sprint("k", i), c)
		k.CreatedAt = base().Add(time.Duration(i) * time.Minute)
		mustCreate(t, s, k)
	}
	if err := s.RevokeKey(ctx, "k2", base()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    store.KeyFilter
		want []string
	}{
		{"live", store.KeyFilter{}, []string{"k0", "k1", "k3"}},
		{"all", store.KeyFilter{IncludeRevoked: true}, []string{"k0", "k1", "k2", "k3"}},
		{"consumer", store.KeyFilter{Consumer: "shop"}, []string{"k0", "k3"}},
		{"consumer all", store.KeyFilter{Consumer: "shop", IncludeRevoked: true}, []string{"k0", "k2", "k3"}},
		{"limit", store.KeyFilter{IncludeRevoked: true, Limit: 2}, []string{"k0", "k1"}},
		{"unknown consumer", store.KeyFilter{Consumer: "nobody"}, nil},
	}
	for _, c := range cases {
		keys, err := s.ListKeys(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var ids []string
		for _, k := range keys {
			ids = append(ids, k.ID)
		}
		if !reflect.DeepEqual(ids, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, ids, c.want)
		}
	}
}

func testKeyRevoke(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreate(t, s, newKey("k1", "shop"))
	at := base().Add(time.Hour)
	for range 2 { // the second revocation is a no-op
		if err := s.RevokeKey(ctx, "k1", at.Add(time.Duration(len(eventKinds(t, s, 0)))*time.Minute)); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
	}
	k := mustKey(t, s, "k1")
	if !k.RevokedAt.Equal(us(at.Add(time.Minute))) || k.State(at) != "revoked" {
		t.Errorf("revoked_at = %v, state %s; want the first revocation's time", k.RevokedAt, k.State(at))
	}
	if got := eventKinds(t, s, 0); !reflect.DeepEqual(got, []string{"created:k1", "revoked:k1"}) {
		t.Errorf("events %v, want one revocation", got)
	}
}

func testKeyRotate(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreate(t, s, newKey("old", "shop"))
	at, overlap := base().Add(time.Hour), 24*time.Hour
	next := newKey("new", "shop")
	next.CreatedAt = time.Time{}
	if err := s.RotateKey(ctx, "old", next, at, overlap); err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	old := mustKey(t, s, "old")
	end := us(at.Add(overlap))
	if old.ReplacedBy != "new" || !old.OverlapUntil.Equal(end) || !old.ExpiresAt.Equal(end) {
		t.Errorf("old key after rotation: %+v; want replaced_by new, overlap and expiry %v", old, end)
	}
	if old.State(end.Add(-time.Microsecond)) != "active" || old.State(end) != "expired" {
		t.Errorf("old key states around the overlap end: want active then expired")
	}
	nk := mustKey(t, s, "new")
	if nk.RotatedFrom != "old" || !nk.CreatedAt.Equal(us(at)) {
		t.Errorf("new key: %+v; want rotated_from old, created at %v", nk, at)
	}
	if got := eventKinds(t, s, 0); !reflect.DeepEqual(got, []string{"created:old", "rotated:old", "created:new"}) {
		t.Errorf("events %v", got)
	}
	if err := s.RotateKey(ctx, "old", newKey("again", "shop"), at, overlap); !errors.Is(err, store.ErrKeyReplaced) {
		t.Errorf("second rotation = %v, want ErrKeyReplaced", err)
	}
	if err := s.RevokeKey(ctx, "new", at); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateKey(ctx, "new", newKey("again", "shop"), at, overlap); !errors.Is(err, store.ErrKeyRevoked) {
		t.Errorf("rotating a revoked key = %v, want ErrKeyRevoked", err)
	}
	if _, err := s.KeyByID(ctx, "again"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused rotation stored its new key: %v", err)
	}
}

func testKeyRotateNeverExtends(t *testing.T, s *store.Store) {
	k := newKey("old", "shop")
	k.ExpiresAt = base().Add(time.Hour)
	mustCreate(t, s, k)
	if err := s.RotateKey(context.Background(), "old", newKey("new", "shop"), base(), 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := mustKey(t, s, "old").ExpiresAt; !got.Equal(us(k.ExpiresAt)) {
		t.Errorf("expires_at = %v, want it kept at %v", got, k.ExpiresAt)
	}
}

func testKeyConcurrentRotate(t *testing.T, s *store.Store) {
	mustCreate(t, s, newKey("old", "shop"))
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.RotateKey(context.Background(), "old", newKey(fmt.Sprint("new", i), "shop"), base(), time.Hour)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrKeyReplaced):
			t.Errorf("concurrent rotation: %v, want nil or ErrKeyReplaced", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d rotations succeeded, want exactly 1", ok)
	}
}

func testKeyTouch(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreate(t, s, newKey("k1", "shop"), newKey("k2", "shop"))
	t1, t2 := base().Add(time.Minute), base().Add(2*time.Minute)
	if err := s.TouchKeys(ctx, nil); err != nil {
		t.Errorf("TouchKeys(nil): %v", err)
	}
	if err := s.TouchKeys(ctx, map[string]time.Time{"k1": t2, "k2": t1, "ghost": t1}); err != nil {
		t.Fatalf("TouchKeys: %v", err)
	}
	if err := s.TouchKeys(ctx, map[string]time.Time{"k1": t1}); err != nil { // older: ignored
		t.Fatalf("TouchKeys: %v", err)
	}
	for id, want := range map[string]time.Time{"k1": t2, "k2": t1} {
		if got := mustKey(t, s, id).LastUsedAt; !got.Equal(us(want)) {
			t.Errorf("%s last_used_at = %v, want %v", id, got, want)
		}
	}
	if got := eventKinds(t, s, 0); len(got) != 2 {
		t.Errorf("touching keys recorded events: %v", got)
	}
}

func testKeyHostileValues(t *testing.T, s *store.Store) {
	for i, v := range hostileValues() {
		k := newKey(fmt.Sprint("k", i), v)
		k.Subject, k.Scopes, k.Roles, k.Metadata = v, []string{v}, []string{v}, map[string]string{v: v}
		mustCreate(t, s, k)
		sameKey(t, mustKey(t, s, k.ID), *k)
		keys, err := s.ListKeys(context.Background(), store.KeyFilter{Consumer: v})
		if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
			t.Errorf("ListKeys(consumer %q) = %d keys, %v; want %s", v, len(keys), err, k.ID)
		}
	}
}

func testKeyPruneEvents(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreate(t, s, newKey("k1", "app"), newKey("k2", "app")) // events carry CreatedAt: base()
	if n, err := s.PruneKeyEvents(ctx, base().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("PruneKeyEvents = %d, %v; want 1 (the newest is kept)", n, err)
	}
	evs, err := s.KeyEventsSince(ctx, 0)
	if err != nil || len(evs) != 1 || evs[0].KeyID != "k2" {
		t.Fatalf("after prune %+v, %v; want only k2's event", evs, err)
	}
	if n, err := s.PruneKeyEvents(ctx, base().Add(-time.Minute)); err != nil || n != 0 {
		t.Errorf("pruning before every event = %d, %v; want 0", n, err)
	}
	mustKey(t, s, "k1") // keys themselves are untouched
}
