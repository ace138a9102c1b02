package proxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

// rewrite points the outgoing request at the picked target and replaces the
// forwarding headers. ReverseProxy has already removed hop-by-hop headers.
func (u *Upstream) rewrite(pr *httputil.ProxyRequest) {
	info := infoFrom(pr.In.Context())
	if info == nil || info.target == nil {
		// Not reachable through Forward. Leaving the URL without a scheme
		// makes the transport fail, so the request is refused, not misrouted.
		pr.Out.URL.Scheme = ""
		return
	}
	info.sentAt = time.Now()
	info.inPath = inboundPath{path: pr.In.URL.Path, rawPath: pr.In.URL.RawPath}
	setURL(pr.Out, info.target, info.inPath)
	if u.cfg.PreserveHost {
		pr.Out.Host = pr.In.Host
	} else {
		pr.Out.Host = ""
	}
	setForwarded(pr.Out.Header, info.Forwarded)
	keepOwned(pr.Out.Header, pr.In.Header, info.Keep)
	// Request trailers are never forwarded: a trailer field is a header no guard
	// saw (the body may still be arriving), and backends that merge trailers into
	// headers would take X-Bulwark-Subject from it. RFC 9110 §6.5.1 lets a
	// recipient discard them.
	pr.Out.Trailer = nil
	if pr.Out.Body != nil {
		info.body = &bodyWatch{rc: pr.Out.Body}
		pr.Out.Body = info.body
	}
}

// setURL aims out at t with the caller's path joined to t's base path.
func setURL(out *http.Request, t *target, in inboundPath) {
	o := out.URL
	o.Scheme, o.Host, o.User, o.Opaque, o.Fragment = t.scheme, t.host, nil, "", ""
	o.Path = joinPath(t.basePath, in.path)
	o.RawPath = ""
	if in.rawPath != "" || t.baseHasRaw {
		esc := in.rawPath
		if esc == "" {
			esc = (&url.URL{Path: in.path}).EscapedPath()
		}
		o.RawPath = joinPath(t.baseEscaped, esc)
	}
}

// setForwarded removes every client-sent forwarding header and sets the ones
// the gateway decided.
func setForwarded(h http.Header, f Forwarded) {
	for k := range h {
		if spoofable(k) {
			delete(h, k)
		}
	}
	// One backing array for the three values; full slice expressions keep an
	// append to one header from overwriting the next.
	vals := &[3]string{f.ClientIP, f.Proto, f.Host}
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

// modifyResponse records the target's answer; a 502-504 from a target is a
// passive failure. The response itself passes through unchanged.
func (u *Upstream) modifyResponse(resp *http.Response) error {
	info := infoFrom(resp.Request.Context())
	if info == nil {
		return nil
	}
	info.Outcome.Status = resp.StatusCode
	info.Outcome.Latency = time.Since(info.sentAt)
	if noBody(resp) && resp.Body != nil && resp.Body != http.NoBody {
		// Whatever an upstream sends with a 304, a 204 or the answer to HEAD
		// never reaches the client's connection nor, through a refused write, a log.
		resp.Body.Close()
		resp.Body = http.NoBody
	}
	for _, k := range info.Keep {
		// The gateway's headers are its own in the answer too: an upstream's
		// X-Request-Id would sit beside the gateway's and name another request.
		delete(resp.Header, k)
	}
	if resp.StatusCode >= http.StatusBadGateway && resp.StatusCode <= http.StatusGatewayTimeout {
		u.charge(info, statusError(resp.StatusCode), resp.Request)
	}
	if info.Response != nil {
		return info.Response(resp)
	}
	return nil
}

// noBody reports whether resp may not carry a body (RFC 9110 §6.4.1): the
// answer to HEAD, 204 and 304. (A 101's body is the upgraded connection.)
func noBody(resp *http.Response) bool {
	s := resp.StatusCode
	return resp.Request.Method == http.MethodHead || s == http.StatusNoContent || s == http.StatusNotModified
}

// keepOwned sets the headers named in keep in out to their values in in, or
// removes them from out: hop-by-hop processing (a client's Connection list)
// must not change what the gateway set. It allocates nothing: out shares the
// value slices, which nothing downstream modifies.
func keepOwned(out, in http.Header, keep []string) {
	for _, k := range keep {
		if v, ok := in[k]; ok {
			out[k] = v
		} else {
			delete(out, k)
		}
	}
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
