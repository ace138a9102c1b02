// Package h1serve is Bulwark's own HTTP/1.0 and HTTP/1.1 connection loop for
// the plain-text proxy listener.
//
// Why: net/http's server spends about as much CPU per request as the rest of a
// simple proxy: a background read goroutine started and aborted around every
// request, a context with cancel, a response and a chunk writer, a cloned and
// sorted header map. h1serve keeps what matters and drops that machinery: one
// goroutine per connection, pooled buffers and a response writer reused on its
// connection, the header serialized once instead of cloned, and a disconnect
// watcher that only starts on requests that have run for a while (one ticker
// per server, Server.DisconnectCheckDelay), not on every request. A request's
// context is one small object of this package (requestContext) that makes a
// context.WithCancel of the connection's only when something asks for its
// Done channel, with a hook slot the synchronous upstream client uses instead
// of context.AfterFunc.
//
// Parsing is net/http's: every request head is read by http.ReadRequest (the
// same parser, Transfer-Encoding and Content-Length rules and body readers as
// http.Server); no request bytes are interpreted here beyond what
// http.ReadRequest returns. Answers to malformed requests are the ones
// http.Server gives (status and plain-text body). The handler sees the same
// http.ResponseWriter contract, and http.ResponseController finds Flush,
// Hijack and the deadlines, so guards and handlers run unchanged.
//
// Threat: a second HTTP implementation in front of the guards is a smuggling
// risk when it frames requests differently from the upstream client. h1serve
// therefore never frames a request itself, and the framing listener
// (hygiene.NewFramingListener) still refuses ambiguous framing in front of it.
// The differential tests send the same bytes to http.Server and to h1serve.
//
// Intended differences from http.Server are listed in the documentation of
// Server.
package h1serve
