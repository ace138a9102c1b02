package h1serve

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkServe serves a precomputed 1 KiB JSON answer over a real loopback
// connection, one request after the other on a kept connection, with
// http.Server and with h1serve. The client side (a raw request write and
// http.ReadResponse) is the same for both and counted in both.
func BenchmarkServe(b *testing.B) {
	payload := bytes.Repeat([]byte(`{"k":"v"},`), 102)
	cl := strconv.Itoa(len(payload))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", cl)
		w.Write(payload)
	})
	quiet := log.New(io.Discard, "", 0)
	servers := []struct {
		name string
		new  func() benchServer
	}{
		{"net-http", func() benchServer { return &http.Server{Handler: h, ErrorLog: quiet} }},
		{"h1serve", func() benchServer { return &Server{Handler: h, ErrorLog: quiet} }},
		// Bulwark's defaults: every request moves the read deadline three times.
		{"net-http-timeouts", func() benchServer {
			return &http.Server{Handler: h, ErrorLog: quiet, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
		}},
		{"h1serve-timeouts", func() benchServer {
			return &Server{Handler: h, ErrorLog: quiet, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
		}},
	}
	req := []byte("GET /items/42 HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: bench\r\nAccept: application/json\r\n\r\n")
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := s.new()
			go srv.Serve(ln)
			defer srv.Close()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
			// CPU of the whole process (server and client) per request: on a
			// busy machine a steadier figure than the round trip's wall time.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

type benchServer interface {
	Serve(net.Listener) error
	Close() error
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
