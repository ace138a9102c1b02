// Package proxy is the last stage of the request pipeline: it forwards an admitted
// request to one of an API's upstream targets and streams the answer back.
//
// It answers the threats that live at the edge between gateway and backend:
//
//   - spoofed client identity: client-sent X-Forwarded-*, Forwarded and X-Real-IP
//     headers are removed and replaced by the values the gateway decided, so a
//     backend never trusts an address the client chose;
//   - removed identity: the headers the gateway set (RequestInfo.Keep: principal
//     headers, X-Request-Id) are set again after ReverseProxy's hop-by-hop
//     processing, so a client's Connection list cannot remove them, and a
//     target's own copies are dropped from its answer; request trailers are
//     never forwarded;
//   - information leaks: transport failures become generic RFC 9457 problems
//     (502 upstream_unreachable, 504 upstream_timeout, 503 upstream_unavailable);
//     the real cause is logged, never sent;
//   - cascading failure: targets that fail are ejected for a while (passive
//     health) or marked down by periodic probes (active health), and requests are
//     spread round-robin over the healthy rest;
//   - ejection by attackers: client-side failures (body too large, slow or
//     truncated uploads, clients that hang up) are answered 413/408/400/499 and are
//     never charged to a target.
//
// Each Upstream owns one tuned http.Transport and one httputil.ReverseProxy built
// once in New. Responses stream unbuffered (server-sent events and chunked bodies
// are flushed as they arrive) and WebSocket upgrades pass through.
//
// The gateway calls Upstream.Forward with one *RequestInfo per request: it
// carries the forwarding facts, the request id and the response guards in and
// the Outcome (target, status, problem code, error) out. There is no other way
// to send a request through an Upstream, so none runs without its guards.
package proxy
