package introspect

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

func TestLogsNeverHoldToken(t *testing.T) {
	const secret = "client-SECRET-value"
	var buf logtest.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"active":"` + r.PostForm.Get("token") + `"`)) // echoes the token
		}
	}
	handlers := []http.HandlerFunc{
		jsonHandler(activeBody()),
		jsonHandler(map[string]any{"active": false}),
		jsonHandler(map[string]any{"active": true, "sub": "a", "exp": float64(t0.Unix() - 5)}),
		echo(http.StatusInternalServerError),
		echo(http.StatusOK),
		func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
	}
	as := newAS(t, nil)
	for i, h := range handlers {
		as.setHandler(h)
		a := newTestAuth(t, as, newClock(), logger, func(c *Config) {
			c.ClientSecret = secret
			// Only the last handler hangs; the answering ones get a timeout a
			// loaded CI machine cannot miss (20 ms for all once timed out the
			// second call and the count of answered lines came out 2).
			c.Timeout = 5 * time.Second
			if i == len(handlers)-1 {
				c.Timeout = 50 * time.Millisecond
			}
			c.AuthMethod = []string{AuthMethodBasic, AuthMethodPost}[i%2]
		})
		_, _ = a.Authenticate(bearerRequest(testToken))
	}
	logs := buf.String()
	if logs == "" {
		t.Fatal("nothing was logged")
	}
	for _, leak := range []string{testToken, "opaque-TOKEN", secret} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs contain %q:\n%s", leak, logs)
		}
	}
	id := tokenKey(sha256.Sum256([]byte(testToken))).credentialID()
	// The three answered calls log a line each with the credential id; the
	// failures log one line per outage, about the endpoint, without it.
	if strings.Count(logs, `"credential_id":"`+id+`"`) != 3 {
		t.Errorf("want one line per answered call with credential_id %s:\n%s", id, logs)
	}
}

// An endpoint outage is one line, however many calls fail (concurrently, with
// different tokens); the first answer after it is one "recovered" line with
// the count. Every failed call is counted for bulwark_introspection_failures_total.
func TestOutageLoggedOnce(t *testing.T) {
	var buf logtest.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	as := newAS(t, activeBody())
	as.setHandler(rawHandler(http.StatusBadGateway, "text/plain", "down"))
	a := newTestAuth(t, as, newClock(), logger, func(c *Config) { c.Name = "outage-as" })
	before := failures.Get("outage-as")
	const calls = 40
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Authenticate(bearerRequest(fmt.Sprintf("opaque-token-%03d", i))); err == nil {
				t.Error("a failing endpoint authenticated a token")
			}
		}()
	}
	wg.Wait()
	if got := failures.Get("outage-as") - before; got != calls {
		t.Errorf("failures counted %d, want %d", got, calls)
	}
	as.setHandler(jsonHandler(activeBody()))
	for i := range 3 {
		if _, err := a.Authenticate(bearerRequest(fmt.Sprintf("good-token-%d", i))); err != nil {
			t.Fatalf("after recovery: %v", err)
		}
	}
	logs := buf.String()
	if n := strings.Count(logs, "token introspection failing"); n != 1 {
		t.Errorf("%d failure lines for one outage of %d calls:\n%s", n, calls, logs)
	}
	if n := strings.Count(logs, `"msg":"token introspection recovered"`); n != 1 || !strings.Contains(logs, fmt.Sprintf(`"failures":%d`, calls)) {
		t.Errorf("want one recovery line with the failure count:\n%s", logs)
	}
	found := false
	for _, c := range Failures() {
		found = found || c.Name == "outage-as" && c.N >= calls
	}
	if !found {
		t.Errorf("Failures() lacks the endpoint: %v", Failures())
	}
}
