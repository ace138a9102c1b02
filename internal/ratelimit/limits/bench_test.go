package limits

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

// BenchmarkCharge is the request pass of bench/run.sh's whole-pipeline route:
// two limits (by ip, by route) that never refuse, on the in-memory limiter,
// with the RateLimit headers written.
func BenchmarkCharge(b *testing.B) {
	mem := ratelimit.NewMemory(ratelimit.MemoryConfig{})
	big := Rate{N: 100_000_000, Per: time.Second}
	g, err := New(Options{Limits: []RateLimit{
		{ID: "bench/GET /full/json#0", By: []string{"ip"}, Rate: big, Burst: 100_000_000, Algorithm: "gcra", Mode: "reject", OnRedisFailure: "local", Cost: CostRequest},
		{ID: "bench/GET /full/json#1", By: []string{"route"}, Rate: big, Burst: 100_000_000, Algorithm: "gcra", Mode: "reject", OnRedisFailure: "local", Cost: CostRequest},
	}}, Deps{Limiter: func(string) ratelimit.Limiter { return mem }})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/full/json", nil)
	w := httptest.NewRecorder()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		clear(w.Header())
		x := exchange.Exchange{Req: r, W: w, ClientGroup: "192.0.2.1", Route: "bench/GET /full/json"}
		if p := g.Charge(ctx, &x); p != nil {
			b.Fatal(p)
		}
	}
}
