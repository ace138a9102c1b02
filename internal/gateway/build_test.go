package gateway

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// running counts the goroutines whose stack holds fn (a "created by" line
// counts a goroutine also before it first ran). Quota counters and the
// API-key verifier wait for their loops in Close, so the count is exact once
// a build returned (see expectLoops).
func running(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	c := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			c++
		}
	}
	return c
}

// expectLoops waits until exactly quotas quota counters and keys key
// verifiers run. Their Close waits for the loop, but a loop that closed its
// done channel may still be on its way out for a moment: the count is
// awaited, never timed.
func expectLoops(t *testing.T, quotas, keys int, when string) {
	t.Helper()
	for i := 0; ; i++ {
		n, m := running(quotaLoop), running(apikeyLoop)
		if n == quotas && m == keys {
			return
		}
		if i == 10000 {
			t.Fatalf("%s: %d quota counters and %d key verifiers run, want %d and %d", when, n, m, quotas, keys)
		}
		time.Sleep(time.Millisecond)
	}
}

const (
	quotaLoop  = "created by github.com/bulwark-gw/bulwark/internal/ratelimit/quota.(*Quotas).Start in"
	apikeyLoop = "created by github.com/bulwark-gw/bulwark/internal/authn/apikey.(*Verifier).Start in"
)

// TestFailedBuildLeavesNothingRunning breaks a plan that starts quota counters
// and an API-key verifier at each later step of the build; the failed build
// must stop all it started, and a failed reload must keep the serving plan's.
func TestFailedBuildLeavesNothingRunning(t *testing.T) {
	up := echoUpstream(t)
	src := "admin:\n  listen: \"off\"\nidentity:\n  api_keys:\n    pepper: " + benchPepper +
		"\napis:\n  - name: shop\n    upstream: " + up.URL + "\n    auth: [api_key]\n" +
		"    quota: { by: ip, limit: 100, period: day, timezone: UTC }\n    routes:\n" +
		"      - match: GET /a\n" +
		"      - match: GET /b\n        quota: { by: ip, limit: 5, period: month, timezone: UTC }\n" +
		"  - name: blog\n    upstream: " + up.URL + "\n    auth: [api_key]\n    hosts: [blog.example]\n    routes:\n" +
		"      - match: GET /posts\n"
	good := func(t *testing.T) *config.Plan {
		p, diags := config.Parse("t.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return p
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deps := Deps{Metrics: metrics.New(), Audit: &events{}, Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	breaks := []struct {
		name  string
		brk   func(p *config.Plan)
		error string
	}{
		{"openapi of the second api", func(p *config.Plan) {
			p.APIs[1].OpenAPI = filepath.Join(t.TempDir(), "missing.yaml")
		}, "api blog: openapi"},
		{"upstream of the second api", func(p *config.Plan) {
			p.APIs[1].Upstream.Targets = []string{"ftp://nowhere"}
		}, "api blog"},
		{"cors of a route", func(p *config.Plan) {
			p.APIs[1].Routes[0].CORS = &cors.Options{AllowOrigins: []string{"*"}, AllowCredentials: true}
		}, "cors"},
		{"route table", func(p *config.Plan) {
			p.APIs[0].Routes = append(p.APIs[0].Routes, p.APIs[0].Routes[0])
		}, "routes"},
	}
	for _, b := range breaks {
		t.Run(b.name, func(t *testing.T) {
			p := good(t)
			b.brk(p)
			if _, err := New(p, deps); err == nil || !strings.Contains(err.Error(), b.error) {
				t.Fatalf("New: %v, want an error naming %q", err, b.error)
			}
			expectLoops(t, 0, 0, "after a failed build")

			g, err := New(good(t), deps)
			if err != nil {
				t.Fatal(err)
			}
			expectLoops(t, 2, 1, "serving")
			p = good(t)
			b.brk(p)
			p.APIs[0].Routes[1].Quota.Limit = 6 // a new counter the failed reload starts and must stop
			if err := g.Swap(p); err == nil {
				t.Fatal("Swap accepted a broken plan")
			}
			expectLoops(t, 2, 1, "after a failed reload (the serving plan's)")
			g.Close()
			expectLoops(t, 0, 0, "after Close")
		})
	}
}
