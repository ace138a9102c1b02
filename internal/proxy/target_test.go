package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestJoinPath(t *testing.T) {
	tests := []struct{ base, p, want string }{
		{"", "/a", "/a"},
		{"", "", "/"},
		{"", "a", "/a"},
		{"/api", "/a", "/api/a"},
		{"/api/", "/a", "/api/a"},
		{"/api", "/", "/api/"},
		{"/api", "", "/api/"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q+%q", tc.base, tc.p), func(t *testing.T) {
			if got := joinPath(tc.base, tc.p); got != tc.want {
				t.Errorf("joinPath = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSpoofable(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"X-Forwarded-For", true},
		{"x-forwarded-proto", true},
		{"X-Forwarded-Anything", true},
		{"Forwarded", true},
		{"X-Real-Ip", true},
		{"x-real-ip", true},
		{"True-Client-Ip", true},
		{"X-Forwardedfor", false},
		{"Authorization", false},
		{"X-Request-Id", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			if got := spoofable(tc.key); got != tc.want {
				t.Errorf("spoofable(%q) = %v", tc.key, got)
			}
		})
	}
}

func TestShortError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"status", statusError(503), "status 503"},
		{"refused", refused, "connection refused"},
		{"dns", &net.DNSError{Err: "no such host", Name: "secret.internal"}, "dns lookup failed"},
		{"timeout", os.ErrDeadlineExceeded, "timeout"},
		{"dial other", &net.OpError{Op: "dial", Err: errors.New("x")}, "connect failed"},
		{"other", errors.New("password=hunter2"), "request failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := shortError(tc.err); got != tc.want {
				t.Errorf("shortError = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBufferPool(t *testing.T) {
	p := newBufferPool()
	b := p.Get()
	if len(b) != copyBufferSize {
		t.Fatalf("len = %d", len(b))
	}
	p.Put(b)
	p.Put(make([]byte, 10)) // foreign size: dropped
	if got := p.Get(); &got[0] != &b[0] {
		t.Error("buffer not reused")
	}
	for range copyBuffersKept + 10 { // overfull: extra buffers are dropped, never block
		p.Put(make([]byte, copyBufferSize))
	}
}

// FuzzSetURL checks that any request path lands under the target's base path
// and that the escaped form sent upstream decodes to the decoded path.
func FuzzSetURL(f *testing.F) {
	for _, s := range []string{"/", "/users/1", "/a%2Fb", "/../etc/passwd", "//x", "/sp ace", "", "a"} {
		f.Add("/api", s)
		f.Add("", s)
	}
	f.Fuzz(func(t *testing.T, base, p string) {
		if base != "" && base[0] != '/' {
			return
		}
		tg, err := newTarget("http://127.0.0.1:1"+base, 0, "")
		if err != nil {
			return
		}
		in := inboundPath{path: p}
		if esc := (&url.URL{Path: p}).EscapedPath(); esc != p {
			in.rawPath = esc
		}
		req := &http.Request{URL: &url.URL{}}
		setURL(req, tg, in)
		if !strings.HasPrefix(req.URL.Path, tg.basePath) {
			t.Fatalf("path %q escapes base %q", req.URL.Path, tg.basePath)
		}
		dec, err := url.PathUnescape(req.URL.EscapedPath())
		if err != nil || dec != req.URL.Path {
			t.Fatalf("escaped %q decodes to %q (%v), want %q", req.URL.EscapedPath(), dec, err, req.URL.Path)
		}
		if req.URL.Host != "127.0.0.1:1" || req.URL.Scheme != "http" {
			t.Fatalf("target changed: %v", req.URL)
		}
	})
}
