package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/metrics"
)

// Refusals are counted by reason and the upstream's own time is observed per route.
func TestMetricsCountDenialsAndUpstreamTime(t *testing.T) {
	up := echoUpstream(t)
	m := metrics.New()
	g, err := New(plan(t, up.URL, "      - match: GET /users/{id}\n"), Deps{Metrics: m, Audit: &events{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	front := httptest.NewServer(g)
	defer front.Close()
	for _, p := range []string{"/users/1", "/nope", "/users/%2e%2e%2f"} {
		resp, err := http.Get(front.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	var text string
	// The gateway records after the answer is written: wait for all three
	// requests (the upstream's time too, observed once forwarding returns).
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if text = string(b); strings.Contains(text, `reason="path_invalid"`) && strings.Contains(text, `reason="route_not_found"`) &&
			strings.Contains(text, `bulwark_upstream_duration_seconds_count{api="shop",route="GET /users/{id}"} 1`) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`bulwark_denials_total{api="",reason="route_not_found",route=""} 1`,
		`bulwark_denials_total{api="",reason="path_invalid",route=""} 1`,
		`bulwark_upstream_duration_seconds_count{api="shop",route="GET /users/{id}"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s", want)
		}
	}
}
