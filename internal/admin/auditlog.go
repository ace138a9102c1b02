package admin

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// serveRecorded runs an authenticated admin handler; a change (any method but
// GET and HEAD) is recorded as an audit event with decision "admin", which the
// store keeps in full: reason admin_action, rule the route pattern
// ("POST /admin/api/keys/{id}/revoke"), principal "admin" (the token holder).
// Request and response bodies (a new key's secret) are never recorded.
func (a *API) serveRecorded(next http.HandlerFunc, w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || a.d.Audit == nil {
		next(w, r)
		return
	}
	start := time.Now()
	sw := &statusRecorder{ResponseWriter: w}
	next(sw, r)
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	a.d.Audit.Record(audit.Event{Time: start, RequestID: "admin-" + hex.EncodeToString(id), Route: r.Pattern, Method: r.Method,
		Path: r.URL.Path, ClientIP: ip, Principal: "admin", Decision: audit.DecisionAdmin, Reason: "admin_action",
		Status: status, LatencyMS: float64(time.Since(start).Microseconds()) / 1000, Rule: r.Pattern})
}
