package audit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// Rotation bounds a JSON-lines file: it is rotated when it reaches MaxSize or
// when it is older than Every; rotated files are gzipped when Compress is set,
// and deleted past MaxFiles or MaxAge.
type Rotation struct {
	MaxSize  int64         // bytes; rounded up to whole MiB (at least 1 MiB)
	Every    time.Duration // rotate a file this old; 0 rotates by size only
	MaxAge   time.Duration // delete rotated files older than this (whole days, rounded up); 0 keeps them
	MaxFiles int           // rotated files kept; 0 keeps them all
	Compress bool
}

// rotatingFile is the io.Writer of a rotated JSON-lines file.
type rotatingFile struct {
	mu    sync.Mutex
	l     *lumberjack.Logger
	path  string
	every time.Duration
	since time.Time
	now   func() time.Time
}

// OpenRotatingJSONLines returns a sink appending to the file at path (created
// with mode 0600), rotated as r says by gopkg.in/natefinch/lumberjack.v2. With
// sync set, the file is fsynced after each batch. Close closes it.
func OpenRotatingJSONLines(path string, sync bool, r Rotation) (*JSONLines, error) {
	// Open once as before, so that a path that cannot be written fails at start.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	_ = f.Close()
	const mib = 1 << 20
	rf := &rotatingFile{path: path, every: r.Every, now: time.Now, since: time.Now(),
		l: &lumberjack.Logger{Filename: path, MaxSize: int(max((r.MaxSize+mib-1)/mib, 1)),
			MaxAge: int((r.MaxAge + 24*time.Hour - 1) / (24 * time.Hour)), MaxBackups: r.MaxFiles, Compress: r.Compress}}
	j := NewJSONLines(rf, path, sync)
	j.closer = rf
	return j, nil
}

// Write writes p, rotating first when the current file is older than every.
func (r *rotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.every > 0 && r.now().Sub(r.since) >= r.every {
		if err := r.l.Rotate(); err != nil {
			return 0, err
		}
		r.since = r.now()
	}
	return r.l.Write(p)
}

// Sync flushes the current file: fsync through a new descriptor flushes the
// file's data like the writer's own would.
func (r *rotatingFile) Sync() error {
	f, err := os.Open(r.path)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// Close closes the current file.
func (r *rotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.l.Close()
}

// Backups lists the rotated files of path (for tests and operators), oldest name first.
func Backups(path string) ([]string, error) {
	ext := filepath.Ext(path)
	return filepath.Glob(path[:len(path)-len(ext)] + "-*" + ext + "*")
}

var _ io.WriteCloser = (*rotatingFile)(nil)
