package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sseUpstream streams n events, one every gap.
func sseUpstream(t *testing.T, n int, gap time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(gap):
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// readEvents reads the stream's data lines until it ends, sending each on got.
func readEvents(resp *http.Response, got chan<- string) {
	defer close(got)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			got <- d
		}
	}
}

// TestSIGTERMDrainsAnSSEStream: a stream open when SIGTERM arrives runs to its
// end within the grace period, then the process exits cleanly; one longer than
// the grace period is cut when it runs out.
func TestSIGTERMDrainsAnSSEStream(t *testing.T) {
	for _, c := range []struct {
		name   string
		grace  string
		events int
		want   string // events the client must see ("" = not all)
	}{
		{"within grace", "10s", 10, "1,2,3,4,5,6,7,8,9,10"},
		{"past grace", "1s", 100, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			up := sseUpstream(t, c.events, 150*time.Millisecond)
			dir := t.TempDir()
			cfg := strings.Replace(baseConfig(up.URL, ""), "shutdown_grace: 10s", "shutdown_grace: "+c.grace, 1)
			p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg))
			resp, err := http.Get(p.url("/events"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got := make(chan string, 128)
			go readEvents(resp, got)
			if first := <-got; first != "1" {
				t.Fatalf("first event %q", first)
			}
			start := time.Now()
			if err := p.stop(syscall.SIGTERM); err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
			}
			took := time.Since(start)
			seen := []string{"1"}
			for d := range got {
				seen = append(seen, d)
			}
			t.Logf("exit %v after SIGTERM; the client saw %d of %d events", took.Round(time.Millisecond), len(seen), c.events)
			if c.want != "" && strings.Join(seen, ",") != c.want {
				t.Fatalf("the stream was cut: saw %v", seen)
			}
			if c.want == "" && len(seen) == c.events {
				t.Fatal("a stream longer than the grace period ran to its end")
			}
		})
	}
}
