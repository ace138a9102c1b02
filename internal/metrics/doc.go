// Package metrics exposes Bulwark's Prometheus metrics from its own registry (never the
// process-wide default one, so no library can inject series into /metrics).
//
// Place in the pipeline: the gateway resolves one *RouteMetrics per route when it builds
// a config plan and calls Observe once per request, after the response is written; the
// admin/metrics listener serves Handler. Upstream health and audit counters are read by
// callbacks at scrape time, so the request path never touches them.
//
// Series:
//
//	bulwark_requests_total{api,route,status,decision}            counter
//	bulwark_request_duration_seconds{api,route}                   histogram, 0.5ms..10s
//	bulwark_upstream_healthy{api,target}                          gauge, 1 or 0
//	bulwark_audit_events_written_total                            counter
//	bulwark_audit_events_dropped_total                            counter
//	bulwark_audit_sink_failures_total                             counter
//	bulwark_config_reloads_total{result="ok|error"}               counter
//	bulwark_owner_records_pending                                 gauge
//	bulwark_owner_records_retried_total                           counter
//	bulwark_owner_records_lost_total{reason="shutdown|conflict"}  counter
//	bulwark_owner_records_refused_total                           counter
//	bulwark_config_last_reload_success_timestamp_seconds          gauge
//
// plus the standard go_* and process_* collectors.
//
// Label values come from configuration (api, route, target) and from a bounded set
// (status 100..599, decision allow/deny/error), never from request data, so a client
// cannot blow up the series count.
package metrics
