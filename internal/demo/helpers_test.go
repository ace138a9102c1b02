package demo

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newServer starts a fresh shop behind a real httptest.Server.
func newServer(t *testing.T) (*Shop, *httptest.Server) {
	t.Helper()
	shop, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(shop.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := shop.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return shop, srv
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body into v, failing the test on bad JSON.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.body)
	}
}

// call sends one request; body, if not nil, is sent as JSON. headers are
// name, value pairs.
func call(t *testing.T, srv *httptest.Server, method, path string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// login logs in and returns the session token.
func login(t *testing.T, srv *httptest.Server, username, password string) string {
	t.Helper()
	resp := call(t, srv, "POST", "/login", map[string]string{"username": username, "password": password})
	if resp.status != http.StatusOK {
		t.Fatalf("login %s: status %d: %s", username, resp.status, resp.body)
	}
	var out struct {
		Token string `json:"token"`
	}
	resp.decode(t, &out)
	if out.Token == "" {
		t.Fatalf("login %s: no token: %s", username, resp.body)
	}
	return out.Token
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }
