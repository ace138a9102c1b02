package logsafe

import (
	"context"
	"io"
	"log"
	"log/slog"
	"strings"
	"time"
)

// maxLine bounds one logged line after masking.
const maxLine = 512

// Writer returns an io.Writer for a standard log.Logger (or log.SetOutput) that
// records each line at level through h, quoted spans masked. The logger using
// it should have no flags: slog adds the time.
func Writer(h slog.Handler, level slog.Level) io.Writer { return &writer{h: h, level: level} }

// Logger returns a log.Logger for http.Server.ErrorLog and
// httputil.ReverseProxy.ErrorLog that writes through Writer.
func Logger(h slog.Handler, level slog.Level) *log.Logger {
	return log.New(Writer(h, level), "", 0)
}

type writer struct {
	h     slog.Handler
	level slog.Level
}

// Write records p as one message. It never fails: a log line is not worth an
// error in the code that logs.
func (w *writer) Write(p []byte) (int, error) {
	ctx := context.Background()
	if !w.h.Enabled(ctx, w.level) {
		return len(p), nil
	}
	r := slog.NewRecord(time.Now(), w.level, Mask(strings.TrimRight(string(p), "\n")), 0)
	r.AddAttrs(slog.String("source", "net/http"))
	_ = w.h.Handle(ctx, r)
	return len(p), nil
}

// Mask returns s with every double-quoted span (Go %q output, escapes
// included; an unterminated one runs to the end) replaced by "…", cut to
// maxLine bytes.
func Mask(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '"' {
			b.WriteByte(c)
			continue
		}
		b.WriteString(`"…"`)
		for i++; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
			}
		}
	}
	out := b.String()
	if len(out) > maxLine {
		out = strings.ToValidUTF8(out[:maxLine], "") + "…"
	}
	return out
}
