package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/logtest"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/statuswriter"
)

// panicLimiter panics in the request path, as a bug in any guard would.
type panicLimiter struct{ value any }

func (l panicLimiter) Allow(context.Context, string, ratelimit.Limit, int) (ratelimit.Decision, error) {
	if l.value == nil {
		var p *ratelimit.Decision
		return *p, nil // a nil dereference, the runtime error of issue 11
	}
	panic(l.value)
}

func scrape(t *testing.T, m *metrics.Metrics, name string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimPrefix(line, name+" ")
		}
	}
	return ""
}

func TestPanicInRequestPathAnswers500(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value any
		log   string // what the log says about the panic
	}{
		{"nil dereference", nil, "invalid memory address or nil pointer dereference"},
		{"panic value may quote request data", "password=hunter2", "panic=string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
			defer up.Close()
			ev, m, logs := &events{}, metrics.New(), &logtest.Buffer{}
			g, err := New(plan(t, up.URL, "      - match: GET /users/{id}\n        rate_limits:\n          - by: [ip]\n            rate: 3/m\n"),
				Deps{Metrics: m, Audit: ev, Logger: slog.New(slog.NewTextHandler(logs, nil)),
					Limiters: Limiters{Local: panicLimiter{tc.value}}})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			front := httptest.NewServer(g)
			defer front.Close()

			resp, err := http.Get(front.URL + "/users/1")
			if err != nil {
				t.Fatalf("the connection must be answered, not reset: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var prob struct{ Type, Title string }
			if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" ||
				json.Unmarshal(body, &prob) != nil || !strings.HasSuffix(prob.Type, "internal_error") || !resp.Close {
				t.Fatalf("got %d %v %s", resp.StatusCode, resp.Header, body)
			}
			e := ev.nth(t, 1)
			if e.Status != 500 || e.Decision != audit.DecisionError || e.Reason != "internal_error" ||
				e.RequestID != resp.Header.Get("X-Request-Id") || e.Route == "" {
				t.Fatalf("event %+v", e)
			}
			if got := scrape(t, m, "bulwark_panics_total"); got != "1" {
				t.Fatalf("bulwark_panics_total = %q", got)
			}
			if hits.Load() != 0 {
				t.Fatal("the upstream was reached")
			}
			if l := logs.String(); !strings.Contains(l, tc.log) || strings.Contains(l, "hunter2") || !strings.Contains(l, "recover.go") {
				t.Fatalf("log %s", l)
			}
		})
	}
}

// TestPanicAfterHeadersAbortsStream: once the answer has started, a panic
// must not append a second response; the stream is cut.
func TestPanicAfterHeadersAbortsStream(t *testing.T) {
	ev, m := &events{}, metrics.New()
	g := &Gateway{metrics: m, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var recorded audit.Event
	var repanicked atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := statuswriter.Get(w)
		e := audit.Event{}
		defer func() {
			v := recover()
			recorded = e
			ev.Record(e)
			if v != nil {
				repanicked.Store(v)
				panic(v)
			}
		}()
		defer g.recoverPanic(sw, "req-1", &e)
		sw.Header().Set("Content-Type", "text/plain")
		sw.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(sw, "partial answer ")
		sw.Flush()
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("boom")
	}))
	defer srv.Close()

	for i, path := range []string{"/boom", "/abort"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(string(body), "internal_error") {
			t.Fatalf("%s: status %d, body %q, read error %v: the stream must be cut, not completed or followed by a problem", path, resp.StatusCode, body, err)
		}
		ev.nth(t, i+1)
		if v := repanicked.Load(); v != http.ErrAbortHandler {
			t.Fatalf("%s: re-panicked with %v", path, v)
		}
		if path == "/boom" && (recorded.Decision != audit.DecisionError || recorded.Reason != "internal_error" || recorded.Status != 200) {
			t.Fatalf("event %+v", recorded)
		}
	}
	// The proxy's own abort is not a bug: it is not counted.
	if got := scrape(t, m, "bulwark_panics_total"); got != "1" {
		t.Fatalf("bulwark_panics_total = %q", got)
	}
}
