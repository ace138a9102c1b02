package audit

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// rotatingFile is the io.Writer of a rotated JSON-lines file. lumberjack
// renames and prunes the files; the rotation decision (size and age) and the
// compression of rotated files are made here, so that compression runs at
// gzip.BestSpeed: lumberjack compresses at the default level, which on a busy
// gateway took 2.3 % of the process's CPU (bench/profile.sh, PROFILE_ROUTE=full)
// for files read rarely, by tools that do not mind a larger .gz.
type rotatingFile struct {
	mu       sync.Mutex
	l        *lumberjack.Logger
	path     string
	every    time.Duration
	since    time.Time
	now      func() time.Time
	maxBytes int64 // the size lumberjack rotates at, in bytes (whole MiB)
	size     int64 // bytes in the current file; -1 until the first write stats it
	compress bool
	kick     chan struct{} // a rotation happened: compress what is rotated (cap 1)
	stop     chan struct{}
	done     chan struct{} // the compressor has returned
	closed   bool
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
	megs := max((r.MaxSize+mib-1)/mib, 1)
	rf := &rotatingFile{path: path, every: r.Every, now: time.Now, since: time.Now(),
		maxBytes: megs * mib, size: -1, compress: r.Compress,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		l: &lumberjack.Logger{Filename: path, MaxSize: int(megs),
			MaxAge: int((r.MaxAge + 24*time.Hour - 1) / (24 * time.Hour)), MaxBackups: r.MaxFiles}}
	if rf.compress {
		rf.kick <- struct{}{} // files rotated before a restart and not yet compressed
		go rf.compressor()
	} else {
		close(rf.done)
	}
	j := NewJSONLines(rf, path, sync)
	j.closer = rf
	return j, nil
}

// Write writes p, rotating first when the current file is older than every
// or would grow past the size limit with p.
func (r *rotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rotate := r.every > 0 && r.now().Sub(r.since) >= r.every
	if r.size < 0 { // as lumberjack opens it: an existing file that p would fill is rotated
		r.size = 0
		if st, err := os.Stat(r.path); err == nil {
			r.size = st.Size()
		}
		rotate = rotate || (r.size > 0 && r.size+int64(len(p)) >= r.maxBytes)
	}
	if rotate || (r.size > 0 && r.size+int64(len(p)) > r.maxBytes) {
		if err := r.l.Rotate(); err != nil {
			return 0, err
		}
		r.since, r.size = r.now(), 0
		if r.compress {
			select {
			case r.kick <- struct{}{}:
			default: // one is pending; it will find this file too
			}
		}
	}
	n, err := r.l.Write(p)
	r.size += int64(n)
	return n, err
}

// compressor gzips rotated files, one kick at a time, until Close.
func (r *rotatingFile) compressor() {
	defer close(r.done)
	for {
		select {
		case <-r.stop:
			return
		case <-r.kick:
			r.compressRotated()
		}
	}
}

// compressRotated gzips every rotated file that is not gzipped yet. A file
// that cannot be compressed stays as it is (and is tried again after the next
// rotation); nothing is removed before its .gz is complete and synced.
func (r *rotatingFile) compressRotated() {
	files, err := Backups(r.path)
	if err != nil {
		return
	}
	for _, name := range files {
		select {
		case <-r.stop:
			return
		default:
		}
		if !r.rotatedName(name) { // a .gz, or a file of the operator's that only looks alike
			continue
		}
		if err := gzipFile(name); err == nil {
			_ = os.Remove(name)
		}
	}
}

// rotatedTimeFormat is the timestamp lumberjack puts in a rotated file's name
// (audit-2026-12-07T02-05-00.000.jsonl).
const rotatedTimeFormat = "2006-01-02T15-04-05.000"

// rotatedName reports whether name is a file lumberjack rotated out of r.path
// and left uncompressed: the same directory, stem and extension, and a
// timestamp in between. Anything else matching Backups' pattern is not ours
// to compress and remove.
func (r *rotatingFile) rotatedName(name string) bool {
	if filepath.Dir(name) != filepath.Dir(r.path) {
		return false
	}
	base, own := filepath.Base(name), filepath.Base(r.path)
	ext := filepath.Ext(own)
	prefix := strings.TrimSuffix(own, ext) + "-"
	if !strings.HasPrefix(base, prefix) || !strings.HasSuffix(base, ext) || len(base) < len(prefix)+len(ext) {
		return false
	}
	_, err := time.Parse(rotatedTimeFormat, base[len(prefix):len(base)-len(ext)])
	return err == nil
}

// gzipFile writes name+".gz" (mode 0600, like the audit file) at gzip.BestSpeed
// and syncs it; on failure the partial .gz is removed.
func gzipFile(name string) (err error) {
	if st, err := os.Lstat(name); err != nil || !st.Mode().IsRegular() {
		return errors.New("audit: not a regular file") // gone (pruned meanwhile), or a link planted beside the trail
	}
	src, err := os.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(name+".gz", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(name + ".gz")
		}
	}()
	zw, _ := gzip.NewWriterLevel(dst, gzip.BestSpeed)
	_, err = io.Copy(zw, src)
	err = errors.Join(err, zw.Close())
	if err == nil {
		err = dst.Sync()
	}
	return errors.Join(err, dst.Close())
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

// Close closes the current file and stops the compressor (a compression under
// way is finished first; one not started is left to the next start).
func (r *rotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		close(r.stop)
		<-r.done
	}
	return r.l.Close()
}

// Backups lists the rotated files of path (for tests and operators), oldest name first.
func Backups(path string) ([]string, error) {
	ext := filepath.Ext(path)
	return filepath.Glob(path[:len(path)-len(ext)] + "-*" + ext + "*")
}

var _ io.WriteCloser = (*rotatingFile)(nil)
