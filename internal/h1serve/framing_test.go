package h1serve

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/hygiene"
)

// TestFramingListenerInFront runs h1serve behind hygiene's framing listener,
// as internal/server does: a request with Content-Length and
// Transfer-Encoding pipelined after a good one is refused with the
// listener's 400 after the good one's answer, also when the disconnect
// watcher reads ahead while the first handler runs.
func TestFramingListenerInFront(t *testing.T) {
	for _, delay := range []time.Duration{-1, 0} {
		t.Run(delay.String(), func(t *testing.T) {
			ran := make(chan string, 4)
			s := &Server{DisconnectCheckDelay: delay, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ran <- r.URL.Path
				if r.URL.Path == "/first" {
					time.Sleep(20 * time.Millisecond) // gives the watcher a chance to read ahead; not asserted
				}
				io.WriteString(w, "ok "+r.URL.Path)
			})}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go s.Serve(hygiene.NewFramingListener(ln, 0))
			t.Cleanup(func() { s.Close() })
			c, br := dial(t, ln.Addr().String())
			io.WriteString(c, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"+
				"POST /smuggle HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(b) != "ok /first" {
				t.Fatalf("first answer %d %q", resp.StatusCode, b)
			}
			resp, err = http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(resp.Body)
			if resp.StatusCode != 400 || !strings.Contains(string(b), "bad_framing") {
				t.Errorf("second answer %d %q, want the framing listener's 400", resp.StatusCode, b)
			}
			if !closed(c, br) {
				t.Error("the connection stayed open after the refusal")
			}
			close(ran)
			var paths []string
			for p := range ran {
				paths = append(paths, p)
			}
			if len(paths) != 1 {
				t.Errorf("handler ran for %v, want /first only", paths)
			}
		})
	}
}
