package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/metrics"
)

// failingEvents is a recorder whose sinks fail while failing is set.
type failingEvents struct {
	events
	failing atomic.Bool
}

func (f *failingEvents) Failing() bool { return f.failing.Load() }

func TestAuditOnFailure(t *testing.T) {
	for _, mode := range []string{"open", "block"} {
		t.Run(mode, func(t *testing.T) {
			var hits atomic.Int32
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
			t.Cleanup(up.Close)
			p := plan(t, up.URL, "      - match: GET /a\n")
			p.Audit.OnFailure = mode
			rec := &failingEvents{}
			g, err := New(p, Deps{Metrics: metrics.New(), Audit: rec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(g.Close)
			front := httptest.NewServer(g)
			t.Cleanup(front.Close)
			get := func() (int, string) {
				resp, err := http.Get(front.URL + "/a")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if s, _ := get(); s != 200 {
				t.Fatalf("healthy sinks: %d", s)
			}
			rec.failing.Store(true)
			status, body := get()
			switch mode {
			case "open":
				if status != 200 || hits.Load() != 2 {
					t.Fatalf("fail open: %d, upstream hits %d", status, hits.Load())
				}
			case "block":
				if status != 503 || !strings.Contains(body, `"audit_unavailable"`) || hits.Load() != 1 {
					t.Fatalf("block: %d %s, upstream hits %d", status, body, hits.Load())
				}
				if e := rec.nth(t, 2); e.Decision != audit.DecisionError || e.Reason != "audit_unavailable" || e.Status != 503 || e.Route == "" || e.Path != "/a" {
					t.Fatalf("the refusal is recorded as %+v", e)
				}
			}
			rec.failing.Store(false)
			if s, _ := get(); s != 200 {
				t.Fatalf("after recovery: %d", s)
			}
		})
	}
}
