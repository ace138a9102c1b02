package proxy

import (
	"net/http"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Shared read-only values for headers the forwarder sets; the transport only
// reads a request's header values.
var (
	emptyUserAgent = []string{""} // keeps the transport from adding Go's User-Agent
	teTrailers     = []string{"trailers"}
	connUpgrade    = []string{"Upgrade"}
)

// isHopByHop reports whether the canonical key k names a hop-by-hop field
// (RFC 9110 §7.6.1, plus the non-standard Proxy-Connection and the RFC 2616
// list that proxies still honour). They describe one connection and are never
// forwarded.
func isHopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// spoofable reports whether header k claims a client identity. The gateway
// decided the client, so such headers from the client never reach a target.
func spoofable(k string) bool {
	k = http.CanonicalHeaderKey(k)
	switch k {
	case "Forwarded", "X-Real-Ip", "X-Client-Ip", "True-Client-Ip":
		return true
	}
	return strings.HasPrefix(k, "X-Forwarded-")
}

// connectionTokens appends to dst the canonical names a Connection header
// lists (RFC 9110 §7.6.1): those fields are hop-by-hop for this connection.
func connectionTokens(dst []string, values []string) []string {
	for _, v := range values {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if tok = textproto.TrimString(tok); tok != "" {
				dst = append(dst, http.CanonicalHeaderKey(tok))
			}
		}
	}
	return dst
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// upgradeType returns the protocol r asks to switch to (WebSocket, h2c), or
// "" when its Connection header does not list Upgrade.
func upgradeType(h http.Header) string {
	if !httpguts.HeaderValuesContainsToken(h["Connection"], "Upgrade") {
		return ""
	}
	return h.Get("Upgrade")
}

// outboundHeader builds the header sent to the target in one pass over in,
// without cloning it:
//
//   - hop-by-hop fields and every field in's Connection header lists are
//     dropped (compared in canonical form, so no spelling slips through);
//   - client-sent forwarding headers (spoofable) are dropped and the values the
//     gateway decided are set (fwd holds their backing array);
//   - Te: trailers is kept when the client sent it, and an upgrade request
//     gets Connection: Upgrade and its Upgrade protocol back;
//   - the gateway's own headers (keep) carry in's values under their exact
//     key, and any other spelling of them is dropped, so neither a Connection
//     list nor a duplicate spelling changes what the target reads;
//   - a request without User-Agent is sent without one.
//
// Values are shared with in, not copied: nothing downstream modifies them.
//
// out, when not nil, is an empty map to fill (a pooled exchange's, see putExchange).
func outboundHeader(in http.Header, f Forwarded, keep []string, upType string, fwd *[3]string, out http.Header) http.Header {
	var listedBuf [8]string
	listed := listedBuf[:0]
	if c := in["Connection"]; len(c) > 0 {
		listed = connectionTokens(listed, c)
	}
	if out == nil {
		out = make(http.Header, len(in)+4) // + the forwarding headers and User-Agent; dropped fields make room for the rest
	}
	for k, v := range in {
		ck := http.CanonicalHeaderKey(k)
		if isHopByHop(ck) || spoofable(ck) || contains(keep, ck) || contains(listed, ck) {
			continue
		}
		out[k] = v
	}
	if httpguts.HeaderValuesContainsToken(in["Te"], "trailers") {
		// Tell the target the path supports trailers (the client said it does).
		out["Te"] = teTrailers
	}
	if upType != "" {
		out["Connection"] = connUpgrade
		out["Upgrade"] = []string{upType}
	}
	setForwarded(out, f, fwd)
	for _, k := range keep {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	if _, ok := out["User-Agent"]; !ok {
		out["User-Agent"] = emptyUserAgent
	}
	return out
}

// setForwarded sets the forwarding headers the gateway decided. One backing
// array holds the three values; full slice expressions keep an append to one
// header from overwriting the next.
func setForwarded(h http.Header, f Forwarded, vals *[3]string) {
	*vals = [3]string{f.ClientIP, f.Proto, f.Host}
	if f.ClientIP != "" {
		h["X-Forwarded-For"] = vals[0:1:1]
	}
	if f.Proto != "" {
		h["X-Forwarded-Proto"] = vals[1:2:2]
	}
	if f.Host != "" {
		h["X-Forwarded-Host"] = vals[2:3:3]
	}
}

// removeHopByHop deletes, in place, the hop-by-hop fields of a target's
// response and the fields its Connection header lists.
func removeHopByHop(h http.Header) {
	if c := h["Connection"]; len(c) > 0 {
		var buf [8]string
		for _, k := range connectionTokens(buf[:0], c) {
			delete(h, k)
		}
	}
	for _, k := range [...]string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		delete(h, k)
	}
}

// copyHeader adds src's fields to dst (the response writer's header, which
// may already hold the gateway's own fields). A field dst lacks takes src's
// value slice as it is: the target's response is not used after this.
func copyHeader(dst, src http.Header) {
	for k, vv := range src {
		k = http.CanonicalHeaderKey(k)
		if old, ok := dst[k]; ok {
			dst[k] = append(old, vv...)
		} else {
			dst[k] = vv
		}
	}
}

// isEventStream reports whether a Content-Type value is text/event-stream,
// whatever its parameters, spacing or case.
func isEventStream(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(textproto.TrimString(base), "text/event-stream")
}
