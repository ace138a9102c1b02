package graphql

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Refusal is a request the guard will not pass to the upstream. Its body is
// GraphQL-shaped; Code is stable and also the audit reason.
type Refusal struct {
	Status  int
	Code    string
	Message string
	// Extensions are extra members of the error's extensions (cost, limit …);
	// never raw input.
	Extensions map[string]any
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Message }

func refuse(status int, code, msg string) *Refusal {
	return &Refusal{Status: status, Code: code, Message: msg}
}

func (r *Refusal) with(k string, v any) *Refusal {
	if r.Extensions == nil {
		r.Extensions = map[string]any{}
	}
	r.Extensions[k] = v
	return r
}

// Body renders the refusal as a GraphQL response:
// {"errors":[{"message":…,"extensions":{"code":…,…}}]}.
func (r *Refusal) Body(requestID string) []byte {
	ext := make(map[string]any, len(r.Extensions)+2)
	for k, v := range r.Extensions {
		ext[k] = v
	}
	ext["code"] = r.Code
	if requestID != "" {
		ext["request_id"] = requestID
	}
	type gqlError struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	b, err := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{{Message: r.Message, Extensions: ext}}})
	if err != nil { // only plain values are ever put in extensions
		return []byte(`{"errors":[{"message":"The request was refused.","extensions":{"code":"graphql_refused"}}]}`)
	}
	return append(b, '\n')
}

// Write sends the refusal as application/json.
func (r *Refusal) Write(w http.ResponseWriter, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(r.Status)
	_, _ = w.Write(r.Body(requestID))
}

// withoutSuggestion drops a "Did you mean …?" sentence: suggestions map the
// schema for a client that may not introspect it.
func withoutSuggestion(msg string) string {
	if i := strings.Index(msg, " Did you mean "); i >= 0 {
		return msg[:i]
	}
	return msg
}
