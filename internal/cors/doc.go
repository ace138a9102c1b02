// Package cors is the cross-origin guard: it answers browser preflights at the
// gateway from an explicit list of origins and sets the CORS response headers
// for allowed origins, following the Fetch standard's rules for credentials
// (never a wildcard origin with credentials; Vary: Origin whenever the answer
// depends on it). An origin outside the list gets no CORS headers, and by
// default its requests are refused: a cross-site page cannot make a browser
// send it (with the user's cookies) and read the answer — nor trigger a state
// change the backend did not mean to expose.
//
// It sits right after routing, before authentication: preflights carry no
// credentials by design. Its decisions live here; internal/gateway only calls
// Preflight and Check and copies Headers onto the answer.
package cors
