package hygiene

import (
	"net/http"
	"reflect"
	"testing"
)

func TestStripOverrides(t *testing.T) {
	tests := []struct {
		name string
		keep []string
		in   http.Header
		want http.Header
	}{
		{"all stripped", nil, http.Header{
			"X-Http-Method-Override": {"DELETE"}, "X-Http-Method": {"PUT"}, "X-Method-Override": {"PATCH"},
			"X-Original-Url": {"/admin"}, "X-Rewrite-Url": {"/admin"}, "X-Original-Uri": {"/admin"},
			"X-Original-Method": {"DELETE"}, "X-Envoy-Original-Path": {"/admin"}, "Accept": {"*/*"},
		}, http.Header{"Accept": {"*/*"}}},
		{"other spellings stripped", nil, http.Header{
			"X_HTTP_Method_Override": {"DELETE"}, "x-original-url": {"/admin"}, "X.Rewrite.URL": {"/admin"},
		}, http.Header{}},
		{"kept name stays, its other spellings do not", []string{"X-Http-Method-Override"}, http.Header{
			"X-Http-Method-Override": {"DELETE"}, "X_Http_Method_Override": {"PUT"}, "X-Original-Url": {"/admin"},
		}, http.Header{"X-Http-Method-Override": {"DELETE"}}},
		{"lookalikes kept", nil, http.Header{"X-Http-Method-Overrides": {"1"}, "X-Original": {"1"}, "X-Method": {"1"}},
			http.Header{"X-Http-Method-Overrides": {"1"}, "X-Original": {"1"}, "X-Method": {"1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.in.Clone()
			StripOverrides(h, tc.keep)
			if !reflect.DeepEqual(h, tc.want) {
				t.Fatalf("after = %v, want %v", h, tc.want)
			}
		})
	}
}

// BenchmarkStripOverrides: a typical request, nothing to strip, no allocation.
func BenchmarkStripOverrides(b *testing.B) {
	h := http.Header{
		"Accept": {"application/json"}, "Accept-Encoding": {"gzip, br"}, "Authorization": {"Bearer abc"},
		"Content-Type": {"application/json"}, "Content-Length": {"120"}, "User-Agent": {"bench/1.0"},
	}
	b.ReportAllocs()
	for b.Loop() {
		StripOverrides(h, nil)
	}
}
