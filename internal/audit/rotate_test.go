package audit

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRotatingJSONLinesBySizeAndAge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	j, err := OpenRotatingJSONLines(path, true, Rotation{MaxSize: 1 << 20, Every: time.Hour, MaxFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rf := j.w.(*rotatingFile)
	clock := time.Now()
	rf.now = func() time.Time { return clock }
	batch := make([]Event, 256)
	for i := range batch {
		batch[i] = Event{Time: clock, RequestID: "r", Method: "GET", Path: "/x", ClientIP: "192.0.2.1", Decision: DecisionAllow, Status: 200}
	}
	ctx := context.Background()
	// ~30 KB a batch: 80 batches pass 1 MiB at least twice.
	for range 80 {
		if err := j.Write(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	sizeRotated, _ := Backups(path)
	if len(sizeRotated) == 0 {
		t.Fatal("no file rotated by size")
	}
	clock = clock.Add(2 * time.Hour) // the current file is now too old
	if err := j.Write(ctx, batch[:1]); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Size() > 200 || st.Mode().Perm() != 0o600 {
		t.Fatalf("after age rotation the file is %v, %v; want one line, mode 0600", st, err)
	}
	// lumberjack deletes surplus backups in the background; generous: a
	// loaded CI machine may take longer than the 2 s once allowed here.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, _ := Backups(path); len(b) <= 2 {
			return
		}
	}
	b, _ := Backups(path)
	t.Fatalf("%d backups kept, want at most 2: %v", len(b), b)
}

// Rotated files are gzipped in the background and every line written is in
// exactly one place: a .gz or the current file. Nothing is lost to rotation
// or compression, and no uncompressed rotated file is left behind.
func TestRotatingJSONLinesCompressesWithoutLoss(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	// A file rotated before a restart and never compressed (lumberjack's naming).
	leftover := filepath.Join(dir, "audit-2026-01-02T03-04-05.000.jsonl")
	if err := os.WriteFile(leftover, []byte(`{"request_id":"before-restart"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A file of the operator's that only looks like a rotated one: not touched.
	notOurs := filepath.Join(dir, "audit-notes.jsonl")
	if err := os.WriteFile(notOurs, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A link named like a rotated file: not followed, not removed.
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("not for the audit dir\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "audit-2026-01-01T00-00-00.000.jsonl")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	j, err := OpenRotatingJSONLines(path, false, Rotation{MaxSize: 1 << 20, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const batches, perBatch = 120, 256
	clock := time.Now()
	for b := range batches {
		batch := make([]Event, perBatch)
		for i := range batch {
			batch[i] = Event{Time: clock, RequestID: fmt.Sprintf("r-%d-%d", b, i), Method: "GET", Path: "/x", ClientIP: "192.0.2.1", Decision: DecisionAllow, Status: 200}
		}
		if err := j.Write(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil { // waits for a compression under way
		t.Fatal(err)
	}
	// Close may have stopped the compressor before it reached every file: a
	// second open (a restart) compresses the rest.
	j2, err := OpenRotatingJSONLines(path, false, Rotation{MaxSize: 1 << 20, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	var backups []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		backups, _ = Backups(path)
		backups = slices.DeleteFunc(backups, func(b string) bool { return b == notOurs || b == link })
		plain := 0
		for _, b := range backups {
			if !strings.HasSuffix(b, ".gz") {
				plain++
			}
		}
		if plain == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rotated files still uncompressed: %v", plain, backups)
		}
	}
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}
	if len(backups) < 3 { // the leftover and at least two size rotations
		t.Fatalf("backups %v: want the leftover and at least two rotated files", backups)
	}
	seen := map[string]int{}
	read := func(r io.Reader) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var e struct {
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatalf("a line that is not JSON: %q: %v", sc.Text(), err)
			}
			seen[e.RequestID]++
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range backups {
		f, err := os.Open(b)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := f.Stat(); st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", b, st.Mode().Perm())
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		read(zr)
		f.Close()
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	read(f)
	f.Close()
	if b, err := os.ReadFile(notOurs); err != nil || string(b) != "keep me\n" {
		t.Errorf("the operator's audit-notes.jsonl: %q, %v; want it untouched", b, err)
	}
	if _, err := os.Stat(notOurs + ".gz"); err == nil {
		t.Error("the operator's audit-notes.jsonl was compressed")
	}
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("the planted link was removed: %v", err)
	}
	if _, err := os.Stat(link + ".gz"); err == nil {
		t.Error("the planted link was followed and its target compressed into the audit directory")
	}
	if seen["before-restart"] != 1 {
		t.Errorf("the leftover rotated file's line was seen %d times, want once", seen["before-restart"])
	}
	for b := range batches {
		for i := range perBatch {
			if id := fmt.Sprintf("r-%d-%d", b, i); seen[id] != 1 {
				t.Fatalf("event %s found %d times, want exactly once", id, seen[id])
			}
		}
	}
}
