// Package logthrottle keeps repeated diagnostic lines from burying the one
// that matters: a line per key and interval, the ones held back counted and
// reported with the next line logged.
//
// Place: a leaf the request path uses for its "request failed" lines (the
// gateway's 5xx refusals), one line per problem code and interval; and the proxy, one line per upstream
// target and interval about answers followed by bytes nobody asked for. Threat: an
// outage (Redis down under on_redis_failure: closed, every upstream target
// gone, ...) refuses every request with the same code, and a line per request
// would flood the log and hide the line the outage itself logs. Nothing is
// lost: each refused request stays in the audit log and the metrics.
package logthrottle
