package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

const redisServer = "/usr/bin/redis-server"

// ownRedis runs a private redis-server on addr until stop is called (or t
// ends).
type ownRedis struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	if _, err := exec.LookPath(redisServer); err != nil {
		t.Skipf("%s not installed: %v", redisServer, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	r := &ownRedis{t: t, addr: addr}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *ownRedis) start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	cmd := exec.Command(redisServer, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.mu.Lock()
	r.cmd = cmd
	r.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on %s did not answer within 10s", r.addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *ownRedis) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

// TestFailoverRedisRestart kills the primary's Redis mid-test, checks the
// fallback decides (FailLocal: no errors) and FailClosed reports the
// outage, then restarts Redis on the same port and checks recovery.
func TestFailoverRedisRestart(t *testing.T) {
	srv := startOwnRedis(t)
	// Generous timeouts: the calls made while Redis is up must answer on a
	// loaded CI machine; while it is down they fail at once (refused, reset).
	client := redis.NewClient(&redis.Options{
		Addr: srv.addr, MaxRetries: -1, DialTimeout: 5 * time.Second,
		ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
	})
	t.Cleanup(func() { _ = client.Close() })
	primary := ratelimit.NewRedis(client, ratelimit.RedisConfig{Prefix: "t:"})
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, nil))
	local := ratelimit.NewFailover(primary, ratelimit.NewMemory(ratelimit.MemoryConfig{}), ratelimit.FailLocal, logger,
		ratelimit.WithProbeInterval(20*time.Millisecond))
	closed := ratelimit.NewFailover(primary, nil, ratelimit.FailClosed, nil, ratelimit.WithProbeInterval(0))
	l := ratelimit.Limit{Rate: 60, Per: time.Hour, Burst: 3}
	ctx := context.Background()

	if d, err := local.Allow(ctx, "up", l, 1); err != nil || !d.Allowed {
		t.Fatalf("Redis up: %+v, %v", d, err)
	}
	srv.stop()
	for i := range 5 { // the fallback limits: 3 allowed, then denied
		d, err := local.Allow(ctx, "down", l, 1)
		if err != nil || d.Allowed != (i < 3) {
			t.Fatalf("Redis down, request %d: %+v, %v; want Allowed=%v and no error", i, d, err, i < 3)
		}
	}
	if failures, degraded := local.Stats(); failures == 0 || !degraded {
		t.Fatalf("Stats() = %d, %v; want failures and degraded", failures, degraded)
	}
	d, err := closed.Allow(ctx, "down", l, 1)
	if !errors.Is(err, ratelimit.ErrUnavailable) || d.Allowed || d.RetryAfter != time.Second {
		t.Fatalf("FailClosed, Redis down: %+v, %v; want denial, RetryAfter 1s, ErrUnavailable", d, err)
	}

	srv.start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := local.Allow(ctx, "recovering", l, 0); err != nil {
			t.Fatalf("FailLocal returned an error: %v", err)
		}
		if _, degraded := local.Stats(); !degraded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no recovery within 10s of Redis restarting")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d, err := closed.Allow(ctx, "after", l, 1); err != nil || !d.Allowed {
		t.Fatalf("FailClosed after restart: %+v, %v", d, err)
	}
	out := logs.String()
	if n := strings.Count(out, "rate limiter degraded"); n != 1 {
		t.Errorf("%d degraded log lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "rate limiter recovered"); n != 1 {
		t.Errorf("%d recovered log lines, want 1:\n%s", n, out)
	}
	t.Logf("failures counted: %s", strconv.FormatUint(first(local.Stats()), 10))
}

func first(a uint64, _ bool) uint64 { return a }

// syncWriter serialises writes to a buffer shared with the test.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
