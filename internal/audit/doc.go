// Package audit records one typed Event per request and delivers it, off the request
// path, to durable sinks: JSON lines on stdout or a rotated file (every event), the
// store through tiers (Tierer: alerts and admin actions in full, refusals in full up
// to a budget per source and reason a minute and summarised beyond, allowed requests
// sampled, every request counted in per-minute rollups), and optional exports to
// OTLP logs and RFC 5424 syslog (every event).
//
// Place in the pipeline: the gateway calls Recorder.Record once per request, after the
// response is written. The threat it answers is repudiation: operators must be able to
// say who called what, when, and what the gateway decided, without the audit trail itself
// becoming a leak. Events therefore never hold credentials, cookies, tokens, query strings
// or bodies (see Event and docs/audit.md).
//
// # Pipeline and bounds
//
// Record copies the event into a bounded queue (Config.QueueSize) and returns. One
// dispatcher goroutine groups events into batches of up to Config.BatchSize, flushing a
// batch when it is full or every Config.FlushInterval, keeps the newest Config.RecentSize
// events in a ring for the admin API (Recorder.Recent), and hands each batch to every
// sink. Each sink has its own goroutine and a bounded buffer of batches
// (QueueSize/BatchSize batches, at least 2), so a slow sink cannot stall the others.
//
// # Overflow
//
// With OverflowDrop (the default) Record never blocks: when the queue is full the new
// event is dropped and counted in Stats.Dropped. When a sink's buffer is full the batch
// is dropped for that sink only and counted. A request is never slowed by auditing.
//
// With OverflowBlock Record waits up to Config.BlockTimeout for room in the queue, and
// the dispatcher waits up to BlockTimeout for room in a slow sink's buffer; after that
// the event (or the batch, for that sink) is dropped and counted. Backpressure thus
// reaches the request path, but never for longer than BlockTimeout.
//
// A failing sink write is retried with backoff (3 attempts in all); then the batch is
// dropped for that sink and counted. The first failure of a streak is logged once, and
// so is the recovery, with the number of events lost in between; a sustained queue
// overflow is likewise logged once per streak, never once per event.
//
// Close stops accepting events (later Records are dropped and counted), delivers every
// event queued before it to every sink, and returns. If its context ends first, sink
// writes are cancelled, what remains is counted as dropped, and the context error is
// returned.
package audit
