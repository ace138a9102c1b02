package audit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/octetcounting"
	"github.com/leodido/go-syslog/v4/rfc5424"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

func exportBatch() []Event {
	return []Event{
		{Time: time.Date(2026, 12, 6, 8, 0, 0, 5000, time.UTC), RequestID: "req-1", API: "shop", Route: "orders", Method: "GET",
			Path: "/orders", ClientIP: "192.0.2.1", Decision: DecisionAllow, Status: 200, LatencyMS: 1.5},
		{Time: time.Date(2026, 12, 6, 8, 0, 1, 0, time.UTC), RequestID: "req-2", Method: "POST", Path: "/x",
			ClientIP: "198.51.100.7", Decision: DecisionDeny, Reason: "rate_limited", Status: 429,
			TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7"},
	}
}

func TestOTLPSinkExportsEveryEvent(t *testing.T) {
	var mu sync.Mutex
	var got []*collogs.ExportLogsServiceRequest
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var req collogs.ExportLogsServiceRequest
		if r.URL.Path != "/v1/logs" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		got = append(got, &req)
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&collogs.ExportLogsServiceResponse{})
		_, _ = w.Write(out)
	}))
	defer srv.Close()
	s, err := NewOTLPSink(context.Background(), srv.URL+"/v1/logs")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if err := s.Write(context.Background(), exportBatch()); err != nil {
		t.Fatalf("Write: %v", err)
	}
	mu.Lock()
	if len(got) != 1 {
		t.Fatalf("%d export requests, want 1", len(got))
	}
	var bodies, traces []string
	for _, rl := range got[0].ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				bodies = append(bodies, lr.Body.GetStringValue())
				traces = append(traces, fmt.Sprintf("%x/%x", lr.TraceId, lr.SpanId))
				if lr.TimeUnixNano == 0 {
					t.Error("record without its event time")
				}
			}
		}
	}
	if len(bodies) != 2 || !strings.Contains(bodies[0], `"request_id":"req-1"`) || !strings.Contains(bodies[1], `"reason":"rate_limited"`) {
		t.Fatalf("bodies = %q", bodies)
	}
	// The event's trace links the exported record to the request's spans.
	if traces[0] != "/" || traces[1] != "4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7" ||
		!strings.Contains(bodies[1], `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"`) {
		t.Fatalf("trace context = %q, bodies = %q", traces, bodies)
	}
	fail = true
	mu.Unlock()
	if err := s.Write(context.Background(), exportBatch()); err == nil {
		t.Fatal("Write to a failing collector succeeded")
	}
}

func TestSyslogSinkUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := NewSyslogSink("udp://" + pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Write(context.Background(), exportBatch()); err != nil {
		t.Fatal(err)
	}
	p := rfc5424.NewParser()
	buf := make([]byte, 64<<10)
	_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i, want := range []string{"req-1", "req-2"} {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		m, err := p.Parse(buf[:n])
		if err != nil {
			t.Fatalf("message %d is not RFC 5424: %v: %q", i, err, buf[:n])
		}
		checkSyslog(t, m, want)
	}
}

func TestSyslogSinkTCPOctetCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	msgs := make(chan *syslog.Result, 4)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		octetcounting.NewParser(syslog.WithListener(func(r *syslog.Result) { msgs <- r })).Parse(bufio.NewReader(c))
	}()
	s, err := NewSyslogSink("tcp://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Write(context.Background(), exportBatch()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"req-1", "req-2"} {
		select {
		case r := <-msgs:
			if r.Error != nil {
				t.Fatalf("frame: %v", r.Error)
			}
			checkSyslog(t, r.Message, want)
		case <-time.After(10 * time.Second):
			t.Fatal("no message")
		}
	}
}

func checkSyslog(t *testing.T, m syslog.Message, requestID string) {
	t.Helper()
	sm := m.(*rfc5424.SyslogMessage)
	if sm.Appname == nil || *sm.Appname != "bulwark" || sm.Message == nil || !strings.Contains(*sm.Message, `"request_id":"`+requestID+`"`) ||
		sm.Facility == nil || *sm.Facility != syslogFacility || sm.MsgID == nil {
		t.Fatalf("message = %+v", sm)
	}
}

// The sink's name is logged with every failed write: a password in the
// endpoint URL must not be in it.
func TestOTLPSinkNameHidesPassword(t *testing.T) {
	s, err := NewOTLPSink(context.Background(), "http://user:s3cret-pw@127.0.0.1:1/v1/logs")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close(context.Background()) }()
	if strings.Contains(s.Name(), "s3cret-pw") || !strings.Contains(s.Name(), "127.0.0.1:1/v1/logs") {
		t.Fatalf("name = %q", s.Name())
	}
	err = s.Write(context.Background(), []Event{{RequestID: "r1", Decision: DecisionAllow}})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("write error = %v", err)
	}
}

func TestSyslogSinkNameHidesPassword(t *testing.T) {
	s, err := NewSyslogSink("tcp://user:s3cret-pw@127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Name(), "s3cret-pw") || !strings.Contains(s.Name(), "127.0.0.1:1") {
		t.Fatalf("name = %q", s.Name())
	}
}
