// Package throttle smooths bursts instead of refusing them: a request over its
// rate limit waits its turn, up to a configured delay, and is refused (429)
// only when that delay would be exceeded or its queue is full.
//
// It sits in a route's chain where the rate limiter would, after
// authentication (so keys are principals, not spoofable values). The threat is
// a flood that a plain limiter would turn into errors for well-behaved
// clients that merely arrived in a burst; the queues are bounded per key and
// overall so that the flood cannot turn into unbounded goroutines and memory
// instead.
//
// Requests of one key are admitted in arrival order (FIFO): a per-key
// turnstile lets only the request at the head of the queue consult the
// limiter. With a limiter that implements [Reserver], the head reserves its
// future slot atomically and passes the turn at once; with any other
// [ratelimit.Limiter], the head asks again at each RetryAfter until it is
// allowed, and only then passes the turn.
package throttle
