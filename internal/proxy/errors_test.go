package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRefusedTarget502(t *testing.T) {
	dead := deadURL(t)
	up := newUpstream(t, Config{Targets: []string{dead}, MaxFails: 1, EjectFor: time.Hour})
	f := newFront(t, up, frontOpts{})
	p, raw := readProblem(t, get(t, f.Client(), f.URL+"/x"), http.StatusBadGateway, "upstream_unreachable")
	for _, leak := range []string{"refused", "dial", "127.0.0.1", strings.TrimPrefix(dead, "http://")} {
		if strings.Contains(raw, leak) {
			t.Errorf("problem leaks %q: %s", leak, raw)
		}
	}
	if p.Detail == "" {
		t.Error("no public detail")
	}
	o := f.outcome(t)
	if o.Code != "upstream_unreachable" || o.Status != 502 || o.Err == nil || o.Target != dead {
		t.Errorf("outcome = %+v", o)
	}
	if h := up.Health()[0]; !h.Ejected || h.LastError != "connection refused" {
		t.Errorf("health = %+v", h)
	}
}

// stall is a backend that never answers until the request ends.
func stall(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func TestTimeout504(t *testing.T) {
	s := backend(t, stall)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"response header timeout", Config{ResponseHeaderTimeout: 20 * time.Millisecond}},
		{"request timeout", Config{RequestTimeout: 20 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Targets = []string{s.URL}
			up := newUpstream(t, cfg)
			f := newFront(t, up, frontOpts{})
			_, raw := readProblem(t, get(t, f.Client(), f.URL+"/slow"), http.StatusGatewayTimeout, "upstream_timeout")
			if strings.Contains(raw, "timeout awaiting") || strings.Contains(raw, "deadline") {
				t.Errorf("problem leaks internals: %s", raw)
			}
			if o := f.outcome(t); o.Code != "upstream_timeout" || o.Status != 504 {
				t.Errorf("outcome = %+v", o)
			}
			if h := up.Health()[0]; h.LastError != "timeout" {
				t.Errorf("health = %+v", h)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	var hits atomic.Int64
	live := backend(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
	})
	tests := []struct {
		name   string
		method string
		body   string
		want   int
		hits   int64
	}{
		{"GET retried on other target", http.MethodGet, "", http.StatusOK, 1},
		{"HEAD retried on other target", http.MethodHead, "", http.StatusOK, 1},
		{"POST not retried", http.MethodPost, "", http.StatusBadGateway, 0},
		{"GET with body not retried", http.MethodGet, "payload", http.StatusBadGateway, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			// A fresh upstream starts its round-robin at the dead target.
			up := newUpstream(t, Config{Targets: []string{deadURL(t), live.URL}})
			f := newFront(t, up, frontOpts{})
			req, _ := http.NewRequest(tc.method, f.URL+"/r", strings.NewReader(tc.body))
			if tc.body == "" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			bodyString(t, resp)
			if resp.StatusCode != tc.want || hits.Load() != tc.hits {
				t.Fatalf("status %d hits %d, want %d and %d", resp.StatusCode, hits.Load(), tc.want, tc.hits)
			}
			if o := f.outcome(t); tc.want == http.StatusOK && o.Target != live.URL {
				t.Errorf("outcome target = %q, want %q", o.Target, live.URL)
			}
		})
	}
}

func TestRetryOnlyOnce(t *testing.T) {
	up := newUpstream(t, Config{Targets: []string{deadURL(t), deadURL(t), deadURL(t)}, MaxFails: 5})
	f := newFront(t, up, frontOpts{})
	readProblem(t, get(t, f.Client(), f.URL+"/"), http.StatusBadGateway, "upstream_unreachable")
	f.outcome(t)
	fails := 0
	for _, h := range up.Health() {
		fails += h.RecentFails
	}
	if fails != 2 {
		t.Errorf("%d targets tried, want 2 (one retry)", fails)
	}
}

func TestBodyTooLarge413(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	tests := []struct {
		name string
		body func() io.Reader
	}{
		{"content length", func() io.Reader { return strings.NewReader(strings.Repeat("a", 64<<10)) }},
		{"chunked", func() io.Reader { return io.MultiReader(strings.NewReader(strings.Repeat("a", 64<<10))) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := newUpstream(t, Config{Targets: []string{s.URL}, MaxFails: 1})
			f := newFront(t, up, frontOpts{maxBody: 1 << 10})
			resp, err := f.Client().Post(f.URL+"/big", "text/plain", tc.body())
			if err != nil {
				t.Fatal(err)
			}
			readProblem(t, resp, http.StatusRequestEntityTooLarge, "body_too_large")
			if o := f.outcome(t); o.Code != "body_too_large" || o.Status != 413 {
				t.Errorf("outcome = %+v", o)
			}
			if h := up.Health()[0]; h.Ejected || h.RecentFails != 0 {
				t.Errorf("client error charged to target: %+v", h)
			}
		})
	}
}

func TestSlowClientBody408(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	up := newUpstream(t, Config{Targets: []string{s.URL}, MaxFails: 1})
	f := newFront(t, up, frontOpts{readDeadline: 50 * time.Millisecond})
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte("partial")) }() // then the client stalls
	resp, err := f.Client().Post(f.URL+"/slow-upload", "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	readProblem(t, resp, http.StatusRequestTimeout, "body_timeout")
	if h := up.Health()[0]; h.Ejected || h.RecentFails != 0 {
		t.Errorf("client error charged to target: %+v", h)
	}
}

func TestClientGoneNotCharged(t *testing.T) {
	arrived := make(chan struct{}, 1)
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}, MaxFails: 1})
	f := newFront(t, up, frontOpts{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/", nil)
	if _, err := f.Client().Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if o := f.outcome(t); o.Code != "client_closed" {
		t.Errorf("outcome = %+v", o)
	}
	if h := up.Health()[0]; h.Ejected || h.RecentFails != 0 {
		t.Errorf("client hang-up charged to target: %+v", h)
	}
}

func TestClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	pending := &bodyWatch{}
	tests := []struct {
		name  string
		ctx   context.Context
		info  RequestInfo
		err   error
		want  string
		fault bool
	}{
		{"max bytes in error", context.Background(), RequestInfo{sent: true}, &http.MaxBytesError{Limit: 1}, "body_too_large", false},
		{"client canceled", canceled, RequestInfo{sent: true, rtErr: context.Canceled}, context.Canceled, "client_closed", false},
		{"rejected before sending", context.Background(), RequestInfo{}, errors.New("bad upgrade"), "upgrade_invalid", false},
		{"after response", context.Background(), RequestInfo{sent: true}, errors.New("hijack"), "upstream_bad_response", false},
		{"deadline, body pending", expired, RequestInfo{sent: true, rtErr: context.DeadlineExceeded, body: pending}, context.DeadlineExceeded, "body_timeout", false},
		{"deadline", expired, RequestInfo{sent: true, rtErr: context.DeadlineExceeded}, context.DeadlineExceeded, "upstream_timeout", true},
		{"other transport error", context.Background(), RequestInfo{sent: true, rtErr: io.ErrUnexpectedEOF}, io.ErrUnexpectedEOF, "upstream_unreachable", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, code, fault := classify(tc.ctx, &tc.info, tc.err)
			if code != tc.want || fault != tc.fault {
				t.Errorf("classify = %s %v, want %s %v", code, fault, tc.want, tc.fault)
			}
		})
	}
}
