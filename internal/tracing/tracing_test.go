package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/tracing/tracingtest"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

func startCollector(t testing.TB) (*tracingtest.Collector, string) {
	c := tracingtest.Start(t)
	return c, c.URL
}

func byName(c *tracingtest.Collector) map[string]*tracepb.Span {
	out := map[string]*tracepb.Span{}
	for _, s := range c.Spans() {
		out[s.Name] = s
	}
	return out
}

var attr = tracingtest.Attr

const clientParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestRequestStagesExportAndPropagate(t *testing.T) {
	col, url := startCollector(t)
	tr, err := New(Config{Endpoint: url, SampleRatio: 1, ServiceName: "gw-test",
		Headers: map[string]string{"X-Collector-Key": "k1"}}, "test")
	if err != nil || tr == nil {
		t.Fatalf("New: %v", err)
	}
	r := httptest.NewRequest("GET", "http://gw/orders/1", nil)
	r.Header.Set("Traceparent", clientParent)
	ctx, span := tr.Request(r)
	sctx, stage := tr.Stage(ctx, "authn")
	EndStage(stage, "")
	_, refused := tr.Stage(ctx, "authz")
	EndStage(refused, "bola_denied")

	out := http.Header{"Traceparent": {"00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01"}, "Tracestate": {"evil=1"}}
	tr.Inject(sctx, out)
	tp := out.Get("Traceparent")
	if len(tp) != 55 || tp[3:35] != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("upstream traceparent %q does not continue the client's trace", tp)
	}
	if out.Get("Tracestate") != "" { // the client sent none on r: the outgoing evil=1 is gone
		t.Fatalf("tracestate not replaced: %q", out.Get("Tracestate"))
	}
	if id := TraceID(span); id != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("TraceID = %q", id)
	}
	End(span, Outcome{API: "shop", Route: "get-order", Path: "/orders/{id}", Status: 403, Decision: "deny", Reason: "bola_denied"})
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	spans := byName(col)
	root, ok := spans["bulwark get-order"]
	if !ok {
		t.Fatalf("no request span; got %v", keys(spans))
	}
	if attr(root, "bulwark.reason") != "bola_denied" || attr(root, "bulwark.route") != "get-order" {
		t.Fatalf("request span attributes: %v", root.Attributes)
	}
	for _, name := range []string{"authn", "authz"} {
		s := spans[name]
		if s == nil {
			t.Fatalf("no %s span", name)
		}
		if string(s.ParentSpanId) != string(root.SpanId) || string(s.TraceId) != string(root.TraceId) {
			t.Fatalf("%s span is not a child of the request span", name)
		}
	}
	if spans["authz"].Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || attr(spans["authz"], "bulwark.refusal") != "bola_denied" {
		t.Fatalf("refusing stage not marked: %v", spans["authz"])
	}
	if col.Headers()[0].Get("X-Collector-Key") != "k1" {
		t.Fatal("collector header not sent")
	}
}

func TestClientCannotForceSampling(t *testing.T) {
	col, url := startCollector(t)
	tr, err := New(Config{Endpoint: url, SampleRatio: 0}, "test")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://gw/", nil)
	r.Header.Set("Traceparent", clientParent) // sampled flag set by the client
	_, span := tr.Request(r)
	if TraceID(span) != "" {
		t.Fatal("a client's sampled flag forced recording at ratio 0")
	}
	End(span, Outcome{Status: 200})
	_ = tr.Shutdown(context.Background())
	if n := len(byName(col)); n != 0 {
		t.Fatalf("%d spans exported at ratio 0", n)
	}

	trusted, err := New(Config{Endpoint: url, SampleRatio: 0, TrustRemoteSampling: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, span = trusted.Request(r)
	if TraceID(span) == "" {
		t.Fatal("trust_remote_sampling: the parent's sampled flag was not obeyed")
	}
	End(span, Outcome{Status: 200})
	_ = trusted.Shutdown(context.Background())
}

func TestOffIsNoop(t *testing.T) {
	var tr *Tracer
	r := httptest.NewRequest("GET", "http://gw/", nil)
	r.Header.Set("Traceparent", clientParent)
	ctx, span := tr.Request(r)
	if ctx != r.Context() || span != nil {
		t.Fatal("off tracer changed the context")
	}
	_, st := tr.Stage(ctx, "authn")
	EndStage(st, "x")
	h := http.Header{"Traceparent": {clientParent}}
	tr.Inject(ctx, h)
	if h.Get("Traceparent") != clientParent {
		t.Fatal("off tracer touched the outgoing headers")
	}
	End(span, Outcome{})
	if TraceID(span) != "" || tr.Shutdown(context.Background()) != nil {
		t.Fatal("off tracer")
	}
	if allocs := testing.AllocsPerRun(100, func() {
		c, s := tr.Request(r)
		_, st := tr.Stage(c, "x")
		EndStage(st, "")
		End(s, Outcome{})
	}); allocs != 0 {
		t.Fatalf("off tracer allocates %v per request", allocs)
	}
}

func TestBadEndpoint(t *testing.T) {
	for _, e := range []string{"collector:4318", "ftp://x/v1/traces", "http://"} {
		if _, err := New(Config{Endpoint: e}, "t"); err == nil {
			t.Errorf("%q accepted", e)
		}
	}
	if tr, err := New(Config{}, "t"); tr != nil || err != nil {
		t.Fatal("empty endpoint must be off")
	}
}

func keys(m map[string]*tracepb.Span) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func BenchmarkRequestStages(b *testing.B) {
	_, url := startCollector(b)
	for _, ratio := range []float64{0, 1} {
		tr, err := New(Config{Endpoint: url, SampleRatio: ratio}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest("GET", "http://gw/", nil)
		h := http.Header{}
		name := "ratio0"
		if ratio == 1 {
			name = "ratio1"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx, span := tr.Request(r)
				for _, s := range []string{"authn", "ratelimit", "inspect", "authz"} {
					_, st := tr.Stage(ctx, s)
					EndStage(st, "")
				}
				tr.Inject(ctx, h)
				End(span, Outcome{Status: 200, Route: "r"})
			}
		})
		_ = tr.Shutdown(context.Background())
	}
}
