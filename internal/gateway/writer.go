package gateway

import (
	"net/http"
	"sync"
)

// statusWriter records the status the handler chain wrote. It exposes the
// underlying writer through Unwrap so http.ResponseController (flushes for
// streaming, hijacking for WebSocket upgrades) reaches the real connection.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	// onHeader, when set, runs once with the final status before it is sent,
	// so a guard can count the outcome before the client can see it.
	onHeader func(status int)
}

var writerPool = sync.Pool{New: func() any { return new(statusWriter) }}

func getWriter(w http.ResponseWriter) *statusWriter {
	sw := writerPool.Get().(*statusWriter)
	sw.ResponseWriter, sw.status, sw.wrote, sw.onHeader = w, http.StatusOK, false, nil
	return sw
}

func putWriter(sw *statusWriter) {
	sw.ResponseWriter = nil
	writerPool.Put(sw)
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status = code
		if code >= 200 || code == http.StatusSwitchingProtocols {
			w.wrote = true
			if w.onHeader != nil {
				w.onHeader(code)
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// FlushError sends buffered data to the client at once (server-sent events)
// and reports a failed write (the client went away). A flush before any
// header sends 200, as net/http would, through WriteHeader so the onHeader
// hook sees it.
func (w *statusWriter) FlushError() error {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush is FlushError for http.Flusher callers.
func (w *statusWriter) Flush() { _ = w.FlushError() }

// Unwrap returns the underlying writer for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
