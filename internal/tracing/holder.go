package tracing

import (
	"context"
	"reflect"
	"sync/atomic"
	"time"
)

// Holder keeps the serving trace exporter across reloads. A reload with the
// same settings keeps the exporter; one with other settings builds a new one,
// and the old one flushes and stops. Prepare, then Use (the reload took) or
// Drop (it failed). Safe for concurrent use; Prepare/Use/Drop are called by
// one reload at a time.
type Holder struct {
	version string
	cur     atomic.Pointer[Prepared]
}

// Prepared is an exporter with the settings it was built from, made by
// Prepare for Use or Drop.
type Prepared struct {
	cfg Config
	t   *Tracer // nil: tracing off
}

// NewHolder returns a Holder whose exporters name the build version.
func NewHolder(version string) *Holder { return &Holder{version: version} }

// Prepare returns the exporter for cfg: the serving one when the settings are
// unchanged, else a new one.
func (h *Holder) Prepare(cfg Config) (*Prepared, error) {
	if old := h.cur.Load(); old != nil && reflect.DeepEqual(old.cfg, cfg) {
		return old, nil
	}
	t, err := New(cfg, h.version)
	if err != nil {
		return nil, err
	}
	return &Prepared{cfg: cfg, t: t}, nil
}

// Use makes next the serving exporter; the one it replaces flushes and stops
// in the background (in-flight requests still end spans on it).
func (h *Holder) Use(next *Prepared) {
	if old := h.cur.Swap(next); old != nil && old != next && old.t != nil {
		go shutdown(old.t)
	}
}

// Drop stops a prepared exporter that will not serve.
func (h *Holder) Drop(next *Prepared) {
	if next != nil && next != h.cur.Load() && next.t != nil {
		shutdown(next.t)
	}
}

// Close flushes and stops the serving exporter.
func (h *Holder) Close() {
	if p := h.cur.Swap(nil); p != nil && p.t != nil {
		shutdown(p.t)
	}
}

// Tracer is the serving exporter, nil when tracing is off.
func (h *Holder) Tracer() *Tracer {
	if p := h.cur.Load(); p != nil {
		return p.t
	}
	return nil
}

func shutdown(t *Tracer) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = t.Shutdown(ctx) // an unreachable collector loses buffered spans, nothing else
}
