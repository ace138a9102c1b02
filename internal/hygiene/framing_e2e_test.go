package hygiene

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestEndToEndFraming pins down, on a real socket, who answers each ambiguous
// framing: Go's own server (plain-text 400/501 before any handler runs) or the
// handler's checks. doc.go describes the same table; if Go's behaviour changes,
// this test says so.
func TestEndToEndFraming(t *testing.T) {
	srv := hygieneServer(t, DefaultLimits(), nil)
	tests := []struct {
		name   string
		raw    string
		status int
		body   string // prefix
	}{
		// Go: Transfer-Encoding overrides Content-Length, which it deletes (RFC 9112 §6.3);
		// the handler sees a chunked body only, and the body ends at the last chunk.
		{"CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 200, "OK 127.0.0.1 0"},
		{"TE and CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, "OK 127.0.0.1 3"},
		{"differing CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, "400 Bad Request"},
		{"CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 400, "400 Bad Request"},
		{"signed CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400, "400 Bad Request"},
		// Go collapses identical duplicates into one value.
		{"identical CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 200, "OK 127.0.0.1 5"},
		{"TE gzip chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, "Unsupported transfer encoding"},
		{"TE twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, "Unsupported transfer encoding"},
		{"TE identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 501, "Unsupported transfer encoding"},
		{"TE xchunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501, "Unsupported transfer encoding"},
		// Go ignores Transfer-Encoding on HTTP/1.0 (and deletes it); Content-Length frames the body.
		{"HTTP/1.0 TE and CL", "POST / HTTP/1.0\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", 200, "OK 127.0.0.1 3"},
		{"space before colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, "400 Bad Request"},
		{"NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, "400 Bad Request"},
		{"bare CR in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := exchange(t, srv, tt.raw)
			if resp.StatusCode != tt.status || !strings.HasPrefix(body, tt.body) {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
}

// TestEndToEndSmuggledRequestIsItsOwnRequest sends the classic CL.TE payload:
// Go frames by Transfer-Encoding, so the bytes after the last chunk are parsed as
// a second request that runs every check again, rather than hiding in a body.
func TestEndToEndSmuggledRequestIsItsOwnRequest(t *testing.T) {
	srv := hygieneServer(t, DefaultLimits(), nil)
	smuggled := "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20<<10) + "\r\n\r\n"
	raw := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // safety net only
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	first, second := readTwo(t, conn)
	if first != 200 || second != 431 {
		t.Fatalf("statuses = %d, %d; want 200 then 431 for the second request", first, second)
	}
}
