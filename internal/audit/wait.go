package audit

import "time"

// Waiting for the store (Config.WaitForStore). Record gives the event an ack
// channel and waits on it; the store sink's worker answers true once the
// batch holding the event is written, false when it drops the batch. To keep
// the wait short without giving up batching, the dispatcher flushes a batch
// that holds a waiting event as soon as the queue is empty and the store
// sink's buffer is empty too (the sink is idle, or writing the batch before):
// events arriving while the store writes gather into the next batch, as in a
// database's group commit. The interval tick still flushes everything else.

// recordAndWait queues e with an ack and waits for the store's answer, up to
// WaitTimeout; a full queue is waited on within the same bound. It reports
// whether the store confirmed the event.
func (r *Recorder) recordAndWait(e Event) bool {
	e.ack = make(chan bool, 1)
	t := time.NewTimer(r.cfg.WaitTimeout)
	defer t.Stop()
	if !r.enqueueWaiting(e, t.C) {
		r.unconfirmed.Add(1)
		return false
	}
	select {
	case ok := <-e.ack:
		if !ok {
			r.unconfirmed.Add(1)
		}
		return ok
	case <-t.C:
		r.unconfirmed.Add(1)
		return false
	}
}

// enqueueWaiting queues e, waiting for room until timeout fires.
func (r *Recorder) enqueueWaiting(e Event, timeout <-chan time.Time) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.queueDropped.Add(1)
		return false
	}
	select {
	case r.queue <- e:
		r.queued.Add(1)
		r.wake() // a waiting event does not wait for a batch's worth
		return true
	case <-timeout:
		r.queueDropped.Add(1)
		return false
	}
}

// storeIdle reports whether every store sink's buffer is empty.
func (r *Recorder) storeIdle() bool {
	for _, w := range r.workers {
		if w.store && len(w.in) > 0 {
			return false
		}
	}
	return true
}

// kickDispatcher tells the dispatcher that a store sink took a batch.
func (r *Recorder) kickDispatcher() { r.wake() }

// answer tells the waiters of b whether the store sink wrote it.
func answer(w *sinkWorker, b *batch, ok bool) {
	if !w.store || b.waiters == 0 {
		return
	}
	for i := range b.events {
		if a := b.events[i].ack; a != nil {
			select {
			case a <- ok:
			default: // another store sink answered first
			}
		}
	}
}
