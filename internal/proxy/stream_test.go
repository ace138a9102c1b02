package proxy

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// streamBackend writes first, flushes, and writes rest only after release is
// closed: a client that sees first before release proves nothing buffers.
func streamBackend(t *testing.T, contentType, first, rest string, release <-chan struct{}) string {
	t.Helper()
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, first)
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, rest)
	})
	return s.URL
}

func TestStreamingUnbuffered(t *testing.T) {
	tests := []struct {
		name, contentType, first, rest string
	}{
		{"server-sent events", "text/event-stream", "data: one\n\n", "data: two\n\n"},
		{"chunked", "text/plain", "first line\n", "second line\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			target := streamBackend(t, tc.contentType, tc.first, tc.rest, release)
			up := newUpstream(t, Config{Targets: []string{target}, RequestTimeout: time.Minute})
			f := newFront(t, up, frontOpts{})
			// The deadline is a safety net against a hang, not a speed assertion.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/stream", nil)
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.ContentLength != -1 {
				t.Errorf("ContentLength = %d, want streamed", resp.ContentLength)
			}
			br := bufio.NewReader(resp.Body)
			got := make([]byte, len(tc.first))
			if _, err := io.ReadFull(br, got); err != nil || string(got) != tc.first {
				t.Fatalf("first part = %q, %v", got, err)
			}
			close(release) // only now may the upstream finish
			rest, err := io.ReadAll(br)
			if err != nil || string(rest) != tc.rest {
				t.Fatalf("rest = %q, %v", rest, err)
			}
		})
	}
}

func TestWebSocketPassThrough(t *testing.T) {
	upgrader := websocket.Upgrader{}
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, append([]byte("echo:"), msg...)); err != nil {
				return
			}
		}
	})
	// A 1ns RequestTimeout fails any request it applies to: the upgrade must
	// be exempt while a plain request through the same upstream times out.
	up := newUpstream(t, Config{Targets: []string{s.URL}, RequestTimeout: time.Nanosecond})
	f := newFront(t, up, frontOpts{})
	wsURL := "ws" + strings.TrimPrefix(f.URL, "http") + "/ws"
	c, resp, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatalf("dial: %v (resp %v)", err, resp)
	}
	defer c.Close()
	for _, msg := range []string{"hello", "bulwark"} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.ReadMessage()
		if err != nil || string(got) != "echo:"+msg {
			t.Fatalf("echo = %q, %v", got, err)
		}
	}
	_ = c.Close()
	if o := f.outcome(t); o.Status != http.StatusSwitchingProtocols || o.Code != "" {
		t.Errorf("outcome = %+v", o)
	}
	readProblem(t, get(t, f.Client(), f.URL+"/plain"), http.StatusGatewayTimeout, "upstream_timeout")
}

func TestBrokenStreamAborted(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close() // die mid-body
		}
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	resp := get(t, f.Client(), f.URL+"/")
	_, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Error("truncated body presented as complete")
	}
	if o := f.outcome(t); o.Err != ErrStreamAborted || o.Status != http.StatusOK {
		t.Errorf("outcome = %+v", o)
	}
}
