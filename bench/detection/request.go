package main

import (
	"bytes"
	"strconv"
	"strings"
)

// Request is one HTTP request as it goes on the wire. Target is the raw
// request-target (path and query), already escaped for a request line.
type Request struct {
	Method string
	Target string
	Header [][2]string // in order; never Host, Content-Length or hop-by-hop fields
	Body   []byte
}

const (
	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

// dropHeaders are never copied from a recorded request: the host names the
// API under test, the length is recomputed, and connection management
// belongs to this client (keep-alive).
var dropHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true,
	"keep-alive": true, "proxy-connection": true, "te": true, "upgrade": true, "trailer": true,
}

// addHeader appends a recorded header unless it is one this client owns or
// its value would break the message framing (CR, LF). It reports whether
// the header was kept.
func (r *Request) addHeader(name, value string) bool {
	if dropHeaders[strings.ToLower(name)] {
		return true
	}
	if name == "" || strings.ContainsAny(name, "\r\n: \t") || strings.ContainsAny(value, "\r\n") {
		return false
	}
	r.Header = append(r.Header, [2]string{name, value})
	return true
}

// header returns the first value of name (case-insensitive).
func (r *Request) header(name string) string {
	for _, h := range r.Header {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// write serializes r as an HTTP/1.1 request for host. A body always gets a
// Content-Length; a request without a body gets none (except POST/PUT/PATCH,
// which get "Content-Length: 0" as clients send).
func (r *Request) write(buf *bytes.Buffer, host string) {
	buf.Reset()
	buf.WriteString(r.Method)
	buf.WriteByte(' ')
	buf.WriteString(r.Target)
	buf.WriteString(" HTTP/1.1\r\nHost: ")
	buf.WriteString(host)
	buf.WriteString("\r\n")
	for _, h := range r.Header {
		buf.WriteString(h[0])
		buf.WriteString(": ")
		buf.WriteString(h[1])
		buf.WriteString("\r\n")
	}
	if len(r.Body) > 0 || r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH" {
		buf.WriteString("Content-Length: ")
		buf.WriteString(strconv.Itoa(len(r.Body)))
		buf.WriteString("\r\n")
	}
	buf.WriteString("\r\n")
	buf.Write(r.Body)
}

// searchPath is where single values are sent.
const searchPath = "/search"

// valueRequests builds the two channels of a single payload: a query value
// (GET /search?q=...) and a JSON body (POST /search {"q": ...}). encoded
// marks a URL-encoded source: it goes verbatim into the query string (only
// bytes a request line cannot hold are escaped) and is decoded once,
// leniently, for the JSON body.
func valueRequests(v string, encoded bool) (query, body Request) {
	q, jv := queryValue(v), v
	if encoded {
		q, jv = escapeTarget(v), lenientUnescape(v, true)
	}
	query = Request{Method: "GET", Target: searchPath + "?q=" + q}
	body = Request{Method: "POST", Target: searchPath, Header: [][2]string{{"Content-Type", ctJSON}}, Body: jsonObject("q", jv)}
	return query, body
}

// queryStringRequests builds the channels of a whole query string: verbatim
// after '?', and as the JSON object of its decoded pairs.
func queryStringRequests(qs string) (query, body Request) {
	query = Request{Method: "GET", Target: searchPath + "?" + escapeTarget(qs)}
	body = Request{Method: "POST", Target: searchPath, Header: [][2]string{{"Content-Type", ctJSON}}, Body: pairsJSON(queryPairs(qs))}
	return query, body
}

// jsonBodyRequest sends a raw JSON document.
func jsonBodyRequest(doc string) Request {
	return Request{Method: "POST", Target: searchPath, Header: [][2]string{{"Content-Type", ctJSON}}, Body: []byte(doc)}
}

// cookieRequest sends line as the Cookie header.
func cookieRequest(line string) Request {
	return Request{Method: "GET", Target: searchPath, Header: [][2]string{{"Cookie", line}}}
}

// joinTarget joins a recorded path and raw query into an escaped
// request-target. A path that does not start with '/' gets one.
func joinTarget(path, query string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if query != "" {
		path += "?" + query
	}
	return escapeTarget(path)
}
