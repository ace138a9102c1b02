// Package proxy is the last stage of the request pipeline: it forwards an admitted
// request to one of an API's upstream targets and streams the answer back.
//
// It answers the threats that live at the edge between gateway and backend:
//
//   - spoofed client identity: client-sent X-Forwarded-*, Forwarded and X-Real-IP
//     headers are removed and replaced by the values the gateway decided, so a
//     backend never trusts an address the client chose;
//   - removed identity: the headers the gateway set (RequestInfo.Keep: principal
//     headers, X-Request-Id) reach the target exactly as set, whatever the
//     client's Connection header lists, and no other spelling of them does; a
//     target's own copies are dropped from its answer; request trailers are
//     never forwarded;
//   - parameter smuggling: a query parameter that does not parse (a semicolon,
//     a broken escape) is dropped, so the target reads the query the gateway read;
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
// Each Upstream owns one tuned http.Transport (an idle pool sized for a busy
// gateway) built once in New, and forwards with a path of its own rather than
// httputil.ReverseProxy: the outbound header is built once from the inbound one
// (no clone, then deletions), copy buffers are pooled, and an answer is flushed
// as it arrives only when it streams (server-sent events, or no
// Content-Length); any other answer leaves in as few writes as net/http's
// buffering allows. Informational answers (103) are relayed, trailers pass
// through, and WebSocket and other upgrades are handed over after the 101.
//
// The gateway calls Upstream.Forward with one *RequestInfo per request: it
// carries the forwarding facts, the request id and the response guards in and
// the Outcome (target, status, problem code, error) out. There is no other way
// to send a request through an Upstream, so none runs without its guards.
package proxy
