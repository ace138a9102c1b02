package recoverer

import (
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
)

type counter struct{ n atomic.Int32 }

func (c *counter) Panic() { c.n.Add(1) }

// tracking records whether the answer has started, as the gateway's writer does.
type tracking struct {
	http.ResponseWriter
	status  int
	started bool
}

func (w *tracking) WriteHeader(code int) {
	if !w.started {
		w.status, w.started = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *tracking) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *tracking) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

// serve runs handler behind Handle over a real socket; what Handle shaped
// and what it re-panicked with are sent on the channel.
type outcome struct {
	ev         audit.Event
	repanicked any
}

func serve(t *testing.T, c Counter, logs io.Writer, handler func(w http.ResponseWriter, r *http.Request)) (string, chan outcome) {
	out := make(chan outcome, 1)
	logger := slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := &tracking{ResponseWriter: rw}
		var ev audit.Event
		defer func() {
			v := recover()
			out <- outcome{ev, v}
			if v != nil {
				panic(v)
			}
		}()
		defer func() {
			if v := recover(); v != nil {
				Handle(v, w, w.started, w.status, "req-1", &ev, c, logger)
			}
		}()
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, out
}

func TestPanicBeforeAnswerIs500(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value any
		log   string // what the log says about the panic
	}{
		{"nil dereference", nil, "invalid memory address or nil pointer dereference"},
		{"panic value may quote request data", "password=hunter2", "panic=string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, logs := &counter{}, &logtest.Buffer{}
			url, out := serve(t, c, logs, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Staged", "by the handler")
				if tc.value == nil {
					var p *http.Request
					_ = p.Method
				}
				panic(tc.value)
			})
			resp, err := http.Get(url)
			if err != nil {
				t.Fatalf("the connection must be answered, not reset: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var prob struct{ Type string }
			if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" ||
				json.Unmarshal(body, &prob) != nil || !strings.HasSuffix(prob.Type, Reason) || !resp.Close ||
				resp.Header.Get("X-Staged") != "" {
				t.Fatalf("got %d %v %s", resp.StatusCode, resp.Header, body)
			}
			o := <-out
			if o.repanicked != nil || o.ev.Status != 500 || o.ev.Decision != audit.DecisionError || o.ev.Reason != Reason {
				t.Fatalf("outcome %+v", o)
			}
			if c.n.Load() != 1 {
				t.Fatalf("counted %d panics", c.n.Load())
			}
			if l := logs.String(); !strings.Contains(l, tc.log) || strings.Contains(l, "hunter2") ||
				!strings.Contains(l, "request_id=req-1") || !strings.Contains(l, "recover.go") {
				t.Fatalf("log %s", l)
			}
		})
	}
}

// TestPanicAfterHeadersAbortsStream: once the answer has started, a panic
// must not append a second response; the stream is cut.
func TestPanicAfterHeadersAbortsStream(t *testing.T) {
	c := &counter{}
	url, out := serve(t, c, io.Discard, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "partial answer ")
		w.(http.Flusher).Flush()
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("boom")
	})
	for _, path := range []string{"/boom", "/abort"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(string(body), Reason) {
			t.Fatalf("%s: status %d, body %q, read error %v: the stream must be cut, not completed or followed by a problem", path, resp.StatusCode, body, err)
		}
		o := <-out
		if o.repanicked != http.ErrAbortHandler {
			t.Fatalf("%s: re-panicked with %v", path, o.repanicked)
		}
		switch path {
		case "/boom":
			if o.ev.Decision != audit.DecisionError || o.ev.Reason != Reason || o.ev.Status != 200 {
				t.Fatalf("event %+v", o.ev)
			}
		case "/abort": // the proxy's own abort: left for the caller to record
			if o.ev.Decision != "" {
				t.Fatalf("event %+v", o.ev)
			}
		}
	}
	// The proxy's own abort is not a bug: it is not counted.
	if c.n.Load() != 1 {
		t.Fatalf("counted %d panics", c.n.Load())
	}
}
