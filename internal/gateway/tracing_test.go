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

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/tracing/tracingtest"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

// TestTracingSpansPropagationAndAudit drives a real gateway with tracing on:
// the upstream continues the client's trace from the gateway's upstream span
// (never the client's own parent), every guard stage is a child span, the
// refusing stage is marked, and the audit event names the trace.
func TestTracingSpansPropagationAndAudit(t *testing.T) {
	col := tracingtest.Start(t)
	var mu sync.Mutex
	var seen []http.Header
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(up.Close)
	src := "admin:\n  listen: \"off\"\ntracing:\n  otlp: " + col.URL + "\n  sample_ratio: 100%\n  trust_remote_sampling: true\n  batch_timeout: 50ms\n" +
		"apis:\n  - name: shop\n    upstream: {targets: [\"" + up.URL + "\"]}\n    routes:\n" +
		"      - {name: open, match: /open, auth: [none]}\n" +
		"      - {name: login, match: /login, methods: [POST], auth: [none], rate_limits: [{by: [ip], rate: 1/h, burst: 1}]}\n"
	p, diags := config.Parse("test.yaml", []byte(src), func(string) (string, bool) { return "", false }, os.ReadFile)
	if diags.HasErrors() {
		t.Fatalf("config: %v", diags)
	}
	ev := &events{}
	g, err := New(p, Deps{Metrics: metrics.New(), Audit: ev, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)

	send := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", front.URL+path, nil)
		req.Header.Set("Traceparent", "00-"+clientTrace+"-00f067aa0ba902b7-01")
		req.Header.Set("Tracestate", "vendor=client-chosen")
		req.Header["traceparent"] = []string{"00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01"} // another spelling
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := send("/open"); resp.StatusCode != 200 {
		t.Fatalf("/open: %d", resp.StatusCode)
	}
	if resp := send("/login"); resp.StatusCode != 405 {
		t.Fatalf("GET /login: %d", resp.StatusCode)
	}
	allowed, refused := ev.nth(t, 1), ev.nth(t, 2)
	g.Close() // flushes the exporter

	mu.Lock()
	if len(seen) != 1 {
		t.Fatalf("upstream saw %d requests", len(seen))
	}
	tp := seen[0].Get("Traceparent")
	all := len(seen[0].Values("Traceparent")) + len(seen[0]["traceparent"])
	mu.Unlock()
	if all != 1 {
		t.Fatalf("upstream got %d traceparent fields, want the gateway's one", all)
	}
	if !strings.HasPrefix(tp, "00-"+clientTrace+"-") || strings.Contains(tp, "00f067aa0ba902b7") {
		t.Fatalf("upstream traceparent %q: must continue the client's trace from the gateway's span", tp)
	}
	if ts := seen[0].Get("Tracestate"); ts != "vendor=client-chosen" { // W3C: carried with the trace
		t.Fatalf("tracestate %q", ts)
	}
	if allowed.TraceID != clientTrace || refused.TraceID != clientTrace || allowed.SpanID == "" {
		t.Fatalf("audit trace ids: %q/%q %q", allowed.TraceID, allowed.SpanID, refused.TraceID)
	}

	deadline := time.Now().Add(10 * time.Second)
	var spans []*tracepb.Span
	for time.Now().Before(deadline) {
		if spans = col.Spans(); len(spans) >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	byID := map[string]*tracepb.Span{}
	for _, s := range spans {
		byID[string(s.SpanId)] = s
	}
	stagesOf := func(reqName string) (root *tracepb.Span, names []string) {
		for _, s := range spans {
			if s.Name == reqName {
				root = s
			}
		}
		if root == nil {
			t.Fatalf("no span %q among %d", reqName, len(spans))
		}
		for _, s := range spans {
			if string(s.ParentSpanId) == string(root.SpanId) {
				names = append(names, s.Name)
			}
		}
		return root, names
	}
	root, names := stagesOf("bulwark open")
	if got := strings.Join(names, ","); got != "shield,route,hygiene,authn,ratelimit,body,inspect,upstream" {
		t.Fatalf("stages of the allowed request: %s", got)
	}
	if tracingtest.Attr(root, "bulwark.decision") != "allow" {
		t.Fatalf("request span attributes: %v", root.Attributes)
	}
	_, names = stagesOf("bulwark GET") // refused before a route matched
	if got := strings.Join(names, ","); got != "shield,route" {
		t.Fatalf("stages of the refused request: %s", got)
	}
	for _, s := range spans {
		if s.Name == "route" && tracingtest.Attr(s, "bulwark.refusal") == "method_not_allowed" {
			if s.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
				t.Fatal("refusing stage not marked as an error")
			}
			return
		}
	}
	t.Fatal("no route span marked as the refusal")
}

// TestTracingOffForwardsHeadersUntouched: without a tracing section the
// gateway neither exports nor rewrites the client's trace headers.
func TestTracingOffForwardsHeadersUntouched(t *testing.T) {
	var got string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("Traceparent") }))
	t.Cleanup(up.Close)
	_, ev, front := newGateway(t, plan(t, `{targets: ["`+up.URL+`"]}`, "      - {name: r, match: /r}\n"))
	req, _ := http.NewRequest("GET", front.URL+"/r", nil)
	tp := "00-" + clientTrace + "-00f067aa0ba902b7-01"
	req.Header.Set("Traceparent", tp)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e := ev.nth(t, 1); got != tp || e.TraceID != "" {
		t.Fatalf("traceparent %q, audit trace %q", got, e.TraceID)
	}
}
