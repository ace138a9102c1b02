package audit

import (
	"sync/atomic"
	"time"
)

// sinkWorker is one sink with its own buffer of batches. full is owned by the
// dispatcher; the streak fields by the sink's goroutine.
type sinkWorker struct {
	sink  Sink
	in    chan *batch
	full  bool
	store bool // a StoreSink: it answers the events that wait (wait.go)

	failing       bool
	streakErrors  uint64
	streakDropped uint64
	failingNow    atomic.Bool // failing, for the dispatcher: a failing sink's full buffer is not news
}

// runSink writes every batch handed to w, in order, until its buffer is closed.
func (r *Recorder) runSink(w *sinkWorker) {
	defer r.wg.Done()
	f, _ := w.sink.(Flusher)
	var tick <-chan time.Time
	if f != nil {
		t := time.NewTicker(f.FlushEvery())
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case b, ok := <-w.in:
			if !ok {
				if f != nil {
					r.flushSink(w, f)
				}
				return
			}
			if w.store && r.waits {
				r.kickDispatcher()
			}
			r.deliver(w, b)
			r.release(b)
		case <-tick:
			r.flushSink(w, f)
		}
	}
}

// flushSink makes a Flusher's gathered events durable, once; the next tick is the
// retry (what it holds is kept), so a failing store never blocks delivery.
func (r *Recorder) flushSink(w *sinkWorker, f Flusher) {
	if err := f.Flush(r.ctx); err != nil {
		r.failed(w, "audit sink flush failed; keeping its data for the next flush", err)
		return
	}
	r.recovered(w)
}

// failed counts a failed write or flush of w and logs the first of a streak.
func (r *Recorder) failed(w *sinkWorker, msg string, err error) {
	r.sinkErrors.Add(1)
	w.streakErrors++
	if !w.failing {
		w.failing = true
		w.failingNow.Store(true)
		r.failingSinks.Add(1)
		r.logger.Error(msg, "sink", w.sink.Name(), "err", err)
	}
}

// deliver writes b to w's sink, retrying with backoff; after maxAttempts, or once Close
// has run out of time, the batch is dropped for this sink and counted.
func (r *Recorder) deliver(w *sinkWorker, b *batch) {
	n := uint64(len(b.events))
	backoff := retryBackoff
	for attempt := 0; attempt < maxAttempts && r.ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			if !r.sleep(backoff) {
				break
			}
			backoff *= 2
		}
		err := w.sink.Write(r.ctx, b.events)
		if err == nil {
			r.written.Add(n)
			if _, gathers := w.sink.(Flusher); !gathers {
				r.recovered(w) // a Flusher recovers when a flush succeeds
			}
			answer(w, b, true)
			return
		}
		r.failed(w, "audit sink write failed; retrying, then dropping batches until it recovers", err)
	}
	r.sinkDropped.Add(n)
	w.streakDropped += n
	answer(w, b, false)
}

// recovered logs the end of a failure streak, once.
func (r *Recorder) recovered(w *sinkWorker) {
	if !w.failing {
		return
	}
	r.failingSinks.Add(-1)
	w.failingNow.Store(false)
	r.logger.Info("audit sink recovered", "sink", w.sink.Name(),
		"failed_writes", w.streakErrors, "dropped_events", w.streakDropped)
	w.failing, w.streakErrors, w.streakDropped = false, 0, 0
}

// sleep waits d, or returns false at once if Close has run out of time.
func (r *Recorder) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}
