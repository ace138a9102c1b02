package tracing

import (
	"net/http/httptest"
	"testing"
	"time"
)

// spanOn ends one request span on t, which only an exporter's shutdown (or
// its batch timeout, an hour here) delivers to the collector.
func spanOn(t *Tracer, name string) {
	q := t.Start(httptest.NewRequest("GET", "http://gw/"+name, nil))
	q.End(Outcome{Route: name})
}

func TestHolderAcrossReloads(t *testing.T) {
	col, url := startCollector(t)
	cfg := Config{Endpoint: url, SampleRatio: 1, BatchTimeout: time.Hour}
	h := NewHolder("test")
	if h.Tracer() != nil {
		t.Fatal("a new holder serves no exporter")
	}

	first, err := h.Prepare(cfg)
	if err != nil || first.t == nil {
		t.Fatalf("prepare: %v", err)
	}
	h.Use(first)
	if h.Tracer() != first.t {
		t.Fatal("Use did not make the exporter serving")
	}

	// Same settings: the serving exporter is kept, and dropping it (a reload
	// that failed later) must not stop it.
	same, err := h.Prepare(cfg)
	if err != nil || same != first {
		t.Fatalf("same settings built a new exporter (%v)", err)
	}
	h.Drop(same)
	spanOn(h.Tracer(), "kept")

	// Other settings: a new exporter; dropped, it flushes and stops at once.
	other := cfg
	other.ServiceName = "other"
	next, err := h.Prepare(other)
	if err != nil || next == first {
		t.Fatalf("other settings kept the exporter (%v)", err)
	}
	spanOn(next.t, "dropped")
	h.Drop(next)
	if h.Tracer() != first.t {
		t.Fatal("Drop changed the serving exporter")
	}
	if len(col.Spans()) != 1 || col.Spans()[0].Name == "" {
		t.Fatalf("dropped exporter not flushed: %d spans", len(col.Spans()))
	}

	// A bad endpoint fails to prepare and leaves the serving one alone.
	if _, err := h.Prepare(Config{Endpoint: "ftp://x/v1/traces"}); err == nil {
		t.Fatal("bad endpoint prepared")
	}
	if h.Tracer() != first.t {
		t.Fatal("a failed Prepare changed the serving exporter")
	}

	// Close flushes the serving exporter and turns tracing off.
	h.Close()
	if h.Tracer() != nil {
		t.Fatal("Close left an exporter serving")
	}
	if got := len(col.Spans()); got != 2 {
		t.Fatalf("serving exporter not flushed on Close: %d spans", got)
	}
	h.Close() // twice is harmless
}

func TestHolderOff(t *testing.T) {
	h := NewHolder("test")
	p, err := h.Prepare(Config{})
	if err != nil || p.t != nil {
		t.Fatalf("off: %v %v", p, err)
	}
	h.Use(p)
	if h.Tracer() != nil {
		t.Fatal("off serves an exporter")
	}
	h.Drop(p)
	h.Close()
}
