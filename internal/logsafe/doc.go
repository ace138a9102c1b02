// Package logsafe carries the standard library's own log lines (net/http's
// server and Transport, httputil.ReverseProxy) into the gateway's slog
// diagnostics without the foreign bytes they quote.
//
// Threat: net/http quotes what a peer sent in some of its messages — the
// Transport logs the first bytes of an "unsolicited response" (an upstream that
// sends a body with a 304, or more than its Content-Length), the server logs a
// client's malformed request. Those bytes are upstream bodies or client data and
// must never reach a log. Every double-quoted span in such a line is replaced by
// "…" and the line is bounded; the rest (the library's own words) is kept so an
// operator still sees what happened.
package logsafe
