package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
)

// events collects audit events.
type events struct {
	mu  sync.Mutex
	all []audit.Event
}

func (e *events) Record(ev audit.Event) { e.mu.Lock(); e.all = append(e.all, ev); e.mu.Unlock() }

// last waits for the n-th event (the gateway records after the response is
// written, so the client can see the answer first) and returns it.
func (e *events) nth(t testing.TB, n int) audit.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.mu.Lock()
		if len(e.all) >= n {
			ev := e.all[n-1]
			e.mu.Unlock()
			return ev
		}
		e.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("event %d was never recorded", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func plan(t testing.TB, upstream, routes string) *config.Plan {
	t.Helper()
	src := "admin:\n  listen: \"off\"\napis:\n  - name: shop\n    upstream: " + upstream + "\n    auth: [none]\n    routes:\n" + routes
	p, diags := config.Parse("test.yaml", []byte(src), func(string) (string, bool) { return "", false }, os.ReadFile)
	if diags.HasErrors() {
		t.Fatalf("config: %v", diags)
	}
	return p
}

func newGateway(t testing.TB, p *config.Plan) (*Gateway, *events, *httptest.Server) {
	t.Helper()
	ev := &events{}
	g, err := New(p, Deps{Metrics: metrics.New(), Audit: ev, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	return g, ev, front
}

func echoUpstream(t testing.TB) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Upstream-Path", r.URL.EscapedPath())
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	return up
}

func TestPipelineRecordsEveryDecision(t *testing.T) {
	up := echoUpstream(t)
	_, ev, front := newGateway(t, plan(t, up.URL, "      - match: GET /users/{id}\n"))

	tests := []struct {
		name, path    string
		status        int
		decision, why string
		upstreamPath  string
	}{
		{"allowed", "/users/42", 200, audit.DecisionAllow, "", "/users/42"},
		{"canonicalised", "/users/./a%20b", 200, audit.DecisionAllow, "", "/users/a%20b"},
		{"unknown", "/orders", 404, audit.DecisionDeny, "route_not_found", ""},
		{"bad path", "/users/%2e%2e%2f", 400, audit.DecisionDeny, "path_invalid", ""},
		{"encoded slash", "/users/a%2Fb", 400, audit.DecisionDeny, "path_invalid", ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", front.URL, nil)
			req.URL.Opaque = tc.path
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || resp.Header.Get("X-Upstream-Path") != tc.upstreamPath {
				t.Fatalf("got %d upstream path %q", resp.StatusCode, resp.Header.Get("X-Upstream-Path"))
			}
			e := ev.nth(t, i+1)
			if e.Status != tc.status || e.Decision != tc.decision || e.Reason != tc.why ||
				e.RequestID != resp.Header.Get("X-Request-Id") || e.ClientIP != "127.0.0.1" ||
				(tc.status == 400 && e.Path != tc.path) {
				t.Fatalf("event %+v", e)
			}
		})
	}
}

func TestSwapKeepsServingAndRefusesBrokenPlan(t *testing.T) {
	up := echoUpstream(t)
	g, _, front := newGateway(t, plan(t, up.URL, "      - match: GET /a\n"))
	get := func(path string) int {
		resp, err := http.Get(front.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/a") != 200 || get("/b") != 404 {
		t.Fatal("initial plan")
	}
	if err := g.Swap(plan(t, up.URL, "      - match: GET /b\n")); err != nil {
		t.Fatal(err)
	}
	if get("/a") != 404 || get("/b") != 200 {
		t.Fatal("swapped plan not serving")
	}
	broken := plan(t, up.URL, "      - match: GET /c\n")
	broken.APIs[0].Upstream.Targets = []string{"::not a url"}
	if err := g.Swap(broken); err == nil {
		t.Fatal("a plan that cannot be built was accepted")
	}
	if get("/b") != 200 {
		t.Fatal("a refused swap disturbed the serving plan")
	}
}

func TestUpstreamDownIs502WithoutDetail(t *testing.T) {
	up := echoUpstream(t)
	dead := up.URL
	up.Close()
	_, ev, front := newGateway(t, plan(t, dead, "      - match: GET /a\n"))
	resp, err := http.Get(front.URL + "/a")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || strings.Contains(string(body), "refused") || strings.Contains(string(body), "127.0.0.1") {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if e := ev.nth(t, 1); e.Decision != audit.DecisionError || e.Reason != "upstream_unreachable" {
		t.Fatalf("event %+v", e)
	}
}

// BenchmarkPipeline measures the whole per-request path through a real listener and
// a real upstream. Compare with BenchmarkDirect for the gateway's own cost.
func BenchmarkPipeline(b *testing.B) {
	up := echoUpstream(b)
	_, _, front := newGateway(b, plan(b, up.URL, "      - match: GET /users/{id}\n      - match: GET /orders/{id}\n"))
	benchGet(b, front.URL+"/users/42")
}

func BenchmarkDirect(b *testing.B) {
	up := echoUpstream(b)
	benchGet(b, up.URL+"/users/42")
}

func benchGet(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkDeny measures the gateway's own work without an upstream: hygiene,
// canonical path, route match, problem rendering and the audit event.
func BenchmarkDeny(b *testing.B) {
	up := echoUpstream(b)
	g, _, _ := newGateway(b, plan(b, up.URL, "      - match: GET /users/{id}\n"))
	req := httptest.NewRequest("GET", "/orders/1", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, req)
	}
}
