package hygiene

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// hygieneServer runs the checks of this package the way the gateway does and
// answers "OK <client ip> <body bytes>" when they all pass.
func hygieneServer(t *testing.T, l Limits, trusted *Trusted) *httptest.Server {
	t.Helper()
	ids, err := NewIDs()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, peerTrusted := ClientIP(r.RemoteAddr, r.Header, trusted)
		id := RequestID(ids, r.Header, peerTrusted)
		if p := CheckHeaders(r, &l); p != nil {
			httperr.Write(w, id, p)
			return
		}
		if p := PrepareBody(w, r, &l); p != nil {
			httperr.Write(w, id, p)
			return
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			httperr.Write(w, id, httperr.BodyRead(err))
			return
		}
		w.Header().Set("X-Request-Id", id)
		fmt.Fprintf(w, "OK %s %d", client, n)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// exchange sends raw bytes on a fresh connection and reads one response.
func exchange(t *testing.T, srv *httptest.Server, raw string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A safety net so a broken server cannot hang the suite; not an assertion.
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// problemCode returns the "code" of a problem JSON body, or "" for any other body.
func problemCode(resp *http.Response, body string) string {
	if resp.Header.Get("Content-Type") != "application/problem+json" {
		return ""
	}
	var p struct {
		Code string `json:"code"`
	}
	if json.Unmarshal([]byte(body), &p) != nil {
		return ""
	}
	return p.Code
}

func TestEndToEndHygiene(t *testing.T) {
	l := DefaultLimits()
	l.MaxBodyBytes = 1000
	l.JSONMaxDepth = 4
	srv := hygieneServer(t, l, nil)
	many := strings.Repeat("X-Filler: 1\r\n", 120)
	big := "X-Big: " + strings.Repeat("a", 20<<10) + "\r\n"
	deep := strings.Repeat("[", 5) + strings.Repeat("]", 5)
	tests := []struct {
		name   string
		raw    string
		status int
		code   string // problem code; "" = plain response from Go or the handler
		body   string // prefix of the body when code is ""
	}{
		{"ok get", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, "", "OK 127.0.0.1 0"},
		{"ok json", post("application/json", `{"a":[1,2,{"b":null}]}`), 200, "", "OK 127.0.0.1 22"},
		{"oversized headers", "GET / HTTP/1.1\r\nHost: x\r\n" + big + "\r\n", 431, "headers_too_large", ""},
		{"too many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + many + "\r\n", 431, "too_many_headers", ""},
		{"body too large by length", post("text/plain", strings.Repeat("a", 1001)), 413, "body_too_large", ""},
		{"body too large chunked", chunked("text/plain", strings.Repeat("a", 1001)), 413, "body_too_large", ""},
		{"json too large chunked", chunked("application/json", `"`+strings.Repeat("a", 1001)+`"`), 413, "body_too_large", ""},
		{"chunked ok", chunked("text/plain", "hello"), 200, "", "OK 127.0.0.1 5"},
		{"json too deep", post("application/json", deep), 400, "json_too_deep", ""},
		{"json invalid", post("application/json", `{"a":}`), 400, "json_invalid", ""},
		{"problem json too deep", post("application/problem+json", deep), 400, "json_too_deep", ""},
		{"wrong type", post("application/xml", "<a/>"), 415, "unsupported_media_type", ""},
		{"missing type", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", 415, "unsupported_media_type", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := exchange(t, srv, tt.raw)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %q", resp.StatusCode, tt.status, body)
			}
			if got := problemCode(resp, body); got != tt.code {
				t.Fatalf("code = %q, want %q; body %q", got, tt.code, body)
			}
			if tt.code == "" && !strings.HasPrefix(body, tt.body) {
				t.Fatalf("body = %q, want prefix %q", body, tt.body)
			}
		})
	}
}

func post(contentType, body string) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
		contentType, len(body), body)
}

func chunked(contentType, body string) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n",
		contentType, len(body), body)
}

// readTwo reads two pipelined responses from conn and returns their statuses.
func readTwo(t *testing.T, conn net.Conn) (int, int) {
	t.Helper()
	br := bufio.NewReader(conn)
	var codes [2]int
	for i := range codes {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes[i] = resp.StatusCode
	}
	return codes[0], codes[1]
}
