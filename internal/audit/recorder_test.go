package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

func TestRecorderPreservesOrderPerSink(t *testing.T) {
	a, b := &memSink{name: "a"}, &memSink{name: "b"}
	// Queue and sink buffers hold more than n events: nothing may be dropped.
	r := NewRecorder(Config{QueueSize: 2000, BatchSize: 7}, nil, a, b)
	r.Start()
	const n = 1000
	for i := range n {
		r.Record(testEvent(i))
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st != (Stats{Queued: n, Written: 2 * n}) {
		t.Errorf("stats %+v, want %d queued and written twice", st, n)
	}
	for _, s := range []*memSink{a, b} {
		events := s.events()
		if len(events) != n {
			t.Fatalf("sink %s got %d events, want %d", s.name, len(events), n)
		}
		for i, e := range events {
			if want := fmt.Sprintf("req-%d", i); e.RequestID != want {
				t.Fatalf("sink %s: event %d is %s, want %s", s.name, i, e.RequestID, want)
			}
		}
	}
}

func TestRecorderFlushesFullBatchWithoutWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &memSink{}
		r := NewRecorder(Config{BatchSize: 4, FlushInterval: time.Hour}, nil, s)
		r.Start()
		for i := range 7 {
			r.Record(testEvent(i))
		}
		synctest.Wait()
		if got := fmt.Sprint(s.sizes()); got != "[4]" {
			t.Errorf("batches before the interval = %s, want [4]", got)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(s.sizes()); got != "[4 3]" {
			t.Errorf("batches after Close = %s, want [4 3]", got)
		}
	})
}

func TestRecorderFlushesOnInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &memSink{}
		r := NewRecorder(Config{BatchSize: 100, FlushInterval: 200 * time.Millisecond}, nil, s)
		r.Start()
		for i := range 3 {
			r.Record(testEvent(i))
		}
		synctest.Wait()
		if got := len(s.sizes()); got != 0 {
			t.Fatalf("%d batches before the interval, want 0", got)
		}
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		if got := fmt.Sprint(s.sizes()); got != "[3]" {
			t.Errorf("batches after the interval = %s, want [3]", got)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRecorderDropsWhenQueueFull(t *testing.T) {
	s := &memSink{}
	r := NewRecorder(Config{QueueSize: 4}, nil, s)
	// Not started: nothing drains the queue.
	for i := range 10 {
		r.Record(testEvent(i))
	}
	if st := r.Stats(); st.Queued != 4 || st.Dropped != 6 {
		t.Errorf("stats %+v, want 4 queued and 6 dropped", st)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(s.events()); got != 4 {
		t.Errorf("%d events written, want the 4 queued", got)
	}
	r.Record(testEvent(99))
	if st := r.Stats(); st.Written != 4 || st.Dropped != 7 {
		t.Errorf("after Record on a closed recorder: %+v, want 4 written, 7 dropped", st)
	}
}

func TestRecorderDropsForBlockedSink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		blocked := &memSink{name: "blocked", gate: make(chan struct{})}
		healthy := &memSink{name: "healthy"}
		// BatchSize 2, QueueSize 4: each sink buffers 2 batches.
		r := NewRecorder(Config{QueueSize: 4, BatchSize: 2}, nil, blocked, healthy)
		r.Start()
		for i := range 8 { // batch 1 in Write, 2 and 3 buffered, 4 dropped for blocked
			r.Record(testEvent(i))
			synctest.Wait()
		}
		if st := r.Stats(); st.Dropped != 2 || st.Written != 8 {
			t.Errorf("stats %+v, want 2 dropped (blocked sink), 8 written (healthy sink)", st)
		}
		close(blocked.gate)
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := len(blocked.events()); got != 6 {
			t.Errorf("blocked sink wrote %d events, want 6", got)
		}
		if st := r.Stats(); st.Written+st.Dropped != 16 {
			t.Errorf("stats %+v: written+dropped != 2 sinks x 8 events", st)
		}
	})
}

func TestRecorderBlockModeWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &memSink{}
		r := NewRecorder(Config{QueueSize: 1, Overflow: OverflowBlock, BlockTimeout: time.Hour}, nil, s)
		r.Record(testEvent(0))
		var returned atomic.Bool
		go func() {
			r.Record(testEvent(1))
			returned.Store(true)
		}()
		synctest.Wait()
		if returned.Load() {
			t.Fatal("Record returned although the queue was full")
		}
		r.Start()
		synctest.Wait()
		if !returned.Load() {
			t.Fatal("Record still blocked after the queue drained")
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st := r.Stats(); st.Dropped != 0 || st.Written != 2 {
			t.Errorf("stats %+v, want 2 written, none dropped", st)
		}
	})
}

func TestRecorderBlockModeTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := NewRecorder(Config{QueueSize: 1, Overflow: OverflowBlock, BlockTimeout: 50 * time.Millisecond}, nil)
		r.Record(testEvent(0))
		start := time.Now()
		r.Record(testEvent(1)) // nothing drains: waits BlockTimeout, then drops
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Errorf("waited %v, want exactly BlockTimeout in the bubble's clock", waited)
		}
		if st := r.Stats(); st.Queued != 1 || st.Dropped != 1 {
			t.Errorf("stats %+v, want 1 queued, 1 dropped", st)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRecorderBlockModeBackpressureFromSink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &memSink{gate: make(chan struct{})}
		r := NewRecorder(Config{QueueSize: 1, BatchSize: 1, Overflow: OverflowBlock, BlockTimeout: time.Hour}, nil, s)
		r.Start()
		// 1 in Write, 2 buffered, 1 waiting in the dispatcher, 1 in the queue.
		for i := range 5 {
			r.Record(testEvent(i))
			synctest.Wait()
		}
		var returned atomic.Bool
		go func() {
			r.Record(testEvent(5))
			returned.Store(true)
		}()
		synctest.Wait()
		if returned.Load() {
			t.Fatal("Record returned although the pipeline was full")
		}
		close(s.gate)
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the blocked Record returned; let its goroutine note it
		if !returned.Load() {
			t.Fatal("Record never returned")
		}
		if st := r.Stats(); st.Dropped != 0 || st.Written != 6 {
			t.Errorf("stats %+v, want 6 written, none dropped", st)
		}
	})
}

func TestRecorderCloseDrainsEverything(t *testing.T) {
	s := &memSink{}
	r := NewRecorder(Config{QueueSize: 5000, BatchSize: 64, FlushInterval: time.Hour}, nil, s)
	r.Start()
	for i := range 5000 {
		r.Record(testEvent(i))
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if got := uint64(len(s.events())); got != st.Queued || st.Written != st.Queued || st.Queued+st.Dropped != 5000 {
		t.Errorf("sink has %d events, stats %+v", got, st)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestRecorderCloseDeadlineCountsLoss(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &memSink{gate: make(chan struct{})} // never opens
		r := NewRecorder(Config{BatchSize: 2}, nil, s)
		r.Start()
		for i := range 9 {
			r.Record(testEvent(i))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := r.Close(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close = %v, want deadline exceeded", err)
		}
		if st := r.Stats(); st.Queued != 9 || st.Dropped != 9 || st.Written != 0 {
			t.Errorf("stats %+v, want all 9 queued events counted as dropped", st)
		}
	})
}

func TestRecorderRetriesFailingSink(t *testing.T) {
	errDown := errors.New("down")
	tests := []struct {
		name      string
		fail      func(call int) error
		want      Stats
		wantLogs  []string
		wantCalls int
	}{
		{
			name:      "recovers within retries",
			fail:      func(call int) error { return map[bool]error{true: errDown}[call < 2] },
			want:      Stats{Queued: 4, Written: 4, SinkErrors: 2},
			wantLogs:  []string{"audit sink write failed", "audit sink recovered"},
			wantCalls: 4, // 2 failures and a success for the first batch, 1 for the second
		},
		{
			name:      "drops after retries, logs the streak once",
			fail:      func(call int) error { return map[bool]error{true: errDown}[call < 6] },
			want:      Stats{Queued: 4, Written: 0, Dropped: 4, SinkErrors: 6},
			wantLogs:  []string{"audit sink write failed"},
			wantCalls: 6,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs logtest.Buffer
				s := &memSink{name: "flaky", fail: tc.fail}
				r := NewRecorder(Config{BatchSize: 2, FlushInterval: time.Hour}, newTestLogger(&logs), s)
				r.Start()
				for i := range 4 {
					r.Record(testEvent(i))
				}
				if err := r.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
				if st := r.Stats(); st != tc.want {
					t.Errorf("stats %+v, want %+v", st, tc.want)
				}
				if s.calls != tc.wantCalls {
					t.Errorf("%d Write calls, want %d", s.calls, tc.wantCalls)
				}
				lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
				if len(lines) != len(tc.wantLogs) {
					t.Fatalf("logs:\n%s\nwant %d lines", logs.String(), len(tc.wantLogs))
				}
				for i, want := range tc.wantLogs {
					if !strings.Contains(lines[i], want) {
						t.Errorf("log line %d = %s, want %q", i, lines[i], want)
					}
				}
			})
		})
	}
}

func BenchmarkRecord(b *testing.B) {
	r := NewRecorder(Config{}, nil, &discardSink{})
	r.Start()
	defer r.Close(context.Background())
	e := testEvent(1)
	b.ReportAllocs()
	for b.Loop() {
		r.Record(e)
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	r := NewRecorder(Config{}, nil, &discardSink{})
	r.Start()
	defer r.Close(context.Background())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		e := testEvent(1)
		for pb.Next() {
			r.Record(e)
		}
	})
}

// discardSink accepts every batch.
type discardSink struct{}

func (discardSink) Name() string                         { return "discard" }
func (discardSink) Write(context.Context, []Event) error { return nil }

func TestRecorderMasksCredentialsInPathAndObject(t *testing.T) {
	const key = "bwk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJ0123456789abcdeF"
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz"
	s := &memSink{}
	r := NewRecorder(Config{}, nil, s)
	r.Start()
	r.Record(Event{RequestID: "1", Path: "/keys/" + key, Object: "key:" + key})
	r.Record(Event{RequestID: "2", Path: "/verify/" + jwt + "/x", Object: "token:" + jwt})
	r.Record(Event{RequestID: "3", Path: "/orders/1", Object: "order:1"})
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{RequestID: "1", Path: "/keys/bwk_AbCdEfGhIjKl_[masked]", Object: "key:bwk_AbCdEfGhIjKl_[masked]"},
		{RequestID: "2", Path: "/verify/[masked]/x", Object: "token:[masked]"},
		{RequestID: "3", Path: "/orders/1", Object: "order:1"},
	}
	got := s.events()
	if len(got) != len(want) {
		t.Fatalf("got %d events", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Events wait in the queue until a batch's worth is there: a request does not
// wake the dispatcher for its one event.
func TestRecorderWakesPerBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &memSink{}
		r := NewRecorder(Config{BatchSize: 4, FlushInterval: time.Hour}, nil, s)
		r.Start()
		for i := range 3 {
			r.Record(testEvent(i))
		}
		synctest.Wait()
		if n := len(r.queue); n != 3 {
			t.Fatalf("%d events queued, want 3 waiting for their batch", n)
		}
		r.Record(testEvent(3))
		synctest.Wait()
		if n, got := len(r.queue), len(s.events()); n != 0 || got != 4 {
			t.Fatalf("queued %d, written %d; want the full batch written", n, got)
		}
		r.Record(testEvent(4))
		time.Sleep(time.Hour) // the tick takes a partial batch
		synctest.Wait()
		if got := len(s.events()); got != 5 {
			t.Fatalf("written %d after the tick, want 5", got)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
