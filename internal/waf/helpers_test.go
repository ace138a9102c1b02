package waf

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// wafs caches one WAF per configuration for the test binary: building CRS is the slow part.
var wafs = struct {
	sync.Mutex
	m map[string]*WAF
}{m: map[string]*WAF{}}

func testWAF(tb testing.TB, c Config) *WAF {
	tb.Helper()
	key := fmt.Sprintf("%+v", c)
	wafs.Lock()
	defer wafs.Unlock()
	if w, ok := wafs.m[key]; ok {
		return w
	}
	w, err := New(c)
	if err != nil {
		tb.Fatalf("New(%+v): %v", c, err)
	}
	wafs.m[key] = w
	return w
}

// req builds a request the way net/http's server hands it over: RequestURI as sent,
// Content-Length header for a body, a client and a local address.
func req(method, target, ctype string, body []byte) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "203.0.113.7:51234"
	local := &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 8443}
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Accept-Language", "en-GB,en;q=0.8")
	if body != nil {
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.ContentLength = int64(len(body))
	}
	return r
}

// multipartBody builds a multipart/form-data body with the given fields and one file.
func multipartBody(tb testing.TB, fields map[string]string, file string) ([]byte, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range []string{"name", "comment"} {
		if v, ok := fields[k]; ok {
			if err := mw.WriteField(k, v); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if file != "" {
		fw, err := mw.CreateFormFile("upload", "notes.txt")
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := fw.Write([]byte(file)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func hasFamily(ids []int, family int) bool {
	for _, id := range ids {
		if id/1000 == family {
			return true
		}
	}
	return false
}

func hasRule(ids []int, want int) bool {
	for _, id := range ids {
		if id == want {
			return true
		}
	}
	return false
}
