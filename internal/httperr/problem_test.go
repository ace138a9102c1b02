package httperr

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		p          *Problem
		wantStatus int
		wantDetail string
		notInBody  string
	}{
		{"client error keeps detail", New(400, "path_invalid", "bad path"), 400, "bad path", ""},
		{"5xx hides cause", New(502, "upstream_unreachable", "").WithCause(errors.New("dial tcp 10.0.0.7:9001: refused")),
			502, "The gateway could not complete the request.", "10.0.0.7"},
		{"hostile detail is escaped", New(400, "x", "</script><b>\"\\\x00\u2028\xff"), 400, "</script><b>\"\\\x00\u2028\ufffd", "<b>"},
		{"nil problem is a 500", nil, 500, "The gateway could not complete the request.", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Write(w, "req-1", tc.p)
			if w.Code != tc.wantStatus || w.Header().Get("Content-Type") != "application/problem+json" ||
				w.Header().Get("X-Request-Id") != "req-1" {
				t.Fatalf("status %d headers %v", w.Code, w.Header())
			}
			var m map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatalf("not JSON: %v: %s", err, w.Body)
			}
			if m["detail"] != tc.wantDetail || m["request_id"] != "req-1" || int(m["status"].(float64)) != tc.wantStatus ||
				!strings.HasPrefix(m["type"].(string), TypePrefix) || m["title"] != http.StatusText(tc.wantStatus) {
				t.Fatalf("body %v", m)
			}
			if tc.notInBody != "" && strings.Contains(w.Body.String(), tc.notInBody) {
				t.Fatalf("body leaks %q: %s", tc.notInBody, w.Body)
			}
		})
	}
}

func TestWriteKeepsGuardHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	Write(w, "", New(405, "method_not_allowed", "no").WithHeader("Allow", "GET, HEAD"))
	if w.Header().Get("Allow") != "GET, HEAD" || w.Header().Get("X-Request-Id") != "" {
		t.Fatalf("headers %v", w.Header())
	}
	if strings.Contains(w.Body.String(), "request_id") {
		t.Fatalf("empty request id rendered: %s", w.Body)
	}
}

func BenchmarkWrite(b *testing.B) {
	p := New(404, "route_not_found", "No route matches the request.")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		Write(w, "abcdefghijklmnop-1", p)
	}
}

func TestWriteExtensions(t *testing.T) {
	rec := httptest.NewRecorder()
	p := New(http.StatusBadRequest, "invalid_request", "The request does not match the API's contract.").
		WithExtension("errors", []map[string]string{{"in": "query", "field": "<q>"}})
	Write(rec, "req-1", p)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("not JSON: %v: %s", err, rec.Body)
	}
	errs, ok := body["errors"].([]any)
	if !ok || len(errs) != 1 {
		t.Fatalf("errors member = %v", body["errors"])
	}
	if strings.Contains(rec.Body.String(), "<q>") {
		t.Fatalf("markup not escaped: %s", rec.Body)
	}
}
