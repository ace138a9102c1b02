package proxy

import (
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

func TestHTTPSTargets(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case logs a handshake error
	s.StartTLS()
	t.Cleanup(s.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want int
	}{
		{"trusted by CA file", Config{CAFile: caFile}, http.StatusOK},
		{"skip verify", Config{TLSInsecureSkipVerify: true}, http.StatusOK},
		{"untrusted", Config{}, http.StatusBadGateway},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Targets = []string{s.URL}
			up := newUpstream(t, cfg)
			f := newFront(t, up, frontOpts{})
			resp := get(t, f.Client(), f.URL+"/")
			body := bodyString(t, resp)
			if resp.StatusCode != tc.want {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tc.want)
			}
			if strings.Contains(body, "certificate") {
				t.Errorf("TLS error leaked: %s", body)
			}
		})
	}
}

func TestFailureLoggedWithCause(t *testing.T) {
	var logs logtest.Buffer
	dead := deadURL(t)
	up, err := New(Config{Name: "orders", Targets: []string{dead}}, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	f := newFront(t, up, frontOpts{})
	readProblem(t, get(t, f.Client(), f.URL+"/?api_key=hidden"), http.StatusBadGateway, "upstream_unreachable")
	f.outcome(t)
	out := logs.String()
	for _, want := range []string{`"level":"WARN"`, `"upstream":"orders"`, `"target":"` + dead + `"`, "connection refused", `"request_id":"req-test"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
	if strings.Contains(out, "hidden") {
		t.Errorf("log leaks the query: %s", out)
	}
}
