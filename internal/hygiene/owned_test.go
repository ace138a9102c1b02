package hygiene

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func testOwned() *Owned {
	return NewOwned([]string{"X-Bulwark-Subject", "X-Bulwark-Roles", "X-User"}, []string{"Authorization", "X-API-Key"})
}

func TestOwnedClean(t *testing.T) {
	tests := []struct {
		name string
		in   http.Header
		want http.Header // after Clean; nil when refused
	}{
		{"canonical owned", http.Header{"X-Bulwark-Subject": {"alice"}, "Accept": {"*/*"}}, http.Header{"Accept": {"*/*"}}},
		{"underscores", http.Header{"X_bulwark_subject": {"alice"}, "X_Bulwark_Roles": {"admin"}}, http.Header{}},
		{"dots and tildes", http.Header{"X.Bulwark.Subject": {"a"}, "X~Bulwark~Subject": {"b"}, "X*bulwark*subject": {"c"}}, http.Header{}},
		{"lower case map key", http.Header{"x-bulwark-subject": {"alice"}}, http.Header{}},
		{"configured name", http.Header{"X_User": {"alice"}, "X-User": {"bob"}}, http.Header{}},
		{"gateway namespace", http.Header{"X-Bulwark-Tenant": {"t1"}, "X_Bulwark_Anything": {"x"}}, http.Header{}},
		{"forwarding family", http.Header{"X-Forwarded-For": {"1.2.3.4"}, "X_Forwarded_Host": {"evil"}, "X-Forwarded-Port": {"1"}, "Forwarded": {"for=1.2.3.4"}}, http.Header{}},
		{"client ip claims", http.Header{"X-Real-Ip": {"1"}, "X_Real_IP": {"1"}, "True-Client-Ip": {"1"}, "Cf-Connecting-Ip": {"1"}, "X-Original-Host": {"h"}}, http.Header{}},
		{"request id", http.Header{"X-Request-Id": {"forged"}, "X_Request_Id": {"forged"}}, http.Header{}},
		{"httpoxy", http.Header{"Proxy": {"http://evil:8080"}}, http.Header{}},
		{"credential variants stripped, canonical kept", http.Header{"Authorization": {"Bearer t"}, "X_Api_Key": {"bwk_x"}, "X-Api_Key": {"k"}, "X-Api-Key": {"k"}, "Authorization-": {"x"}},
			http.Header{"Authorization": {"Bearer t"}, "X-Api-Key": {"k"}, "Authorization-": {"x"}}},
		{"lookalikes kept", http.Header{"X-Bulwark": {"1"}, "X-Users": {"1"}, "X-Forwarded": {"1"}, "X-Requestid": {"1"}, "Proxy-Foo": {"1"}},
			http.Header{"X-Bulwark": {"1"}, "X-Users": {"1"}, "X-Forwarded": {"1"}, "X-Requestid": {"1"}, "Proxy-Foo": {"1"}}},
		{"harmless connection", http.Header{"Connection": {"keep-alive, Upgrade", "TE"}, "X-Hop": {"1"}}, http.Header{"Connection": {"keep-alive, Upgrade", "TE"}, "X-Hop": {"1"}}},
		{"connection names subject", http.Header{"Connection": {"X-Bulwark-Subject"}}, nil},
		{"connection lower case", http.Header{"Connection": {"keep-alive, x-request-id"}}, nil},
		{"connection second header", http.Header{"Connection": {"close", " \tX_Forwarded_For\t"}}, nil},
		{"connection namespace", http.Header{"Connection": {"X-Bulwark-Whatever"}}, nil},
		{"connection forwarded", http.Header{"Connection": {",,Forwarded,"}}, nil},
	}
	o := testOwned()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.in.Clone()
			p := o.Clean(h)
			switch {
			case tc.want == nil && (p == nil || p.Status != http.StatusBadRequest || p.Code != "owned_header_in_connection"):
				t.Fatalf("want 400 owned_header_in_connection, got %v", p)
			case tc.want != nil && p != nil:
				t.Fatalf("refused: %v", p)
			case tc.want != nil && !reflect.DeepEqual(h, tc.want):
				t.Fatalf("after Clean = %v, want %v", h, tc.want)
			}
		})
	}
}

func TestOwnedKeep(t *testing.T) {
	got := testOwned().Keep()
	want := []string{"X-Request-Id", "X-Bulwark-Subject", "X-Bulwark-Roles", "X-User"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Keep = %v, want %v", got, want)
	}
}

// BenchmarkOwnedClean is the per-request strip of owned headers on a typical
// request (nothing to strip) and on a hostile one: both allocate nothing.
func BenchmarkOwnedClean(b *testing.B) {
	typical := http.Header{
		"Accept": {"application/json"}, "Accept-Encoding": {"gzip, br"}, "Authorization": {"Bearer abc"},
		"Content-Type": {"application/json"}, "Content-Length": {"120"}, "User-Agent": {"bench/1.0"},
		"Connection": {"keep-alive"}, "Cookie": {"a=b"}, "X-Trace": {"1"},
	}
	hostile := http.Header{"X_Bulwark_Subject": {"alice"}, "X-Forwarded-For": {"1.2.3.4"}, "X-Api_Key": {"k"}}
	o := NewOwned([]string{"X-Bulwark-Subject", "X-Bulwark-Consumer", "X-Bulwark-Scopes", "X-Bulwark-Roles", "X-Bulwark-Auth-Method"},
		[]string{"Authorization", "X-API-Key"})
	for _, bc := range []struct {
		name string
		h    http.Header
	}{{"typical", typical}, {"hostile", hostile}} {
		b.Run(bc.name, func(b *testing.B) {
			h := bc.h.Clone()
			b.ReportAllocs()
			for b.Loop() {
				if len(h) != len(bc.h) { // refill what the last round stripped
					for k, v := range bc.h {
						h[k] = v
					}
				}
				if p := o.Clean(h); p != nil {
					b.Fatal(p)
				}
			}
		})
	}
}

// FuzzOwnedClean: whatever names and Connection lists a client sends, after
// Clean no header that normalises to an owned name is left, and a request whose
// Connection names one is refused.
func FuzzOwnedClean(f *testing.F) {
	for _, s := range [][2]string{{"X-Bulwark-Subject", ""}, {"x_bulwark_roles", "keep-alive"}, {"X.Request.Id", "X-Request-Id"},
		{"X-Forwarded-For", "close, x_forwarded_for"}, {"X-Api_Key", ""}, {"Proxy", "TE"}} {
		f.Add(s[0], s[1])
	}
	o := testOwned()
	f.Fuzz(func(t *testing.T, name, connection string) {
		h := http.Header{name: {"v"}, "Connection": {connection}}
		p := o.Clean(h)
		named := false
		for _, tok := range strings.Split(connection, ",") {
			named = named || o.owned(strings.Trim(tok, " \t"))
		}
		if named != (p != nil) {
			t.Fatalf("Connection %q: refused %v, names an owned header %v", connection, p != nil, named)
		}
		if p != nil {
			return
		}
		for k := range h {
			n := normalName(k)
			if slices.Contains(o.exact, n) || (o.maybe(k) && o.variant(k)) ||
				strings.HasPrefix(n, "x-bulwark-") && len(n) > len("x-bulwark-") || strings.HasPrefix(n, "x-forwarded-") && len(n) > len("x-forwarded-") {
				t.Fatalf("%q left after Clean", k)
			}
		}
	})
}
