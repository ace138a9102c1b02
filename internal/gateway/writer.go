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
}

var writerPool = sync.Pool{New: func() any { return new(statusWriter) }}

func getWriter(w http.ResponseWriter) *statusWriter {
	sw := writerPool.Get().(*statusWriter)
	sw.ResponseWriter, sw.status, sw.wrote = w, http.StatusOK, false
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
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client at once (server-sent events).
func (w *statusWriter) Flush() {
	w.wrote = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying writer for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
