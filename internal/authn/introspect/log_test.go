package introspect

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLogsNeverHoldToken(t *testing.T) {
	const secret = "client-SECRET-value"
	var buf syncBuffer
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
			c.Timeout = 20 * time.Millisecond
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
	if strings.Count(logs, `"credential_id":"`+id+`"`) != len(handlers) {
		t.Errorf("want one line per call with credential_id %s:\n%s", id, logs)
	}
}
