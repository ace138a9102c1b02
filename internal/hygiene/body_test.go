package hygiene

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// onlyReader hides the concrete reader type, so the request has unknown length.
type onlyReader struct{ io.Reader }

func TestPrepareBody(t *testing.T) {
	l := DefaultLimits()
	l.MaxBodyBytes = 100
	l.JSONMaxBytes = 50
	l.JSONMaxDepth = 3
	tests := []struct {
		name    string
		ctype   []string
		body    string
		unknown bool   // send with unknown length (chunked on the wire)
		want    string // problem code, "" = ok
	}{
		{"no body", nil, "", false, ""},
		{"text", []string{"text/plain; charset=utf-8"}, "hello", false, ""},
		{"type case and spaces", []string{" Text/Plain ;q=1"}, "hello", false, ""},
		{"json", []string{"application/json"}, `{"a":[1]}`, false, ""},
		{"vendor json", []string{"application/vnd.api+json"}, `[[[1]]]`, false, ""},
		{"vendor json too deep", []string{"application/vnd.api+json"}, `[[[[1]]]]`, false, "json_too_deep"},
		{"json invalid", []string{"application/json"}, `{"a":1,}`, false, "json_invalid"},
		{"json over json limit", []string{"application/json"}, `"` + strings.Repeat("a", 60) + `"`, false, "body_too_large"},
		{"json unknown length over limit", []string{"application/json"}, `"` + strings.Repeat("a", 60) + `"`, true, "body_too_large"},
		{"json unknown length", []string{"application/json"}, `[1,2]`, true, ""},
		{"over body limit", []string{"text/plain"}, strings.Repeat("a", 101), false, "body_too_large"},
		{"missing type", nil, "hello", false, "unsupported_media_type"},
		{"not allowed type", []string{"application/xml"}, "<a/>", false, "unsupported_media_type"},
		{"malformed type", []string{"text"}, "hello", false, "unsupported_media_type"},
		{"bare suffix", []string{"application/+json"}, "{}", false, "unsupported_media_type"},
		{"two types", []string{"text/plain", "application/json"}, "hello", false, "bad_header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
				if tt.unknown {
					body = onlyReader{body}
				}
			}
			r := httptest.NewRequest(http.MethodPost, "/", body)
			r.Header["Content-Type"] = tt.ctype
			if got := codeOf(PrepareBody(httptest.NewRecorder(), r, &l)); got != tt.want {
				t.Fatalf("code = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPrepareBodyReplaysJSON(t *testing.T) {
	const doc = `{"a":[1,2,{"b":"\u00e9"}]}`
	r := httptest.NewRequest(http.MethodPost, "/", onlyReader{strings.NewReader(doc)})
	r.Header.Set("Content-Type", "application/json")
	if p := PrepareBody(httptest.NewRecorder(), r, nil); p != nil {
		t.Fatal(p)
	}
	if r.ContentLength != int64(len(doc)) || r.GetBody == nil {
		t.Fatalf("ContentLength = %d, GetBody set = %v", r.ContentLength, r.GetBody != nil)
	}
	for i := range 2 {
		rc := r.Body
		if i == 1 {
			var err error
			if rc, err = r.GetBody(); err != nil {
				t.Fatal(err)
			}
		}
		got, err := io.ReadAll(rc)
		if err != nil || string(got) != doc {
			t.Fatalf("read %d = %q, %v", i, got, err)
		}
	}
}

func TestPrepareBodyStreamLimit(t *testing.T) {
	l := DefaultLimits()
	l.MaxBodyBytes = 10
	r := httptest.NewRequest(http.MethodPost, "/", onlyReader{strings.NewReader(strings.Repeat("a", 11))})
	r.Header.Set("Content-Type", "text/plain")
	if p := PrepareBody(httptest.NewRecorder(), r, &l); p != nil {
		t.Fatal(p)
	}
	_, err := io.ReadAll(r.Body)
	if got := codeOf(httperr.BodyRead(err)); got != "body_too_large" {
		t.Fatalf("code = %q (err %v)", got, err)
	}
}

func TestDefaultLimits(t *testing.T) {
	l := DefaultLimits()
	if l.MaxHeaderBytes != 16<<10 || l.MaxHeaderCount != 100 || l.MaxBodyBytes != 10<<20 ||
		l.ReadBodyTimeout != 30*time.Second || l.JSONMaxDepth != 64 || l.JSONMaxBytes != 1<<20 ||
		len(l.ContentTypes) != 5 {
		t.Fatalf("defaults = %+v", l)
	}
}

func TestMatchMediaType(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"application/json", "application/json", true},
		{"application/json", "Application/JSON; charset=utf-8", true},
		{"application/*+json", "application/problem+json", true},
		{"application/*+json", "application/+json", false},
		{"application/*+json", "text/x+json", false},
		{"text/*", "text/csv", true},
		{"*/*", "image/png", true},
		{"text/plain", "text/plainx", false},
		{"bad", "text/plain", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.value, func(t *testing.T) {
			typ, sub, ok := mediaType(tt.value)
			if got := ok && matchMediaType(tt.pattern, typ, sub); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBufferBody(t *testing.T) {
	l := DefaultLimits()
	l.MaxBodyBytes = 16
	cases := []struct {
		name    string
		body    string
		length  int64
		wantErr string
	}{
		{"known length", "a=1&b=2", 7, ""},
		{"chunked", "a=1&b=2", -1, ""},
		{"chunked too large", strings.Repeat("x", 17), -1, "body_too_large"},
		{"declared too large", strings.Repeat("x", 17), 17, "body_too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			r.ContentLength = c.length
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if c.length < 0 {
				r.TransferEncoding = []string{"chunked"}
			}
			b, p := BufferBody(r, &l)
			if c.wantErr != "" {
				if p == nil || p.Code != c.wantErr {
					t.Fatalf("problem = %v, want %s", p, c.wantErr)
				}
				return
			}
			if p != nil || string(b) != c.body {
				t.Fatalf("BufferBody = %q, %v", b, p)
			}
			again, ok := BufferedBody(r)
			if !ok || string(again) != c.body || r.ContentLength != int64(len(c.body)) {
				t.Fatalf("BufferedBody = %q, %v (length %d)", again, ok, r.ContentLength)
			}
			sent, _ := io.ReadAll(r.Body)
			if string(sent) != c.body {
				t.Fatalf("upstream would receive %q", sent)
			}
		})
	}
}

func TestPrepareBodyUniqueKeys(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		unique            bool
		want              string // problem code, "" = ok
		guardable         bool   // UniqueKeyJSON hands the body to a guard
	}{
		{"unchecked duplicate passes", "application/json", `{"a":1,"A":2}`, false, "", false},
		{"checked duplicate refused", "application/json", `{"a":1,"A":2}`, true, "json_duplicate_key", false},
		{"vendor json checked", "application/vnd.api+json", `{"data":{"id":1,"\u0069d":2}}`, true, "json_duplicate_key", false},
		{"checked clean body", "application/json", `{"a":1,"b":{"a":2}}`, true, "", true},
		{"not json", "text/plain", `{"a":1,"a":2}`, true, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := DefaultLimits()
			l.JSONUniqueKeys = tc.unique
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ctype)
			p := PrepareBody(httptest.NewRecorder(), r, &l)
			if codeOf(p) != tc.want {
				t.Fatalf("code %q, want %q", codeOf(p), tc.want)
			}
			if p != nil && (p.Status != 400 || strings.Contains(p.Detail, "2") || !strings.Contains(p.Detail, `"/`)) {
				t.Fatalf("problem %+v", p)
			}
			if b, ok := UniqueKeyJSON(r); ok != tc.guardable || (ok && string(b) != tc.body) {
				t.Fatalf("UniqueKeyJSON = %q %v", b, ok)
			}
		})
	}
	// A rewrite keeps the body guardable, with its new length.
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":1}`))
	r.Header.Set("Content-Length", "7")
	SetUniqueKeyJSON(r, []byte(`{}`))
	if b, ok := UniqueKeyJSON(r); !ok || string(b) != "{}" || r.ContentLength != 2 || r.Header.Get("Content-Length") != "" {
		t.Fatalf("after rewrite: %q %v %d", b, ok, r.ContentLength)
	}
}

// TestJSONIndex: a JSON body PrepareBody validated comes with its one
// index; other bodies, and a body rewritten since, have none.
func TestJSONIndex(t *testing.T) {
	l := DefaultLimits()
	l.JSONUniqueKeys = true
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"user":{"role":"x"}}`))
	r.Header.Set("Content-Type", "application/json")
	if p := PrepareBody(httptest.NewRecorder(), r, &l); p != nil {
		t.Fatal(p)
	}
	ix, ok := JSONIndex(r)
	if !ok || ix.Len() != 3 || string(ix.Key(2)) != "role" || ix.Pointer(2) != "/user/role" {
		t.Fatalf("JSONIndex = %v, %v", ix, ok)
	}
	if buf, _ := UniqueKeyJSON(r); string(buf) != string(ix.Data()) {
		t.Fatalf("index of %q, body %q", ix.Data(), buf)
	}
	SetUniqueKeyJSON(r, []byte(`{"user":{}}`))
	if _, ok := JSONIndex(r); ok {
		t.Fatal("index of the replaced body")
	}
	text := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":1}`))
	text.Header.Set("Content-Type", "text/plain")
	if p := PrepareBody(httptest.NewRecorder(), text, &l); p != nil {
		t.Fatal(p)
	}
	if _, ok := JSONIndex(text); ok {
		t.Fatal("index of a text body")
	}
}
