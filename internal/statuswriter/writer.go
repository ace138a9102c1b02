package statuswriter

import (
	"net/http"
	"sync"
)

// Writer records the status the handler chain wrote. It exposes the
// underlying writer through Unwrap so http.ResponseController (flushes for
// streaming, hijacking for WebSocket upgrades) reaches the real connection.
type Writer struct {
	http.ResponseWriter
	// Status is the status written (200 until one is).
	Status int
	// Wrote reports whether a final status (or 101) was sent.
	Wrote bool
	// OnHeader, when set, runs once with the final status before it is sent,
	// so a guard can count the outcome before the client can see it.
	OnHeader func(status int)
}

var pool = sync.Pool{New: func() any { return new(Writer) }}

// Get returns a Writer over w, from the pool, with status 200 and no hook.
func Get(w http.ResponseWriter) *Writer {
	sw := pool.Get().(*Writer)
	sw.ResponseWriter, sw.Status, sw.Wrote, sw.OnHeader = w, http.StatusOK, false, nil
	return sw
}

// Put gives sw back to the pool; nothing may use it afterwards.
func Put(sw *Writer) {
	sw.ResponseWriter, sw.OnHeader = nil, nil
	pool.Put(sw)
}

// WriteHeader records code and sends it; the first final status (or 101)
// runs OnHeader before it is sent, and is the one Status keeps.
func (w *Writer) WriteHeader(code int) {
	if !w.Wrote {
		w.Status = code
		if code >= 200 || code == http.StatusSwitchingProtocols {
			w.Wrote = true
			if w.OnHeader != nil {
				w.OnHeader(code)
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends b, with 200 first when no status was written.
func (w *Writer) Write(b []byte) (int, error) {
	if !w.Wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// FlushError sends buffered data to the client at once (server-sent events)
// and reports a failed write (the client went away). A flush before any
// header sends 200, as net/http would, through WriteHeader so the OnHeader
// hook sees it.
func (w *Writer) FlushError() error {
	if !w.Wrote {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush is FlushError for http.Flusher callers.
func (w *Writer) Flush() { _ = w.FlushError() }

// Unwrap returns the underlying writer for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
