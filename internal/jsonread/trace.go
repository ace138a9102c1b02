package jsonread

import "sync/atomic"

// parseHook, when set, sees every document Parse is asked to read.
var parseHook atomic.Pointer[func(data []byte)]

// TraceParses calls fn with every document Parse is asked to read, from now
// until stop is called: for tests that count how often a body is read (the
// gateway reads a request body once, whatever its guards). fn runs on the
// parsing goroutine, so it must be safe for concurrent use; one trace at a
// time. Untraced, Parse pays one atomic load.
func TraceParses(fn func(data []byte)) (stop func()) {
	parseHook.Store(&fn)
	return func() { parseHook.Store(nil) }
}
