package apikey

import (
	"net/http"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// BenchmarkVerifyCached measures Authenticate on a cache hit: the path every
// request with a known key takes (target: under 2µs and at most 2 allocations).
func BenchmarkVerifyCached(b *testing.B) {
	f := newFixture(b, storetest.SQLiteDSN(b))
	key, _ := f.create(b, CreateRequest{Scopes: []string{"orders:read"}})
	v := f.verifier(b, Config{})
	req, err := http.NewRequest(http.MethodGet, "http://gw.example/orders?page=2&sort=name", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	if p, err := v.Authenticate(req); p == nil || err != nil {
		b.Fatalf("warm-up: %v", err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p, _ := v.Authenticate(req); p == nil {
				b.Fatal("refused")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if p, _ := v.Authenticate(req); p == nil {
					b.Error("refused")
					return
				}
			}
		})
	})
}
