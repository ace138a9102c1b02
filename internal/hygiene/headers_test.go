package hygiene

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckHeaders(t *testing.T) {
	l := Limits{MaxHeaderBytes: 200, MaxHeaderCount: 4}
	tests := []struct {
		name   string
		header http.Header
		te     []string
		want   string // problem code, "" = ok
	}{
		{"ok", http.Header{"Accept": {"*/*"}}, nil, ""},
		{"size", http.Header{"X-Big": {strings.Repeat("a", 200)}}, nil, "headers_too_large"},
		{"count", http.Header{"A": {"1", "2"}, "B": {"3", "4"}}, nil, "too_many_headers"},
		{"size wins over count", http.Header{"A": {strings.Repeat("a", 200), "2", "3", "4"}}, nil, "headers_too_large"},
		{"NUL", http.Header{"X-A": {"a\x00b"}}, nil, "bad_header"},
		{"CR", http.Header{"X-A": {"a\rb"}}, nil, "bad_header"},
		{"LF", http.Header{"X-A": {"a\nb"}}, nil, "bad_header"},
		{"tab allowed", http.Header{"X-A": {"a\tb"}}, nil, ""},
		{"CL and chunked", http.Header{"Content-Length": {"5"}}, []string{"chunked"}, "bad_framing"},
		{"CL and TE header", http.Header{"Content-Length": {"5"}, "Transfer-Encoding": {"chunked"}}, nil, "bad_framing"},
		{"differing CL", http.Header{"Content-Length": {"5", "6"}}, nil, "bad_framing"},
		{"identical CL", http.Header{"Content-Length": {"5", " 5"}}, nil, ""},
		{"CL list", http.Header{"Content-Length": {"5, 5"}}, nil, "bad_framing"},
		{"CL negative", http.Header{"Content-Length": {"-1"}}, nil, "bad_framing"},
		{"TE gzip", nil, []string{"gzip"}, "bad_framing"},
		{"TE two codings", nil, []string{"gzip", "chunked"}, "bad_framing"},
		{"TE header list", http.Header{"Transfer-Encoding": {"gzip, chunked"}}, nil, "bad_framing"},
		{"TE header twice", http.Header{"Transfer-Encoding": {"chunked", "chunked"}}, nil, "bad_framing"},
		{"chunked", nil, []string{"chunked"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Header = tt.header
			if r.Header == nil {
				r.Header = http.Header{}
			}
			r.TransferEncoding = tt.te
			p := CheckHeaders(r, &l)
			if got := codeOf(p); got != tt.want {
				t.Fatalf("code = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckHeadersCountsHostAndRequestLine(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/"+strings.Repeat("p", 100), nil)
	r.Header = http.Header{}
	base := len("GET /") + 100 + len(" HTTP/1.1\r\n") + len("Host: example.com\r\n")
	tests := []struct {
		name  string
		limit int
		want  string
	}{
		{"exactly at limit", base, ""},
		{"one below", base - 1, "headers_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Limits{MaxHeaderBytes: tt.limit, MaxHeaderCount: 1}
			if got := codeOf(CheckHeaders(r, &l)); got != tt.want {
				t.Fatalf("code = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckHeadersNilLimitsAreDefaults(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-Big", strings.Repeat("a", DefaultMaxHeaderBytes))
	if got := codeOf(CheckHeaders(r, nil)); got != "headers_too_large" {
		t.Fatalf("code = %q", got)
	}
}

func TestCheckMethod(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		allowed []string
		allow   string // Allow header when refused
	}{
		{"allowed", "GET", []string{"GET", "HEAD"}, ""},
		{"refused", "POST", []string{"GET", "HEAD"}, "GET, HEAD"},
		{"case sensitive", "get", []string{"GET"}, "GET"},
		{"empty list refuses", "GET", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := CheckMethod(tt.method, tt.allowed)
			if tt.name == "allowed" {
				if p != nil {
					t.Fatalf("refused: %v", p)
				}
				return
			}
			if p == nil || p.Status != http.StatusMethodNotAllowed || p.Code != "method_not_allowed" {
				t.Fatalf("problem = %+v", p)
			}
			if got := p.Header.Get("Allow"); got != tt.allow {
				t.Fatalf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestHasCtl(t *testing.T) {
	long := strings.Repeat("a", 700)
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", false}, {"plain value", false}, {"tab\tok", false}, {long, false},
		{"a\rb", true}, {"a\nb", true}, {"a\x00b", true}, {"\n", true},
		{long + "\r", true}, {"\x00" + long, true}, {long[:350] + "\n" + long[:350], true},
	} {
		if got := hasCtl(tc.s); got != tc.want {
			t.Errorf("hasCtl(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func BenchmarkHasCtl(b *testing.B) {
	s := "Bearer " + strings.Repeat("eyJhbGciOiJSUzI1NiJ9", 30)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if hasCtl(s) {
			b.Fatal("ctl")
		}
	}
}
