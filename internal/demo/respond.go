package demo

import (
	"encoding/json"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
)

// maxBody caps request bodies; the shop is vulnerable, not careless with memory.
const maxBody = 1 << 20

// errorBody is the shape of every 4xx answer.
type errorBody struct {
	Error string `json:"error"`
}

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")  // meant to be read in a terminal
	enc.SetEscapeHTML(false) // "->", not "\u003e"
	_ = enc.Encode(v)        // the client went away; nothing left to tell it
}

// writeError writes {"error": msg} with the given status.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// decodeJSON reads the request body as JSON into v.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v)
}

// leakBody is what a 500 shows: everything an attacker could wish for.
type leakBody struct {
	Error    string   `json:"error"`
	Query    string   `json:"query,omitempty"`
	Database string   `json:"database"`
	Stack    []string `json:"stack"`
}

// leak answers 500 with the error text, the failing SQL, the database name
// and a Go stack trace. VULNERABLE (information disclosure): a real service
// logs these and tells the client nothing.
func (s *Shop) leak(w http.ResponseWriter, err error, query string) {
	stack := strings.Split(strings.TrimSpace(string(debug.Stack())), "\n")
	writeJSON(w, http.StatusInternalServerError, leakBody{
		Error: err.Error(), Query: query, Database: s.db.dsn, Stack: stack,
	})
}

// pathID parses the {id} wildcard as a positive integer.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// callerID says who is calling: the user id in X-Bulwark-Subject (set by the
// gateway once it has authenticated the caller), else the user behind the
// bearer session token. It never checks that the caller may do anything.
func (s *Shop) callerID(r *http.Request) (int64, bool) {
	if subject := r.Header.Get("X-Bulwark-Subject"); subject != "" {
		id, err := strconv.ParseInt(subject, 10, 64)
		return id, err == nil && id > 0
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return 0, false
	}
	return s.sessions.lookup(strings.TrimSpace(token))
}

// jsonErrors serves mux, but answers the mux's own 404 and 405 in JSON
// rather than plain text.
type jsonErrors struct {
	mux *http.ServeMux
}

func (j jsonErrors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := j.mux.Handler(r); pattern == "" {
		w = &jsonErrorWriter{ResponseWriter: w}
	}
	j.mux.ServeHTTP(w, r)
}

// jsonErrorWriter replaces a plain-text error body (http.Error's) with
// {"error": "<status text>"}, keeping the status and headers such as Allow.
type jsonErrorWriter struct {
	http.ResponseWriter
}

func (w *jsonErrorWriter) WriteHeader(status int) {
	writeJSON(w.ResponseWriter, status, errorBody{Error: http.StatusText(status)})
}

func (w *jsonErrorWriter) Write(p []byte) (int, error) { return len(p), nil }
