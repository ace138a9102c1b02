// Package tracing exports OpenTelemetry traces of the request path: one server
// span per request, a child span per guard stage, and the W3C traceparent sent
// to the upstream so the trace continues there. It is off unless a collector
// endpoint is configured; a nil *Tracer is the off state and every method is a
// no-op on it, so the request path pays nothing when tracing is off.
//
// A client's traceparent is continued (its trace id is kept, so the gateway's
// spans join the caller's trace), but by default its sampled flag is not
// obeyed: the ratio decides, on the trace id, so a client cannot make the
// gateway record and export every one of its requests. TrustRemoteSampling
// restores the usual parent-based behaviour for gateways behind a trusted edge.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Config is the tracing section of the configuration (config decodes into it).
type Config struct {
	// Endpoint is the collector's OTLP/HTTP traces URL, e.g.
	// http://collector:4318/v1/traces; "" turns tracing off.
	Endpoint string
	// SampleRatio is the share of traces recorded, 0 to 1.
	SampleRatio float64
	// ServiceName names the gateway in the traces ("bulwark").
	ServiceName string
	// Headers are sent with every export (a collector's API key: write it as
	// a ${env:...} or ${file:...} reference).
	Headers map[string]string
	// TrustRemoteSampling obeys the sampled flag of a client's traceparent.
	TrustRemoteSampling bool
	// BatchTimeout is the longest a finished span waits to be exported.
	BatchTimeout time.Duration
}

// Tracer records the request path's spans. The zero of *Tracer (nil) is off.
type Tracer struct {
	tp   *sdktrace.TracerProvider
	tr   trace.Tracer
	prop propagation.TraceContext
}

// New starts an exporter for c, or returns nil when c.Endpoint is empty.
// version is the gateway's build version, recorded on the resource.
func New(c Config, version string) (*Tracer, error) {
	if c.Endpoint == "" {
		return nil, nil
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tracing: endpoint %q is not an http(s) URL", c.Endpoint)
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(c.Endpoint)}
	if len(c.Headers) > 0 {
		opts = append(opts, otlptracehttp.WithHeaders(c.Headers))
	}
	exp, err := otlptracehttp.New(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	name := c.ServiceName
	if name == "" {
		name = "bulwark"
	}
	res := resource.NewSchemaless(semconv.ServiceName(name), semconv.ServiceVersion(version))
	bt := c.BatchTimeout
	if bt <= 0 {
		bt = 5 * time.Second
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(Sampler(c.SampleRatio, c.TrustRemoteSampling)),
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(bt)),
	)
	return &Tracer{tp: tp, tr: tp.Tracer("github.com/bulwark-gw/bulwark/internal/gateway")}, nil
}

// Sampler samples ratio of the traces by trace id. A local parent's decision
// is kept (a stage span follows its request span); a remote parent's sampled
// flag is obeyed only when trustRemote is set.
func Sampler(ratio float64, trustRemote bool) sdktrace.Sampler {
	byRatio := sdktrace.TraceIDRatioBased(ratio)
	opts := []sdktrace.ParentBasedSamplerOption{
		sdktrace.WithRemoteParentNotSampled(byRatio),
	}
	if !trustRemote {
		opts = append(opts, sdktrace.WithRemoteParentSampled(byRatio))
	}
	return sdktrace.ParentBased(byRatio, opts...)
}

// Shutdown exports what is buffered and stops the exporter, within ctx.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

// Request starts the server span of one request, continuing the client's
// trace when r carries a valid traceparent. It returns the context the stage
// spans and the upstream call run under; end the span with End.
func (t *Tracer) Request(r *http.Request) (context.Context, trace.Span) {
	ctx := r.Context()
	if t == nil {
		return ctx, nil
	}
	ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
	ctx, span := t.tr.Start(ctx, "bulwark "+r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			semconv.HTTPRequestMethodKey.String(r.Method),
			semconv.URLScheme(scheme(r)),
		))
	return ctx, span
}

// Stage starts the span of one guard stage ("authn", "ratelimit", "inspect"…)
// under ctx. End it with EndStage.
func (t *Tracer) Stage(ctx context.Context, name string) (context.Context, trace.Span) {
	if t == nil || !trace.SpanContextFromContext(ctx).IsSampled() {
		return ctx, nil // an unrecorded request records no stages either
	}
	return t.tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal))
}

// EndStage ends a stage span, marking it as the stage that refused the
// request when reason is not empty.
func EndStage(span trace.Span, reason string) {
	if span == nil {
		return
	}
	if reason != "" {
		span.SetAttributes(attribute.String("bulwark.refusal", reason))
		span.SetStatus(codes.Error, reason)
	}
	span.End()
}

// Outcome is what the request span records when the request is over.
type Outcome struct {
	API, Route, Path string
	Status           int
	Decision, Reason string
	Upstream         string
}

// End ends the request span with the request's outcome.
func End(span trace.Span, o Outcome) {
	if span == nil {
		return
	}
	attrs := []attribute.KeyValue{
		semconv.HTTPResponseStatusCode(o.Status),
		attribute.String("bulwark.decision", o.Decision),
	}
	if o.Route != "" {
		span.SetName("bulwark " + o.Route)
		attrs = append(attrs, semconv.HTTPRoute(o.Path), attribute.String("bulwark.api", o.API),
			attribute.String("bulwark.route", o.Route))
	}
	if o.Reason != "" {
		attrs = append(attrs, attribute.String("bulwark.reason", o.Reason))
	}
	if o.Upstream != "" {
		attrs = append(attrs, attribute.String("bulwark.upstream", o.Upstream))
	}
	span.SetAttributes(attrs...)
	if o.Status >= 500 {
		span.SetStatus(codes.Error, o.Reason)
	}
	span.End()
}

// Inject replaces the traceparent and tracestate headers of an outgoing
// request with ctx's span context, so the upstream continues the gateway's
// trace: its parent is the gateway's span, never one the client named. The
// tracestate the client sent travels with the trace, as W3C Trace Context
// asks; a malformed one is dropped.
func (t *Tracer) Inject(ctx context.Context, h http.Header) {
	if t == nil {
		return
	}
	h.Del("Traceparent")
	h.Del("Tracestate")
	t.prop.Inject(ctx, propagation.HeaderCarrier(h))
}

// TraceID returns the span's trace id in hex when the span is recorded, else
// "". Audit events and log lines carry it so a refusal leads to its trace.
func TraceID(span trace.Span) string {
	if ids, ok := recorded(span); ok {
		return ids.TraceID().String()
	}
	return ""
}

// SpanID returns the span's id in hex when the span is recorded, else "".
func SpanID(span trace.Span) string {
	if ids, ok := recorded(span); ok {
		return ids.SpanID().String()
	}
	return ""
}

func recorded(span trace.Span) (trace.SpanContext, bool) {
	if span == nil {
		return trace.SpanContext{}, false
	}
	sc := span.SpanContext()
	return sc, sc.IsSampled() && sc.IsValid()
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// Request is one request's trace: its server span and the span of the stage
// running now. The gateway marks each guard stage with Enter; the stages
// follow one another, so entering one ends the one before. A Request belongs
// to one request's goroutine.
type Request struct {
	t       *Tracer
	ctx     context.Context // carries the request span
	span    trace.Span
	stage   trace.Span
	stageCx context.Context // carries stage while it is open
	sampled bool
}

// Start begins the trace of r. It returns nil when t is off.
func (t *Tracer) Start(r *http.Request) *Request {
	if t == nil {
		return nil
	}
	ctx, span := t.Request(r)
	return &Request{t: t, ctx: ctx, span: span, sampled: span.SpanContext().IsSampled()}
}

// Context returns the context carrying the request span.
func (q *Request) Context() context.Context { return q.ctx }

// Enter ends the current stage span, if any, and starts the span of stage.
func (q *Request) Enter(stage string) {
	if q.stage != nil {
		q.stage.End()
		q.stage = nil
	}
	if q.sampled {
		q.stageCx, q.stage = q.t.Stage(q.ctx, stage)
	}
}

// Refused ends the current stage span as the one that refused the request.
func (q *Request) Refused(reason string) {
	EndStage(q.stage, reason)
	q.stage = nil
}

// Inject writes the trace context into the outgoing headers (see
// Tracer.Inject): the open stage's span is the upstream's parent (the gateway
// enters an "upstream" stage before forwarding), else the request span.
func (q *Request) Inject(h http.Header) {
	ctx := q.ctx
	if q.stage != nil {
		ctx = q.stageCx
	}
	q.t.Inject(ctx, h)
}

// IDs returns the trace and span id of the request span when it is recorded.
func (q *Request) IDs() (traceID, spanID string) { return TraceID(q.span), SpanID(q.span) }

// End ends any open stage and the request span with the request's outcome.
func (q *Request) End(o Outcome) {
	if q.stage != nil {
		q.stage.End()
		q.stage = nil
	}
	End(q.span, o)
}
