package logsafe

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "http: TLS handshake error from 1.2.3.4:5: EOF", "http: TLS handshake error from 1.2.3.4:5: EOF"},
		{"unsolicited", `Unsolicited response received on idle HTTP channel starting with "SECRET-BODY\n{\"ssn\":1}"; err=<nil>`,
			`Unsolicited response received on idle HTTP channel starting with "…"; err=<nil>`},
		{"two spans", `a "x" b "y\"z" c`, `a "…" b "…" c`},
		{"unterminated", `bad "SECRET\"more`, `bad "…"`},
		{"escaped backslash before quote", `q "a\\" tail "b"`, `q "…" tail "…"`},
		{"long", strings.Repeat("a", 600), strings.Repeat("a", maxLine) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Fatalf("Mask = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoggerKeepsNoQuotedBytes(t *testing.T) {
	var buf bytes.Buffer
	l := Logger(slog.NewJSONHandler(&buf, nil), slog.LevelWarn)
	l.Printf("Unsolicited response received on idle HTTP channel starting with %q; err=%v", "UPSTREAM-SECRET", nil)
	out := buf.String()
	if strings.Contains(out, "UPSTREAM-SECRET") || !strings.Contains(out, "Unsolicited response") || !strings.Contains(out, `"level":"WARN"`) {
		t.Fatalf("log line: %s", out)
	}
	buf.Reset()
	Logger(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}), slog.LevelWarn).Print("dropped")
	if buf.Len() != 0 {
		t.Fatalf("a disabled level was logged: %s", buf.String())
	}
}
