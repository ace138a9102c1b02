package proxy

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

func TestOutboundHeader(t *testing.T) {
	fwd := Forwarded{ClientIP: "203.0.113.7", Proto: "https", Host: "api.example"}
	wantFwd := http.Header{"X-Forwarded-For": {"203.0.113.7"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"api.example"}}
	with := func(extra http.Header) http.Header {
		h := http.Header{"User-Agent": {"client/1"}}
		for k, v := range wantFwd {
			h[k] = v
		}
		for k, v := range extra {
			if v == nil {
				delete(h, k)
				continue
			}
			h[k] = v
		}
		return h
	}
	tests := []struct {
		name   string
		in     http.Header
		keep   []string
		upType string
		want   http.Header
	}{
		{
			name: "end-to-end fields pass, values shared",
			in:   http.Header{"User-Agent": {"client/1"}, "Accept": {"a", "b"}},
			want: with(http.Header{"Accept": {"a", "b"}}),
		},
		{
			name: "hop-by-hop fields dropped",
			in: http.Header{"User-Agent": {"client/1"}, "Connection": {"keep-alive"}, "Proxy-Connection": {"x"},
				"Keep-Alive": {"timeout=5"}, "Proxy-Authorization": {"Basic eA=="}, "Proxy-Authenticate": {"x"},
				"Te": {"gzip"}, "Trailer": {"X-T"}, "Transfer-Encoding": {"chunked"}, "Upgrade": {"websocket"}},
			want: with(nil),
		},
		{
			name: "Connection-listed fields dropped, any case and spacing, several headers",
			in: http.Header{"User-Agent": {"client/1"}, "Connection": {"x-one ,X-TWO", " x-three"},
				"X-One": {"1"}, "X-Two": {"2"}, "X-Three": {"3"}, "X-Four": {"4"}},
			want: with(http.Header{"X-Four": {"4"}}),
		},
		{
			name: "Te: trailers survives",
			in:   http.Header{"User-Agent": {"client/1"}, "Te": {"gzip, trailers"}},
			want: with(http.Header{"Te": {"trailers"}}),
		},
		{
			name: "client forwarding headers replaced, every spelling",
			in: http.Header{"User-Agent": {"client/1"}, "X-Forwarded-For": {"6.6.6.6"}, "x-forwarded-for": {"7.7.7.7"},
				"Forwarded": {"for=6.6.6.6"}, "X-Real-Ip": {"6.6.6.6"}, "X-Forwarded-Prefix": {"/admin"}, "True-Client-Ip": {"1"}},
			want: with(nil),
		},
		{
			name: "kept fields survive a Connection list and other spellings are dropped",
			in: http.Header{"User-Agent": {"client/1"}, "Connection": {"X-Bulwark-Subject, X-Request-Id"},
				"X-Bulwark-Subject": {"alice"}, "x-bulwark-subject": {"root"}, "X-Request-Id": {"rid-1"}},
			keep: []string{"X-Bulwark-Subject", "X-Request-Id", "X-Bulwark-Scopes"},
			want: with(http.Header{"X-Bulwark-Subject": {"alice"}, "X-Request-Id": {"rid-1"}}),
		},
		{
			name: "kept field the gateway did not set is absent, a client copy too",
			in:   http.Header{"User-Agent": {"client/1"}, "x-bulwark-scopes": {"admin"}},
			keep: []string{"X-Bulwark-Scopes"},
			want: with(nil),
		},
		{
			name: "no User-Agent sent as empty (not Go's)",
			in:   http.Header{},
			want: with(http.Header{"User-Agent": {""}}),
		},
		{
			name:   "upgrade gets its Connection and Upgrade back",
			in:     http.Header{"User-Agent": {"client/1"}, "Connection": {"Upgrade, X-Hop"}, "Upgrade": {"websocket"}, "X-Hop": {"1"}},
			upType: "websocket",
			want:   with(http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}),
		},
	}
	// A pooled map that carried an earlier request's fields: none may remain.
	used := http.Header{"X-Bulwark-Subject": {"mallory"}, "Authorization": {"Bearer earlier"}, "X-Earlier": {"1"}}
	for _, tc := range tests {
		for _, pooled := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/pooled=%v", tc.name, pooled), func(t *testing.T) {
				var vals [3]string
				var dst http.Header
				if pooled {
					ex := &exchange{hdr: used}
					ex.reset() // as putExchange does: the map is kept, cleared
					dst = ex.hdr
				}
				got := outboundHeader(tc.in, fwd, tc.keep, tc.upType, &vals, dst)
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got  %v\nwant %v", got, tc.want)
				}
				if len(tc.in["Accept"]) > 0 && &got["Accept"][0] != &tc.in["Accept"][0] {
					t.Error("values were copied")
				}
				if pooled {
					used = got
					used["X-Earlier"] = []string{"1"}
				}
			})
		}
	}
}

func TestRemoveHopByHop(t *testing.T) {
	h := http.Header{"Connection": {"X-Resp-Hop, close"}, "X-Resp-Hop": {"secret"}, "Keep-Alive": {"timeout=5"},
		"Upgrade": {"h2c"}, "Trailer": {"X-T"}, "Content-Type": {"text/plain"}}
	removeHopByHop(h)
	if want := (http.Header{"Content-Type": {"text/plain"}}); !reflect.DeepEqual(h, want) {
		t.Fatalf("got %v, want %v", h, want)
	}
}

func TestCopyHeader(t *testing.T) {
	dst := http.Header{"Ratelimit": {"gateway"}}
	copyHeader(dst, http.Header{"Ratelimit": {"upstream"}, "x-lower": {"v"}, "Content-Type": {"a/b"}})
	want := http.Header{"Ratelimit": {"gateway", "upstream"}, "X-Lower": {"v"}, "Content-Type": {"a/b"}}
	if !reflect.DeepEqual(dst, want) {
		t.Fatalf("got %v, want %v", dst, want)
	}
}

func TestCleanQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a=1&b=%20x", "a=1&b=%20x"},
		{"a=1;b=2&c=3", "c=3"},   // a semicolon: the parameter is dropped
		{"a=%zz&c=3", "c=3"},     // a broken escape
		{"c=3&a=%4", "c=3"},      // an escape cut short at the end
		{"z=1&a=2;x", "z=1"},     // re-encoded: sorted, the bad one gone
		{"a=%41%42", "a=%41%42"}, // kept as sent
		{"x", "x"},               // a key without a value passes
		{"b=2&a=1", "b=2&a=1"},   // order kept when nothing is wrong
		{"k=%e2%82%ac", "k=%e2%82%ac"},
	}
	for _, tc := range tests {
		if got := cleanQuery(tc.in); got != tc.want {
			t.Errorf("cleanQuery(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsEventStream(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/event-stream": true, "Text/Event-Stream; charset=utf-8": true, " text/event-stream ;x": true,
		"text/plain": false, "": false, "text/event-streams": false,
	} {
		if got := isEventStream(ct); got != want {
			t.Errorf("isEventStream(%q) = %v", ct, got)
		}
	}
}
