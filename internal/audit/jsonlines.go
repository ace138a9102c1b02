package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// maxKeptBuffer is the largest encode buffer kept between batches; a bigger one,
// grown by an unusually large batch, is let go.
const maxKeptBuffer = 1 << 20

// JSONLines is a Sink writing one JSON object per line (AppendJSON) to an io.Writer,
// one Write call per batch.
type JSONLines struct {
	mu     sync.Mutex
	w      io.Writer
	name   string
	sync   bool
	owned  *os.File  // the file OpenJSONLines opened, closed by Close
	closer io.Closer // the rotating file OpenRotatingJSONLines opened, closed by Close
	buf    []byte
}

var _ Sink = (*JSONLines)(nil)

// NewJSONLines returns a sink writing to w (for example os.Stdout), named name in logs.
// If sync is set and w is an *os.File, the file is fsynced after each batch.
func NewJSONLines(w io.Writer, name string, sync bool) *JSONLines {
	return &JSONLines{w: w, name: "jsonlines:" + name, sync: sync}
}

// OpenJSONLines opens (creating it with mode 0600 if needed) the file at path for
// appending and returns a sink writing to it. Close closes the file.
func OpenJSONLines(path string, sync bool) (*JSONLines, error) {
	// 0600: the audit trail names clients and principals; other local users need not read it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	j := NewJSONLines(f, path, sync)
	j.owned = f
	return j, nil
}

// Name identifies the sink in logs: "jsonlines:" followed by the name or path.
func (j *JSONLines) Name() string { return j.name }

// Write encodes batch and writes it with a single Write call, then fsyncs if configured.
func (j *JSONLines) Write(ctx context.Context, batch []Event) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: %s: %w", j.name, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	buf := j.buf[:0]
	for i := range batch {
		buf = AppendJSON(buf, &batch[i])
		buf = append(buf, '\n')
	}
	if cap(buf) <= maxKeptBuffer {
		j.buf = buf
	}
	if _, err := j.w.Write(buf); err != nil {
		return fmt.Errorf("audit: %s: write: %w", j.name, err)
	}
	return j.fsync()
}

// fsync flushes the file to stable storage when configured. Pipes and terminals
// (stdout) cannot be synced; that is not an error.
func (j *JSONLines) fsync() error {
	f, ok := j.w.(interface{ Sync() error })
	if !j.sync || !ok {
		return nil
	}
	err := f.Sync()
	if err == nil || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return fmt.Errorf("audit: %s: sync: %w", j.name, err)
}

// Close closes the file opened by OpenJSONLines; for a sink over a caller's writer it
// does nothing. Call it after Recorder.Close.
func (j *JSONLines) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := j.closer
	if j.owned != nil {
		c = j.owned
	}
	if c == nil {
		return nil
	}
	err := c.Close()
	j.owned, j.closer = nil, nil
	if err != nil {
		return fmt.Errorf("audit: %s: close: %w", j.name, err)
	}
	return nil
}
