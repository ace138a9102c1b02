package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestSQLiteIncrementalVacuumShrinksFile: a new SQLite store has
// auto_vacuum=incremental, so pruning returns pages to the filesystem.
func TestSQLiteIncrementalVacuumShrinksFile(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	s := storetest.Open(t, dsn)
	ctx := context.Background()
	var mode int
	if err := rawDB(t, dsn).QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum = %d, %v; want 2 (incremental)", mode, err)
	}
	old := time.Now().Add(-48 * time.Hour)
	batch := make([]audit.Event, 256)
	for i := range 40 {
		for j := range batch {
			batch[j] = audit.Event{Time: old, RequestID: fmt.Sprint(i, "-", j), Method: "GET", Path: "/" + strings.Repeat("x", 300),
				ClientIP: "192.0.2.1", Decision: audit.DecisionDeny, Status: 403}
		}
		if err := s.AppendAudit(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	file := strings.TrimPrefix(dsn, "sqlite:")
	checkpoint := func() int64 {
		if _, err := rawDB(t, dsn).ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := checkpoint()
	res, err := s.EnforceAuditBounds(ctx, store.AuditBounds{MaxAge: time.Hour})
	if err != nil || res.ByAge != 40*256 {
		t.Fatalf("EnforceAuditBounds = %+v, %v", res, err)
	}
	if after := checkpoint(); after > before/4 {
		t.Fatalf("file %d bytes after pruning every row, was %d: pages not returned", after, before)
	}
}

// TestSQLiteBoundsShrinkFileOnDisk: the file on disk shrinks when the bounds
// prune it, without a later write to trigger SQLite's own checkpoint (the
// end of a burst of traffic: TestAuditRotationAndPruningUnderLoad waited for
// a file that kept its size although its used pages were under the bound).
func TestSQLiteBoundsShrinkFileOnDisk(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	s := storetest.Open(t, dsn)
	ctx := context.Background()
	batch := make([]audit.Event, 256)
	for i := range 18 { // ~2 MiB: pruning to 1 MiB changes fewer pages than SQLite's own checkpoint waits for
		for j := range batch {
			batch[j] = audit.Event{Time: time.Now(), RequestID: fmt.Sprint(i, "-", j), Method: "GET", Path: "/" + strings.Repeat("x", 300),
				ClientIP: "192.0.2.1", Decision: audit.DecisionDeny, Status: 403}
		}
		if err := s.AppendAudit(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	file := strings.TrimPrefix(dsn, "sqlite:")
	if _, err := rawDB(t, dsn).ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	const bound = 1 << 20
	if st.Size() < bound*3/2 {
		t.Fatalf("setup: file %d bytes; want well over the %d-byte bound", st.Size(), bound)
	}
	res, err := s.EnforceAuditBounds(ctx, store.AuditBounds{MaxBytes: bound})
	if err != nil || res.BySize == 0 || res.SizeAfter > bound {
		t.Fatalf("EnforceAuditBounds = %+v, %v", res, err)
	}
	if st, err = os.Stat(file); err != nil {
		t.Fatal(err)
	}
	if st.Size() > bound+bound/4 {
		t.Fatalf("file %d bytes on disk after pruning to %d used bytes (bound %d): the pages left only the write-ahead log",
			st.Size(), res.SizeAfter, bound)
	}
}
