package gateway

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An upstream error body the gateway cannot decode fully cannot be checked
// for leaks, so it never reaches the client: whoever reads it can undo the
// encoding. Before, a decoding failure scanned the still-encoded bytes, found
// nothing and passed the body.
func TestSanitizeErrorsRefusesBodyItCannotDecode(t *testing.T) {
	trace := []byte("goroutine 1 [running]:\nmain.main()\n\t/srv/app/main.go:12")
	tests := []struct {
		name string
		enc  []string
		body []byte
	}{
		{"two gzip lines", []string{"gzip", "gzip"}, gzipped(t, gzipped(t, trace))},
		{"unknown coding", []string{"x-unknown"}, gzipped(t, trace)},
		{"corrupt gzip", []string{"gzip"}, gzipped(t, trace)[:20]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Encoding"] = tc.enc
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write(tc.body)
			}))
			t.Cleanup(up.Close)
			_, ev, front := newGateway(t, plan(t, up.URL, "      - match: GET /boom\n"))

			req, _ := http.NewRequest("GET", front.URL+"/boom", nil)
			req.Header.Set("Accept-Encoding", "identity") // read the bytes as sent
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusInternalServerError || bytes.Equal(body, tc.body) ||
				resp.Header.Get("Content-Encoding") != "" || !strings.Contains(string(body), "upstream_error") {
				t.Fatalf("got %d %q encoding %q", resp.StatusCode, body, resp.Header.Values("Content-Encoding"))
			}
			if e := ev.nth(t, 1); e.Rule != "sanitize_errors" || e.Decision != audit.DecisionError {
				t.Fatalf("event %+v", e)
			}
		})
	}
}
