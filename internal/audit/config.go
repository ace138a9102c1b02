package audit

import (
	"fmt"
	"time"
)

// Overflow says what Record does when the queue is full.
type Overflow int

const (
	// OverflowDrop drops the new event and counts it; Record never blocks. The default.
	OverflowDrop Overflow = iota
	// OverflowBlock makes Record wait up to Config.BlockTimeout for room, then drop and count.
	OverflowBlock
)

// String returns "drop" or "block".
func (o Overflow) String() string {
	switch o {
	case OverflowDrop:
		return "drop"
	case OverflowBlock:
		return "block"
	default:
		return fmt.Sprintf("Overflow(%d)", int(o))
	}
}

// Defaults, in one place. A zero or negative Config field takes its default.
const (
	DefaultQueueSize     = 10000
	DefaultBatchSize     = 1024
	DefaultFlushInterval = 200 * time.Millisecond
	DefaultBlockTimeout  = 100 * time.Millisecond
	DefaultRecentSize    = 1000
	DefaultWaitTimeout   = 5 * time.Second
)

// Delivery retry policy for a failing sink.
const (
	maxAttempts  = 3                      // write attempts per batch and sink
	retryBackoff = 100 * time.Millisecond // doubled after each failed attempt
	minSinkSlots = 2                      // smallest per-sink buffer, in batches
)

// Config sizes and paces the pipeline.
type Config struct {
	// QueueSize is how many events may wait between Record and the dispatcher (10000).
	QueueSize int
	// BatchSize is the most events handed to a sink in one Write (256).
	BatchSize int
	// FlushInterval is the longest a queued event waits for its batch to fill (200ms).
	FlushInterval time.Duration
	// Overflow says what happens when the queue or a sink's buffer is full (drop).
	Overflow Overflow
	// BlockTimeout bounds each wait in OverflowBlock mode (100ms).
	BlockTimeout time.Duration
	// RecentSize is how many recent events are kept in memory for Recent (1000);
	// a negative value keeps none.
	RecentSize int
	// WaitForStore makes Record return only once a store sink (StoreSink) has
	// written the event, or has given up on it, or WaitTimeout has passed:
	// the request that recorded it is answered after its event is durable.
	// Without a store sink it does nothing.
	WaitForStore bool
	// WaitTimeout bounds each wait of WaitForStore (5s).
	WaitTimeout time.Duration
}

// withDefaults returns c with every unset field given its default.
func (c Config) withDefaults() Config {
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.BlockTimeout <= 0 {
		c.BlockTimeout = DefaultBlockTimeout
	}
	if c.WaitTimeout <= 0 {
		c.WaitTimeout = DefaultWaitTimeout
	}
	switch {
	case c.RecentSize == 0:
		c.RecentSize = DefaultRecentSize
	case c.RecentSize < 0:
		c.RecentSize = 0
	}
	return c
}

// sinkSlots is the per-sink buffer, in batches: about one queue's worth of events.
func (c Config) sinkSlots() int {
	return max(minSinkSlots, c.QueueSize/c.BatchSize)
}
