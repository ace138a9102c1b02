package openapi

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzValidate feeds random requests to the validators of both test
// documents: nothing may panic, the status must be one Validate documents,
// the errors bounded, and no field error may carry markup or quotes.
func FuzzValidate(f *testing.F) {
	seeds := []struct{ method, path, query, ct, body string }{
		{"GET", "/v1/pets", "limit=5&tags=1,2&filter[color]=red", "", ""},
		{"POST", "/v1/pets", "", "application/json", `{"name":"a","kind":"cat","owner":{"labels":{"<x>":"y"}}}`},
		{"POST", "/v1/orders", "", "application/x-www-form-urlencoded", "sku=a&qty=%zz"},
		{"POST", "/v1/orders", "", "application/json", `{"items":[{"sku":1}],"payment":{"iban":null}}`},
		{"DELETE", "/v1/pets/3", "", "", ""},
		{"GET", "/v1/files/a.b.c", "", "", ""},
		{"PATCH", "/api/v2/users/x", "", "application/merge-patch+json", `{"nickname":[]}`},
		{"POST", "/api/v2/events", "", "application/json", `{"kind":"login","point":[1,2,3]}`},
		{"get", "//v1//pets//", "a=%&b=;", "multipart/form-data; boundary=x", "--x\r\n\r\n--x--"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.ct, []byte(s.body))
	}
	v30 := newTestValidator(f, "validate30.yaml", ValidatorOptions{Strict: true, RejectUnknownQuery: true})
	v31 := newTestValidator(f, "validate31.yaml", ValidatorOptions{Strict: true})
	f.Fuzz(func(t *testing.T, method, path, query, ct string, body []byte) {
		h := http.Header{"Content-Type": {ct}, "Cookie": {query}, "X-Api-Version": {query}}
		for _, v := range []*Validator{v30, v31} {
			r := v.Validate(method, path, query, h, body)
			switch r.Status {
			case 0, 400, 404, 405, 415:
			default:
				t.Fatalf("status %d", r.Status)
			}
			if len(r.Errors) > MaxFieldErrors {
				t.Fatalf("%d errors, bound is %d", len(r.Errors), MaxFieldErrors)
			}
			for _, e := range r.Errors {
				if strings.ContainsAny(e.Field+e.Reason, "<>'\"\\\x00\n") {
					t.Fatalf("error carries unsafe text: %+v", e)
				}
			}
		}
	})
}
