package audit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// memSink records every batch it is given. If gate is set, each Write waits for a
// value on it (or for ctx). fail, if set, decides the error of the n-th call (from 0).
type memSink struct {
	name string
	gate chan struct{}
	fail func(call int) error

	mu      sync.Mutex
	calls   int
	batches [][]Event
}

func (s *memSink) Name() string { return s.name }

func (s *memSink) Write(ctx context.Context, batch []Event) error {
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	call := s.calls
	s.calls++
	if s.fail != nil {
		if err := s.fail(call); err != nil {
			return err
		}
	}
	s.batches = append(s.batches, append([]Event(nil), batch...))
	return nil
}

// sizes returns the length of each batch written so far.
func (s *memSink) sizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, 0, len(s.batches))
	for _, b := range s.batches {
		out = append(out, len(b))
	}
	return out
}

// events returns every event written so far, in order.
func (s *memSink) events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, b := range s.batches {
		out = append(out, b...)
	}
	return out
}

func newTestLogger(buf *logtest.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testEvent returns a plausible event numbered i.
func testEvent(i int) Event {
	return Event{
		Time:      time.Date(2025, 1, 2, 3, 4, 5, i, time.UTC),
		RequestID: fmt.Sprintf("req-%d", i),
		API:       "shop",
		Route:     "orders",
		Method:    "GET",
		Path:      "/orders/42",
		ClientIP:  "192.0.2.1",
		Decision:  DecisionAllow,
		Status:    200,
		LatencyMS: 1.25,
	}
}
