package audit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// memAppender is an Appender over a memSink.
type memAppender struct{ s *memSink }

func (a memAppender) AppendAudit(ctx context.Context, events []Event) error {
	return a.s.Write(ctx, events)
}

func has(events []Event, id string) bool {
	for _, e := range events {
		if e.RequestID == id {
			return true
		}
	}
	return false
}

// With WaitForStore, Record returns only once the store holds the event, even
// with an hour-long flush interval; many concurrent waiters share batches.
func TestWaitForStoreReturnsAfterTheWrite(t *testing.T) {
	mem := &memSink{name: "db"}
	other := &memSink{name: "file"}
	r := NewRecorder(Config{WaitForStore: true, FlushInterval: time.Hour}, nil,
		NewStoreSink("db", memAppender{mem}), other)
	r.Start()
	defer r.Close(context.Background())

	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := testEvent(i)
			r.Record(e)
			if !has(mem.events(), e.RequestID) {
				errs <- e.RequestID
			}
		}()
	}
	wg.Wait()
	close(errs)
	for id := range errs {
		t.Errorf("Record(%s) returned before the store held it", id)
	}
	if s := r.Stats(); s.Unconfirmed != 0 {
		t.Errorf("Unconfirmed = %d, want 0", s.Unconfirmed)
	}
	if n := len(mem.sizes()); n >= 200 {
		t.Logf("%d writes for 200 events: no grouping happened (allowed, not expected)", n)
	}
}

// A store that fails lets Record return (after the retries) and counts it.
func TestWaitForStoreGivesUpOnAFailingStore(t *testing.T) {
	mem := &memSink{name: "db", fail: func(int) error { return errors.New("down") }}
	r := NewRecorder(Config{WaitForStore: true, FlushInterval: time.Hour}, nil, NewStoreSink("db", memAppender{mem}))
	r.Start()
	defer r.Close(context.Background())
	r.Record(testEvent(1))
	if s := r.Stats(); s.Unconfirmed != 1 || s.Dropped != 1 {
		t.Fatalf("stats = %+v, want 1 unconfirmed, 1 dropped", s)
	}
}

// A store that hangs is waited on for WaitTimeout only.
func TestWaitForStoreIsBounded(t *testing.T) {
	mem := &memSink{name: "db", gate: make(chan struct{})}
	r := NewRecorder(Config{WaitForStore: true, WaitTimeout: 50 * time.Millisecond}, nil, NewStoreSink("db", memAppender{mem}))
	r.Start()
	r.Record(testEvent(1))
	if s := r.Stats(); s.Unconfirmed != 1 {
		t.Fatalf("stats = %+v, want 1 unconfirmed", s)
	}
	close(mem.gate)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Without a store sink the option does nothing: Record does not wait.
func TestWaitForStoreWithoutAStoreSink(t *testing.T) {
	mem := &memSink{name: "file", gate: make(chan struct{})}
	r := NewRecorder(Config{WaitForStore: true}, nil, mem)
	r.Start()
	r.Record(testEvent(1)) // would hang until the gate opens if it waited
	close(mem.gate)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Unconfirmed != 0 || s.Written != 1 {
		t.Fatalf("stats = %+v", s)
	}
}
