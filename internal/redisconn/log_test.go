package redisconn

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestSlogPrinterWritesStructuredLines(t *testing.T) {
	var out bytes.Buffer
	p := slogPrinter{slog.New(slog.NewJSONHandler(&out, nil))}
	p.Printf(context.Background(), "sentinel: new master=%q addr=%q", "m", "127.0.0.1:6380")
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q (%v)", out.String(), err)
	}
	if line["msg"] != "redis client" || line["detail"] != `sentinel: new master="m" addr="127.0.0.1:6380"` {
		t.Fatalf("line %v", line)
	}
}
