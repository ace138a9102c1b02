package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestAuditExportSyslogAndOTLP: every event reaches a loopback syslog
// receiver (RFC 5424 over UDP) and an OTLP/HTTP logs receiver.
func TestAuditExportSyslogAndOTLP(t *testing.T) {
	up := upstream(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var otlpBytes, otlpCalls atomic.Int64
	otlp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/v1/logs" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			otlpCalls.Add(1)
			otlpBytes.Add(int64(len(b)))
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer otlp.Close()
	c := strings.Replace(baseConfig(up.URL, ""), "  store: true\n", "  store: true\n  export:\n    syslog: udp://"+pc.LocalAddr().String()+
		"\n    otlp: "+otlp.URL+"/v1/logs\n", 1)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), c))
	var ids []string
	for _, path := range []string{"/users/1", "/nope", "/users/2"} {
		resp, _ := get(t, p.url(path))
		ids = append(ids, resp.Header.Get("X-Request-Id"))
	}
	buf := make([]byte, 64<<10)
	_ = pc.SetReadDeadline(time.Now().Add(20 * time.Second))
	var got []string
	for len(got) < len(ids) {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("syslog: %v after %d messages", err, len(got))
		}
		msg := string(buf[:n])
		if !strings.HasPrefix(msg, "<") || !strings.Contains(msg, ">1 ") || !strings.Contains(msg, " bulwark ") {
			t.Fatalf("not an RFC 5424 message: %q", msg)
		}
		got = append(got, msg)
	}
	all := strings.Join(got, "\n")
	for _, id := range ids {
		if !strings.Contains(all, `"request_id":"`+id+`"`) {
			t.Fatalf("syslog lacks request %s:\n%s", id, all)
		}
	}
	waitFor(t, "an OTLP export", func() bool { return otlpCalls.Load() > 0 && otlpBytes.Load() > 0 })
}
