package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestKeyEventsPaging checks that KeyEventsSince returns at most
// MaxKeyEvents and that paging from the last id reaches every event.
func TestKeyEventsPaging(t *testing.T) {
	s := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	const n = store.MaxKeyEvents + 5
	for i := range n {
		h := sha256.Sum256(fmt.Append(nil, i))
		k := &store.APIKey{ID: fmt.Sprint("k", i), Hash: h[:], Consumer: "shop", CreatedAt: time.Unix(1_700_000_000, 0)}
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	var after int64
	var pages []int
	for {
		evs, err := s.KeyEventsSince(ctx, after)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		pages = append(pages, len(evs))
		after = evs[len(evs)-1].ID
	}
	if fmt.Sprint(pages) != fmt.Sprint([]int{store.MaxKeyEvents, 5}) {
		t.Errorf("pages %v, want [%d 5]", pages, store.MaxKeyEvents)
	}
	if latest, err := s.LatestKeyEventID(ctx); err != nil || latest != after {
		t.Errorf("LatestKeyEventID = %d, %v; want %d", latest, err, after)
	}
}

// BenchmarkKeyByHash is the store lookup a cache miss costs.
func BenchmarkKeyByHash(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			s := storetest.Open(b, be.dsn(b))
			h := sha256.Sum256([]byte("k1"))
			k := &store.APIKey{ID: "k1", Hash: h[:], Consumer: "shop", Scopes: []string{"a", "b"}}
			if err := s.CreateKey(context.Background(), k); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.KeyByHash(context.Background(), h[:]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
