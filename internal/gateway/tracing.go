package gateway

import (
	"context"
	"reflect"
	"time"

	"github.com/bulwark-gw/bulwark/internal/tracing"
)

// tracer is the serving trace exporter with the settings it was built from.
// A reload with other settings builds a new one; the old one flushes and stops.
type tracer struct {
	cfg tracing.Config
	t   *tracing.Tracer // nil: tracing off
}

// prepareTracer returns the exporter for cfg: the serving one when the
// settings are unchanged, else a new one that useTracer makes serving (or
// dropTracer stops, when the reload fails).
func (g *Gateway) prepareTracer(cfg tracing.Config) (*tracer, error) {
	if old := g.tracer.Load(); old != nil && reflect.DeepEqual(old.cfg, cfg) {
		return old, nil
	}
	t, err := tracing.New(cfg, g.deps.Version)
	if err != nil {
		return nil, err
	}
	return &tracer{cfg: cfg, t: t}, nil
}

// useTracer makes next the serving exporter; the one it replaces flushes
// and stops in the background (in-flight requests still end spans on it).
func (g *Gateway) useTracer(next *tracer) {
	if old := g.tracer.Swap(next); old != nil && old != next && old.t != nil {
		go shutdownTracer(old.t)
	}
}

// dropTracer stops a prepared exporter that will not serve.
func (g *Gateway) dropTracer(next *tracer) {
	if next != nil && next != g.tracer.Load() && next.t != nil {
		shutdownTracer(next.t)
	}
}

func shutdownTracer(t *tracing.Tracer) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = t.Shutdown(ctx) // an unreachable collector loses buffered spans, nothing else
}

// traceStart begins the trace of a request, or returns nil when tracing is off.
func (g *Gateway) traceStart() *tracing.Tracer {
	if tr := g.tracer.Load(); tr != nil {
		return tr.t
	}
	return nil
}
