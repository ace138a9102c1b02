package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStatusWriterFlushBeforeHeader: a flush before any header sends 200 and
// runs the onHeader hook with it, like an explicit WriteHeader(200).
func TestStatusWriterFlushBeforeHeader(t *testing.T) {
	rec := httptest.NewRecorder()
	sw := getWriter(rec)
	defer putWriter(sw)
	var seen []int
	sw.onHeader = func(status int) { seen = append(seen, status) }
	if err := http.NewResponseController(sw).Flush(); err != nil {
		t.Fatal(err)
	}
	sw.WriteHeader(http.StatusTeapot) // too late: ignored by the recorder too
	if sw.status != http.StatusOK || len(seen) != 1 || seen[0] != http.StatusOK || !rec.Flushed || rec.Code != http.StatusOK {
		t.Fatalf("status %d, hook saw %v, flushed %v, sent %d", sw.status, seen, rec.Flushed, rec.Code)
	}
}
