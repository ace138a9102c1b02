package hygiene

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestEndToEndSlowBody sends the headers and part of the body, then stalls with
// the connection open (slow POST). The read deadline, a functional 300ms timeout,
// ends the wait with 408 "body_timeout".
func TestEndToEndSlowBody(t *testing.T) {
	l := DefaultLimits()
	l.ReadBodyTimeout = 300 * time.Millisecond
	srv := hygieneServer(t, l, nil)
	tests := []struct {
		name        string
		contentType string
	}{
		{"json read by PrepareBody", "application/json"},
		{"text streamed by the handler", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // safety net only
			partial := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: " + tt.contentType +
				"\r\nContent-Length: 100\r\n\r\n[1,2,3"
			if _, err := io.WriteString(conn, partial); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout || problemCode(resp, string(body)) != "body_timeout" {
				t.Fatalf("got %d %q, want 408 body_timeout", resp.StatusCode, body)
			}
		})
	}
}

// TestEndToEndDeadlineLiftedAfterBody checks that a body read in full lifts the
// read deadline: the connection then serves a second request normally.
func TestEndToEndDeadlineLiftedAfterBody(t *testing.T) {
	l := DefaultLimits()
	l.ReadBodyTimeout = 300 * time.Millisecond
	srv := hygieneServer(t, l, nil)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // safety net only
	raw := post("application/json", `{"a":1}`) + chunked("text/plain", "abc")
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	first, second := readTwo(t, conn)
	if first != 200 || second != 200 {
		t.Fatalf("statuses = %d, %d; want 200, 200", first, second)
	}
}
