package openapi

import (
	"net/http"
	"testing"
)

func BenchmarkValidate(b *testing.B) {
	v30 := newTestValidator(b, "validate30.yaml", ValidatorOptions{Strict: true})
	v31 := newTestValidator(b, "validate31.yaml", ValidatorOptions{Strict: true})
	js := http.Header{"Content-Type": {"application/json"}}
	pet := []byte(`{"name":"Rex","kind":"dog","age":3,"email":"a@b.co","owner":{"id":"` + testUUID + `"}}`)
	user := []byte(`{"name":"a","nickname":null,"age":1,"tags":["x"]}`)
	event := []byte(`{"kind":"login","at":"2024-01-01T00:00:00Z","point":[1,2]}`)
	trace := http.Header{"X-Trace": {testUUID}}
	benches := []struct {
		name                string
		v                   *Validator
		method, path, query string
		h                   http.Header
		body                []byte
	}{
		{"get-query-3.0", v30, "GET", "/v1/pets", "limit=5&status=sold&q=ab&tags=1,2", trace, nil},
		{"post-json-3.0", v30, "POST", "/v1/pets", "", js, pet},
		{"post-json-3.1", v31, "POST", "/api/v2/users", "", js, user},
		{"post-json-3.1-2020-keywords", v31, "POST", "/api/v2/events", "", js, event},
		{"strict-404", v30, "GET", "/v1/nothing/here", "", nil, nil},
	}
	for _, bc := range benches {
		b.Run(bc.name, func(b *testing.B) {
			if r := bc.v.Validate(bc.method, bc.path, bc.query, bc.h, bc.body); r.Status != 0 && bc.name != "strict-404" {
				b.Fatalf("not valid: %+v", r)
			}
			b.ReportAllocs()
			for b.Loop() {
				bc.v.Validate(bc.method, bc.path, bc.query, bc.h, bc.body)
			}
		})
	}
}
