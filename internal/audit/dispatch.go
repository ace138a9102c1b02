package audit

import (
	"sync/atomic"
	"time"
)

// batch is a group of events shared read-only by every sink; refs counts the sinks that
// still hold it, and the last one returns it to the free list.
type batch struct {
	events  []Event
	refs    atomic.Int32
	waiters int // events whose Record waits for the store (set by the dispatcher)
}

// newBatch takes an empty batch from the free list or allocates one.
func (r *Recorder) newBatch() *batch {
	select {
	case b := <-r.free:
		return b
	default:
		return &batch{events: make([]Event, 0, r.cfg.BatchSize)}
	}
}

// release drops one reference to b and recycles it when none remain.
func (r *Recorder) release(b *batch) {
	if b.refs.Add(-1) > 0 {
		return
	}
	clear(b.events) // let the strings go
	b.events = b.events[:0]
	b.waiters = 0
	select {
	case r.free <- b:
	default:
	}
}

// dispatch is the single consumer of the queue: woken by a kick (a batch's worth is
// queued) or the tick, it batches events, flushes a batch when it is full or on every tick, and on stop drains the queue and closes the sink buffers.
func (r *Recorder) dispatch() {
	defer r.wg.Done()
	ticker := time.NewTicker(r.cfg.FlushInterval)
	defer ticker.Stop()
	cur := r.newBatch()
	var overflow overflowLog
	for {
		select {
		case <-r.kick:
			cur = r.take(cur)
			if cur.waiters > 0 && r.storeIdle() {
				cur = r.flush(cur, false) // group commit: see wait.go
			}
		case <-ticker.C:
			cur = r.flush(r.take(cur), false)
			overflow.check(r)
		case <-r.stop:
			r.drain(cur)
			return
		}
	}
}

// take moves what is queued now into batches; it returns the batch to fill
// next. The dispatcher is the queue's only reader, so it never blocks.
func (r *Recorder) take(cur *batch) *batch {
	for n := len(r.queue); n > 0; n-- {
		cur = r.add(cur, <-r.queue, false)
	}
	return cur
}

// add appends e to cur, flushing cur when full; it returns the batch to fill next.
func (r *Recorder) add(cur *batch, e Event, draining bool) *batch {
	cur.events = append(cur.events, e)
	if e.ack != nil {
		cur.waiters++
	}
	if len(cur.events) < r.cfg.BatchSize {
		return cur
	}
	return r.flush(cur, draining)
}

// drain delivers what is still queued, then closes the sink buffers. No Record can
// enqueue any more: Close set closed under the write lock before signalling stop.
func (r *Recorder) drain(cur *batch) {
	for {
		select {
		case e := <-r.queue:
			cur = r.add(cur, e, true)
		default:
			r.flush(cur, true)
			for _, w := range r.workers {
				close(w.in)
			}
			return
		}
	}
}

// flush hands a non-empty batch to every sink and returns a fresh batch; an empty one
// is returned unchanged.
func (r *Recorder) flush(b *batch, draining bool) *batch {
	if len(b.events) == 0 {
		return b
	}
	r.recent.add(b.events)
	b.refs.Store(int32(len(r.workers)) + 1) // +1: ours, released below
	for _, w := range r.workers {
		r.handOff(w, b, draining)
	}
	r.release(b)
	return r.newBatch()
}

// handOff puts b in w's buffer. When the buffer is full, b is dropped for w at once in
// OverflowDrop mode, after BlockTimeout in OverflowBlock mode; while draining for Close it
// waits until the sink takes it or Close runs out of time.
func (r *Recorder) handOff(w *sinkWorker, b *batch, draining bool) {
	select {
	case w.in <- b:
		w.full = false
		return
	default:
	}
	if draining || r.cfg.Overflow == OverflowBlock {
		var timeout <-chan time.Time
		if !draining {
			t := time.NewTimer(r.cfg.BlockTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case w.in <- b:
			w.full = false
			return
		case <-timeout:
		case <-r.ctx.Done():
		}
	}
	n := uint64(len(b.events))
	r.sinkDropped.Add(n)
	answer(w, b, false)
	if !w.full {
		w.full = true
		if !w.failingNow.Load() {
			// (A failing sink said so once; its buffer filling and draining as
			// batches are retried and dropped is the same outage, not news.)
			r.logger.Warn("audit sink buffer full; dropping batches until it catches up",
				"sink", w.sink.Name(), "events", n)
		}
	}
	r.release(b)
}

// overflowLog reports queue overflow once per streak: when drops start and when a tick
// passes without new drops. Owned by the dispatcher goroutine.
type overflowLog struct {
	seen      uint64 // queueDropped at the last tick
	streak    bool
	streakLow uint64 // queueDropped when the streak began
}

// check compares the queue-drop counter with the previous tick's.
func (o *overflowLog) check(r *Recorder) {
	now := r.queueDropped.Load()
	switch {
	case now != o.seen && !o.streak:
		o.streak, o.streakLow = true, o.seen
		r.logger.Warn("audit queue full; dropping events", "queue_size", r.cfg.QueueSize)
	case now == o.seen && o.streak:
		o.streak = false
		r.logger.Info("audit queue recovered", "dropped", now-o.streakLow)
	}
	o.seen = now
}
