package metrics

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// scrape fetches the exposition text from m's handler over a real socket.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

// wantLines asserts every line appears verbatim in text and every absent one does not.
func wantLines(t *testing.T, text string, present, absent []string) {
	t.Helper()
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[l] = true
	}
	for _, l := range present {
		if !lines[l] {
			t.Errorf("missing line %q", l)
		}
	}
	for _, l := range absent {
		if strings.Contains(text, l) {
			t.Errorf("unexpected %q", l)
		}
	}
}

func TestBuildRegistersEverything(t *testing.T) {
	if _, err := build(); err != nil {
		t.Fatalf("build: %v", err)
	}
}

func TestHandlerExposesEveryMetric(t *testing.T) {
	m := New()
	m.now = func() time.Time { return time.Unix(1700000000, 500000000) }
	rm := m.Route("shop", "orders")
	rm.Observe(200, "allow", 3*time.Millisecond)
	rm.Observe(200, "allow", 20*time.Second)
	rm.Observe(429, "deny", 0)
	m.Route("shop", "health").Observe(502, "error", time.Second)
	m.SetUpstreamSource(func() []UpstreamHealth {
		return []UpstreamHealth{
			{API: "shop", Target: "http://10.0.0.1:8080", Healthy: true},
			{API: "shop", Target: "http://10.0.0.2:8080"},
			{API: "shop", Target: "http://10.0.0.1:8080"}, // duplicate: first wins
		}
	})
	m.SetAuditSource(func() (uint64, uint64) { return 41, 2 })
	m.ConfigReload(true)
	m.ConfigReload(false)
	m.ConfigReload(false)

	text := scrape(t, m)
	wantLines(t, text, []string{
		`bulwark_requests_total{api="shop",decision="allow",route="orders",status="200"} 2`,
		`bulwark_requests_total{api="shop",decision="deny",route="orders",status="429"} 1`,
		`bulwark_requests_total{api="shop",decision="error",route="health",status="502"} 1`,
		`bulwark_request_duration_seconds_bucket{api="shop",route="orders",le="0.0005"} 1`,
		`bulwark_request_duration_seconds_bucket{api="shop",route="orders",le="0.005"} 2`,
		`bulwark_request_duration_seconds_bucket{api="shop",route="orders",le="10"} 2`,
		`bulwark_request_duration_seconds_bucket{api="shop",route="orders",le="+Inf"} 3`,
		`bulwark_request_duration_seconds_count{api="shop",route="orders"} 3`,
		`bulwark_upstream_healthy{api="shop",target="http://10.0.0.1:8080"} 1`,
		`bulwark_upstream_healthy{api="shop",target="http://10.0.0.2:8080"} 0`,
		`bulwark_audit_events_written_total 41`,
		`bulwark_audit_events_dropped_total 2`,
		`bulwark_config_reloads_total{result="ok"} 1`,
		`bulwark_config_reloads_total{result="error"} 2`,
		`bulwark_config_last_reload_success_timestamp_seconds 1.7000000005e+09`,
		`# TYPE bulwark_upstream_healthy gauge`,
		`# TYPE bulwark_audit_events_written_total counter`,
	}, nil)
	for _, prefix := range []string{"go_goroutines ", "go_memstats_alloc_bytes ", "process_"} {
		if !strings.Contains(text, "\n"+prefix) {
			t.Errorf("standard collector series %q missing", prefix)
		}
	}
}

func TestSourcesCanBeReplacedAndRemoved(t *testing.T) {
	m := New()
	tests := []struct {
		name            string
		setUp           func()
		present, absent []string
	}{
		{
			name:   "no sources",
			setUp:  func() {},
			absent: []string{"bulwark_upstream_healthy{", "bulwark_audit_events_written_total "},
			present: []string{
				`bulwark_config_reloads_total{result="ok"} 0`,
				`bulwark_config_reloads_total{result="error"} 0`,
			},
		},
		{
			name: "first sources",
			setUp: func() {
				m.SetUpstreamSource(func() []UpstreamHealth { return []UpstreamHealth{{API: "a", Target: "t1", Healthy: true}} })
				m.SetAuditSource(func() (uint64, uint64) { return 1, 0 })
			},
			present: []string{`bulwark_upstream_healthy{api="a",target="t1"} 1`, `bulwark_audit_events_written_total 1`},
		},
		{
			name: "replaced on reload",
			setUp: func() {
				m.SetUpstreamSource(func() []UpstreamHealth { return []UpstreamHealth{{API: "b", Target: "t2"}} })
				m.SetAuditSource(func() (uint64, uint64) { return 5, 3 })
			},
			present: []string{`bulwark_upstream_healthy{api="b",target="t2"} 0`, `bulwark_audit_events_dropped_total 3`},
			absent:  []string{`target="t1"`},
		},
		{
			name: "removed",
			setUp: func() {
				m.SetUpstreamSource(nil)
				m.SetAuditSource(nil)
			},
			absent: []string{"bulwark_upstream_healthy{", "bulwark_audit_events_dropped_total "},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.setUp()
			wantLines(t, scrape(t, m), tc.present, tc.absent)
		})
	}
}

func TestConcurrentObserveAndScrape(t *testing.T) {
	m := New()
	routes := []*RouteMetrics{m.Route("a", "r1"), m.Route("a", "r2")}
	statuses := []int{200, 201, 404, 429, 500, 502}
	decisions := []string{"allow", "deny", "error"}
	const workers, perWorker = 8, 600
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				routes[(w+i)%2].Observe(statuses[i%len(statuses)], decisions[i%len(decisions)], time.Millisecond)
				if i%200 == 0 {
					m.SetUpstreamSource(func() []UpstreamHealth { return []UpstreamHealth{{API: "a", Target: "t"}} })
				}
			}
		})
	}
	wg.Go(func() { _ = scrape(t, m) })
	wg.Wait()
	text := scrape(t, m)
	wantLines(t, text, []string{
		`bulwark_request_duration_seconds_count{api="a",route="r1"} 2400`,
		`bulwark_request_duration_seconds_count{api="a",route="r2"} 2400`,
	}, nil)
	var total int
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "bulwark_requests_total{") {
			var n int
			if _, err := fmt.Sscan(l[strings.LastIndexByte(l, ' ')+1:], &n); err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	if total != workers*perWorker {
		t.Errorf("requests_total sums to %d, want %d", total, workers*perWorker)
	}
}

func BenchmarkObserve(b *testing.B) {
	rm := New().Route("shop", "orders")
	rm.Observe(200, "allow", time.Millisecond) // resolve the child once, as in steady state
	b.ReportAllocs()
	for b.Loop() {
		rm.Observe(200, "allow", 1500*time.Microsecond)
	}
}

func BenchmarkObserveParallel(b *testing.B) {
	rm := New().Route("shop", "orders")
	rm.Observe(200, "allow", time.Millisecond)
	rm.Observe(429, "deny", time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var i int
		for pb.Next() {
			if i++; i%8 == 0 {
				rm.Observe(429, "deny", time.Millisecond)
				continue
			}
			rm.Observe(200, "allow", 1500*time.Microsecond)
		}
	})
}
