package audit

import (
	"context"
	"fmt"
	"go.opentelemetry.io/otel/trace"
	neturl "net/url"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// OTLPSink exports every event as an OpenTelemetry log record over OTLP/HTTP
// (go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp), one export
// request per batch. The record's body is the event's JSON object (the
// documented schema); decision, reason, api, route and client_ip are also
// attributes, for filtering in the collector. The pipeline retries a failed
// export; the exporter's own retry is off so that failures are counted.
type OTLPSink struct {
	mu     sync.Mutex
	exp    *otlploghttp.Exporter
	lp     *sdklog.LoggerProvider
	logger otellog.Logger
	col    *recordCollector
	name   string
	buf    []byte
}

var _ Sink = (*OTLPSink)(nil)

// recordCollector is an sdklog.Processor that keeps the records emitted during
// one Write, so that they leave in one export the sink can report on.
type recordCollector struct{ recs []sdklog.Record }

func (c *recordCollector) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (c *recordCollector) OnEmit(_ context.Context, r *sdklog.Record) error {
	c.recs = append(c.recs, r.Clone())
	return nil
}
func (c *recordCollector) Shutdown(context.Context) error   { return nil }
func (c *recordCollector) ForceFlush(context.Context) error { return nil }

// NewOTLPSink returns a sink exporting to the OTLP/HTTP logs endpoint url
// (e.g. http://collector:4318/v1/logs). The sink's name, logged with every
// failed write, shows the URL without its password.
func NewOTLPSink(ctx context.Context, url string) (*OTLPSink, error) {
	name := "otlp:invalid-url"
	if u, err := neturl.Parse(url); err == nil {
		name = "otlp:" + u.Redacted()
	}
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(url),
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}), otlploghttp.WithTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("audit: otlp: %w", err)
	}
	col := &recordCollector{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(col),
		sdklog.WithResource(resource.NewSchemaless(attribute.String("service.name", "bulwark"))))
	return &OTLPSink{exp: exp, lp: lp, col: col, name: name,
		logger: lp.Logger("github.com/bulwark-gw/bulwark/internal/audit")}, nil
}

// Name identifies the sink in logs.
func (s *OTLPSink) Name() string { return s.name }

// Write exports batch in one OTLP request.
func (s *OTLPSink) Write(ctx context.Context, batch []Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.col.recs = s.col.recs[:0]
	now := time.Now()
	for i := range batch {
		e := &batch[i]
		s.buf = AppendJSON(s.buf[:0], e)
		var r otellog.Record
		r.SetTimestamp(e.Time)
		r.SetObservedTimestamp(now)
		r.SetEventName("bulwark.audit")
		r.SetSeverity(severity(e))
		r.SetSeverityText(e.Decision)
		r.SetBody(attribute.StringValue(string(s.buf)))
		r.AddAttributes(attribute.String("decision", e.Decision), attribute.String("reason", e.Reason),
			attribute.String("api", e.API), attribute.String("route", e.Route), attribute.String("client_ip", e.ClientIP),
			attribute.String("request_id", e.RequestID), attribute.Int("status", e.Status))
		s.logger.Emit(traceContext(ctx, e.TraceID, e.SpanID), r)
	}
	if err := s.exp.Export(ctx, s.col.recs); err != nil {
		return fmt.Errorf("audit: %s: %w", s.name, err)
	}
	return nil
}

func severity(e *Event) otellog.Severity {
	switch e.Decision {
	case DecisionAllow:
		return otellog.SeverityInfo
	case DecisionError:
		return otellog.SeverityError
	}
	return otellog.SeverityWarn
}

// Close shuts the exporter down. Call it after Recorder.Close.
func (s *OTLPSink) Close(ctx context.Context) error {
	return errorsJoin(s.lp.Shutdown(ctx), s.exp.Shutdown(ctx))
}

// traceContext puts the event's trace id on ctx, so the exported log record
// carries it and a collector links the event to the request's trace.
func traceContext(ctx context.Context, traceID, spanID string) context.Context {
	if traceID == "" {
		return ctx
	}
	tid, err := trace.TraceIDFromHex(traceID)
	if err != nil {
		return ctx
	}
	sid, err := trace.SpanIDFromHex(spanID)
	if err != nil {
		return ctx
	}
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}))
}
