// Package hygiene is the first stage of every request's way through the gateway:
// cheap checks on the message itself, before routing decisions cost anything,
// plus the client address and the request id every later stage records.
//
// Each check returns a *httperr.Problem (nil = pass) that the gateway renders
// once as RFC 9457 problem JSON. Checks fail closed: what they cannot parse,
// they refuse. On the hot path they do not allocate (see the benchmarks), except
// for a JSON body's buffer and a generated request id.
//
// # Limits, defaults and the attacks they stop
//
// Limits holds one route's values; DefaultLimits the defaults. A zero numeric
// field disables its check (the configuration layer supplies defaults).
//
//   - MaxHeaderBytes, 16 KiB: request line plus len(name)+len(value)+4 per header
//     value; over it, 431 "headers_too_large". Header floods that pin memory.
//     http.Server.MaxHeaderBytes stays a larger hard backstop (Go answers its own
//     plain-text 431 past it); this check gives the per-route limit as problem JSON.
//   - MaxHeaderCount, 100 values: 431 "too_many_headers". Floods of small fields.
//   - MaxBodyBytes, 10 MiB: a larger Content-Length is 413 "body_too_large" before
//     a byte is read; a chunked body is cut at the limit by http.MaxBytesReader,
//     and httperr.BodyRead maps that error to the same 413. Body floods.
//   - ReadBodyTimeout, 30 s: the whole body must arrive within it, or 408
//     "body_timeout". Slowloris-style slow POSTs holding connections open. The
//     deadline is lifted once the body is read, so it never cuts the upstream's
//     answer short (an expired read deadline cancels the request context).
//   - ContentTypes: application/json, application/*+json,
//     application/x-www-form-urlencoded, multipart/form-data, text/plain. A body
//     of another or no media type is 415 "unsupported_media_type"; two
//     Content-Type fields are 400 "bad_header". Parser confusion upstream.
//   - JSONMaxDepth, 64 and JSONMaxBytes, 1 MiB: JSON bodies (application/json and
//     any "+json" type) are buffered up to JSONMaxBytes (413 past it), read once
//     by internal/jsonread (the one JSON reader of every guard, non-recursive),
//     and refused with 400 "json_too_deep" past the depth or 400 "json_invalid"
//     when malformed (invalid UTF-8 included: parsers disagree about it). JSON
//     bombs against recursive upstream parsers. The body is then handed on with
//     a known length and GetBody for replay, and its index (JSONIndex) to the
//     guards that read it.
//
// # Methods
//
// CheckMethodCase refuses a method with a lower-case letter ("get", "Delete")
// with 400 "method_invalid": methods are case-sensitive (RFC 9110 §9.1) and the
// route table matches them exactly, but backends that upper-case the method
// would run one the gateway never matched. CheckMethod is the exact allow-list.
//
// # Message framing: who refuses what (request smuggling)
//
// Go's HTTP/1 server parses framing before any handler runs, so the gateway's
// plain-HTTP listener is wrapped with NewFramingListener (conn.go): it follows
// each connection's request framing and answers a request carrying both
// Content-Length and Transfer-Encoding (or any other ambiguous framing) with a
// 400 "bad_framing" problem and closes the connection (RFC 9112 §6.1), before
// Go's parser sees it. TLS listeners are not wrapped (net/http needs the
// *tls.Conn itself for HTTP/2); there the table below applies.
//
// What Go does on its own, measured with raw sockets in TestEndToEndFraming
// (Go 1.26):
//
//   - Content-Length and Transfer-Encoding: chunked together: accepted. Go frames
//     by chunked, as RFC 9112 §6.3 says, and deletes Content-Length; the handler
//     sees r.TransferEncoding = ["chunked"], ContentLength -1 and cannot tell.
//     Bytes after the last chunk are parsed as a new request that passes every
//     check again. Bulwark forwards with one framing only, so it and the upstream
//     agree; a proxy in front of Bulwark that framed by Content-Length is the one
//     violating RFC 9112.
//   - Several Content-Length values that differ, a list ("5, 5"), a sign or a
//     non-number: Go answers a plain-text 400 Bad Request. Identical duplicates
//     are collapsed to one value.
//   - Any Transfer-Encoding other than exactly one "chunked" (gzip, identity,
//     "gzip, chunked", two fields): Go answers a plain-text 501 Not Implemented.
//   - Transfer-Encoding on HTTP/1.0: Go ignores and deletes it; Content-Length
//     frames the body.
//   - NUL or bare CR in a header value, whitespace before the colon: Go answers a
//     plain-text 400. (An obs-fold line is joined into the value.)
//
// CheckHeaders still refuses every one of these with 400 "bad_framing" or
// "bad_header" for whatever reaches a handler another way (another server,
// another Go version, a request built in-process): Content-Length with any
// Transfer-Encoding, differing or non-numeric Content-Length values, any
// transfer coding but a single "chunked", and NUL/CR/LF in a header value
// (header injection when the value is forwarded). Framing and body-read
// refusals carry "Connection: close": the next request's start is in doubt.
//
// # Client address (IP spoofing)
//
// ClientIP believes X-Forwarded-For, or else Forwarded (RFC 7239), only when the
// TCP peer is a trusted proxy, and walks it right to left past trusted proxies;
// the first untrusted address is the client. Any client can write these headers,
// so only hops appended by proxies we trust are believed, and a malformed,
// "unknown" or obfuscated ("_hidden") entry stops the walk at the last address
// believed. When a trusted proxy sets only Forwarded, it must also strip
// X-Forwarded-For, which takes precedence (it is what most proxies write, and a
// client-sent Forwarded passes through them untouched).
//
// # Headers the gateway owns, override headers
//
// Owned.Clean refuses a request whose Connection header names a header the
// gateway owns (400 "owned_header_in_connection": a proxy drops what Connection
// lists) and deletes every client copy of an owned header — principal headers,
// the X-Bulwark- and X-Forwarded- namespaces, X-Request-Id, client-address
// claims, Proxy (httpoxy) — in every spelling a CGI-style backend reads as the
// same (case and every non-alphanumeric byte folded), plus non-canonical
// spellings of the credential headers. StripOverrides deletes method and URL
// override headers (X-HTTP-Method-Override, X-Original-URL and kin) in every
// spelling but the canonical one of a name the route keeps. Both allocate
// nothing. The proxy sets the owned headers again after hop-by-hop processing
// (proxy.RequestInfo.Keep).
//
// # Request ids
//
// RequestID keeps a trusted proxy's X-Request-Id when it is 1..128 characters of
// [A-Za-z0-9._:-], and otherwise generates one: an 80-bit random per-process
// prefix and a counter. Ids correlate logs and audit events; they are not
// secrets and must never authorize anything.
package hygiene
