package audit

import (
	"context"
	"os"
	"path/filepath"
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
