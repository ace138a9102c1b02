package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logsafe"
)

// exchange is one forwarded request's working state. The outbound URL, the
// forwarding header values and the 1xx trace live in it, so the hot path
// allocates them together, once.
type exchange struct {
	u    *Upstream
	info *RequestInfo
	w    http.ResponseWriter
	in   *http.Request
	ctx  context.Context // the request's context, with the timeout if any

	url   url.URL
	fwd   [3]string
	trace httptrace.ClientTrace

	// The synchronous client's outbound request and header: the exchange
	// comes from a pool then, and they go back with it (see putExchange).
	req http.Request
	hdr http.Header

	mu   sync.Mutex // orders 1xx header writes against the end of RoundTrip
	done bool       // RoundTrip returned: a late 1xx writes nothing
}

// forward sends the request to info.target and streams the answer to w.
func (u *Upstream) forward(w http.ResponseWriter, in *http.Request, ctx context.Context, info *RequestInfo, upType string) {
	if upType != "" && !printableASCII(upType) {
		u.handleError(w, ctx, info, fmt.Errorf("client tried to switch to invalid protocol %q", upType))
		return
	}
	var ex *exchange
	var out *http.Request // the one shallow copy
	if info.sync {
		// The synchronous client is done with the exchange, the outbound
		// request and its header when forward returns (it wrote them on this
		// goroutine; the response guards and the answer's copy run inside
		// forward): they come from a pool. ctx is in's own context here (no
		// timeout context: the client bounds the exchange itself), so the
		// copy is a plain one.
		ex = exchanges.Get().(*exchange)
		defer putExchange(ex)
		hdr := ex.hdr
		*ex = exchange{u: u, info: info, w: w, in: in, ctx: ctx, hdr: hdr}
		out = &ex.req
		*out = *in
	} else {
		// http.Transport's writer may outlive forward: nothing here is reused.
		ex = &exchange{u: u, info: info, w: w, in: in, ctx: ctx}
		ex.trace.Got1xxResponse = ex.got1xx
		out = in.WithContext(httptrace.WithClientTrace(ctx, &ex.trace))
	}
	info.inPath = inboundPath{path: in.URL.Path, rawPath: in.URL.RawPath}
	ex.url.RawQuery, ex.url.ForceQuery = cleanQuery(in.URL.RawQuery), in.URL.ForceQuery
	out.URL = &ex.url
	setURL(out, info.target, info.inPath)
	out.Header = outboundHeader(in.Header, info.Forwarded, info.Keep, upType, &ex.fwd, ex.hdr)
	if u.cfg.PreserveHost {
		out.Host = in.Host
	} else {
		out.Host = ""
	}
	out.Close = false
	// Request trailers are never forwarded: a trailer field is a header no guard
	// saw (the body may still be arriving), and backends that merge trailers into
	// headers would take X-Bulwark-Subject from it. RFC 9110 §6.5.1 lets a
	// recipient discard them.
	out.Trailer = nil
	out.RequestURI = ""
	if in.ContentLength == 0 {
		out.Body = nil // a nil body lets the transport retry on a stale connection
	} else if in.Body != nil {
		info.body = &bodyWatch{rc: in.Body}
		out.Body = info.body
		defer info.body.Close() // the transport's writer may outlive us: it reads nothing after this
	}

	info.sentAt = time.Now()
	resp, err := u.roundTrip(info, out, ex, upType)
	ex.mu.Lock()
	ex.done = true
	ex.mu.Unlock()
	if err != nil {
		u.handleError(w, ctx, info, err)
		return
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		if err := u.checkResponse(info, resp); err != nil {
			resp.Body.Close()
			u.handleError(w, ctx, info, err)
			return
		}
		ex.upgrade(resp, upType)
		return
	}
	removeHopByHop(resp.Header)
	if err := u.checkResponse(info, resp); err != nil {
		resp.Body.Close()
		u.handleError(w, ctx, info, err)
		return
	}
	ex.respond(resp)
}

// exchanges holds the exchanges of the synchronous client between requests.
var exchanges = sync.Pool{New: func() any { return &exchange{hdr: make(http.Header, 16)} }}

// maxKeptHeader is the most fields an outbound header map kept for the next
// exchange may have held: ranging over a cleared map still walks all its room.
const maxKeptHeader = 32

// putExchange empties ex, which no one reads any more, and returns it to
// exchanges.
func putExchange(ex *exchange) {
	ex.reset()
	exchanges.Put(ex)
}

// reset empties ex but for its header map, which it keeps cleared: a cleared
// map keeps its room, so the next request's header costs no allocation.
func (ex *exchange) reset() {
	hdr := ex.hdr
	if len(hdr) > maxKeptHeader {
		hdr = make(http.Header, 16)
	}
	clear(hdr)
	*ex = exchange{hdr: hdr}
}

// got1xx passes an informational answer (103 Early Hints, 100 Continue) on to
// the client while the final one is awaited.
func (ex *exchange) got1xx(code int, header textproto.MIMEHeader) error {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.done {
		return nil
	}
	h := ex.w.Header()
	copyHeader(h, http.Header(header))
	ex.w.WriteHeader(code)
	clear(h) // a 1xx's fields are not the final answer's
	return nil
}

// onInfo is got1xx for the synchronous client, which reads informational
// answers on the handler's goroutine.
func (ex *exchange) onInfo(code int, header http.Header) {
	_ = ex.got1xx(code, textproto.MIMEHeader(header))
}

// respond sends the target's final answer: headers, then the body, flushed as
// it arrives only when it streams (server-sent events, or no Content-Length),
// then the trailers.
func (ex *exchange) respond(resp *http.Response) {
	w := ex.w
	h := w.Header()
	copyHeader(h, resp.Header)
	announced := len(resp.Trailer)
	if announced > 0 {
		names := make([]string, 0, announced)
		for k := range resp.Trailer {
			names = append(names, k)
		}
		h.Add("Trailer", strings.Join(names, ", "))
	}
	w.WriteHeader(resp.StatusCode)
	var flush func() error
	if resp.ContentLength == -1 || isEventStream(resp.Header.Get("Content-Type")) {
		rc := http.NewResponseController(w)
		flush = rc.Flush
		_ = flush() // the headers go now, before the first event
	}
	if err := ex.copyBody(w, resp.Body, flush); err != nil {
		resp.Body.Close()
		ex.abort(err)
		return
	}
	resp.Body.Close() // now, not deferred: closing fills resp.Trailer
	if len(resp.Trailer) > 0 {
		// Force chunking: a short body would otherwise be sent with a
		// Content-Length and no room for trailers.
		_ = http.NewResponseController(w).Flush()
	}
	if len(resp.Trailer) == announced {
		copyHeader(h, resp.Trailer)
		return
	}
	for k, vv := range resp.Trailer { // trailers the target did not announce
		k = http.TrailerPrefix + k
		for _, v := range vv {
			h.Add(k, v)
		}
	}
}

// copyBody copies src to dst with a pooled buffer, calling flush (when not
// nil) after every write.
func (ex *exchange) copyBody(dst io.Writer, src io.Reader, flush func() error) error {
	buf := ex.u.buffers.Get()
	defer ex.u.buffers.Put(buf)
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			m, werr := dst.Write(buf[:n])
			if werr != nil {
				return werr
			}
			if m != n {
				return io.ErrShortWrite
			}
			if flush != nil {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			if !errors.Is(rerr, context.Canceled) {
				// Masked: a read error may quote bytes the upstream sent.
				ex.u.logger.Warn("upstream response body broke off", "request_id", ex.info.RequestID,
					"error", logsafe.Mask(rerr.Error()))
			}
			return rerr
		}
	}
}

// abort ends a response whose body broke after its headers were sent. Under
// an HTTP server it panics with http.ErrAbortHandler, so the client sees a
// broken response rather than a short one presented as complete; Forward
// records the outcome on the way out.
func (ex *exchange) abort(err error) {
	if ex.in.Context().Value(http.ServerContextKey) == nil {
		ex.info.Outcome.Err = ErrStreamAborted
		ex.u.logger.Debug("response stream aborted", "request_id", ex.info.RequestID, "error", err)
		return
	}
	panic(http.ErrAbortHandler)
}

// checkResponse records the target's answer and runs the response guards; a
// 502-504 from a target is a passive failure. A 304, a 204 or the answer to
// HEAD loses whatever body the target sent with it.
func (u *Upstream) checkResponse(info *RequestInfo, resp *http.Response) error {
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
		u.charge(info, statusError(resp.StatusCode))
	} else if t := info.target; t != nil && t.outage.Failing() {
		// Checked first: the variadic attributes would allocate on every answer.
		t.outage.OK(context.Background(), "target", t.raw)
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

// maxQueryParams is net/url's default limit on query parameters; a longer
// query is re-encoded (and so cut) as url.ParseQuery reads it.
const maxQueryParams = 10000

// cleanQuery returns q unchanged when every parameter parses, else q as
// url.ParseQuery reads it, re-encoded: a parameter with a semicolon or a
// broken escape is dropped, so the target never reads a query differently
// from the gateway (parameter smuggling).
func cleanQuery(q string) string {
	if strings.Count(q, "&")+1 > maxQueryParams {
		return reencodeQuery(q)
	}
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ';':
			return reencodeQuery(q)
		case '%':
			if i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2]) {
				return reencodeQuery(q)
			}
			i += 2
		}
	}
	return q
}

func reencodeQuery(q string) string {
	v, _ := url.ParseQuery(q)
	return v.Encode()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// printableASCII reports whether s is printable ASCII (an Upgrade token).
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
