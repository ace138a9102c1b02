package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// ErrLowDiskSpace reports an audit write refused because the filesystem of the
// SQLite file has less free space than the floor: the store leaves the last
// bytes to the rest of the gateway.
var ErrLowDiskSpace = errors.New("free disk space below the audit floor")

// SetFreeSpaceFloor makes audit appends to a SQLite file fail with
// ErrLowDiskSpace, writing nothing, while its filesystem has fewer than bytes
// free. 0 turns the check off. PostgreSQL stores are not checked (their disk
// is the database server's).
func (s *Store) SetFreeSpaceFloor(bytes int64) { s.floor.Store(bytes) }

func (s *Store) checkFloor() error {
	floor := s.floor.Load()
	if floor <= 0 || s.file == "" {
		return nil
	}
	free, err := freeBytes(filepath.Dir(s.file))
	if err != nil {
		return nil //nolint:nilerr // unmeasurable: the write itself will report a full disk
	}
	if free < floor {
		return fmt.Errorf("%w: %d bytes free, floor %d", ErrLowDiskSpace, free, floor)
	}
	return nil
}

// AuditBounds are the limits EnforceAuditBounds keeps the audit tables within.
// A zero field is no limit.
type AuditBounds struct {
	MaxAge       time.Duration // events older than this are deleted
	RollupMaxAge time.Duration // rollups and refusal summaries older than this are deleted
	// MaxBytes bounds the store's size (SQLite: the database's used pages;
	// PostgreSQL: the audit tables' live share, estimated from statistics).
	// Past it, the oldest events are deleted until the size is 90 % of it.
	MaxBytes int64
}

// PruneResult says what EnforceAuditBounds deleted.
type PruneResult struct {
	ByAge, BySize, Rollups int64 // rows deleted
	SizeBefore, SizeAfter  int64 // bytes, as AuditSize measured them
}

// sizeTarget is where a size prune stops, as a share of MaxBytes, so that a
// store at its limit is not pruned again by every batch.
const sizeTarget = 0.9

// EnforceAuditBounds deletes what b's limits exclude, oldest first, in chunks
// of at most pruneChunk rows, each its own short transaction, so appends
// proceed between them. On SQLite, freed pages are then returned to the
// filesystem in small steps (incremental vacuum; see docs/audit.md for
// databases created before auto_vacuum was set).
func (s *Store) EnforceAuditBounds(ctx context.Context, b AuditBounds) (PruneResult, error) {
	var res PruneResult
	var err error
	if b.MaxAge > 0 {
		if res.ByAge, err = s.PruneAudit(ctx, time.Now().Add(-b.MaxAge)); err != nil {
			return res, err
		}
	}
	if b.RollupMaxAge > 0 {
		if res.Rollups, err = s.pruneRollups(ctx, time.Now().Add(-b.RollupMaxAge)); err != nil {
			return res, err
		}
	}
	if b.MaxBytes > 0 {
		if res.SizeBefore, err = s.AuditSize(ctx); err != nil {
			return res, err
		}
		res.SizeAfter = res.SizeBefore
		if res.SizeBefore > b.MaxBytes {
			if res.BySize, err = s.pruneToSize(ctx, res.SizeBefore, int64(float64(b.MaxBytes)*sizeTarget)); err != nil {
				return res, err
			}
		}
	}
	if res.ByAge+res.BySize+res.Rollups > 0 {
		if err := s.incrementalVacuum(ctx); err != nil {
			return res, err
		}
		if b.MaxBytes > 0 {
			if res.SizeAfter, err = s.AuditSize(ctx); err != nil {
				return res, err
			}
		}
	}
	return res, s.checkpoint(ctx)
}

// AuditSize returns the bytes the audit data occupies: on SQLite the
// database's used pages (the whole file but its free pages); on PostgreSQL
// the rollup and summary tables with their indexes, and the events' estimated
// live bytes (see eventsSize).
func (s *Store) AuditSize(ctx context.Context) (int64, error) {
	var size int64
	var err error
	if s.d.name == DialectSQLite {
		err = s.write.QueryRowContext(ctx, "SELECT (p.page_count - f.freelist_count) * z.page_size "+
			"FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() z").Scan(&size)
	} else {
		var events, others int64
		if events, err = s.eventsSize(ctx); err == nil {
			err = s.write.QueryRowContext(ctx, "SELECT pg_total_relation_size('audit_rollups') + "+
				"pg_total_relation_size('audit_refusals')").Scan(&others)
		}
		size = events + others
	}
	if err != nil {
		return 0, fmt.Errorf("store: audit size: %w", err)
	}
	return size, nil
}

// sizePasses bounds the delete-and-measure passes of one size prune (freed
// index entries may leave pages partly used, so one pass can fall short).
const sizePasses = 4

// pruneToSize deletes the oldest events until about target bytes remain. The
// rows to delete are estimated from the events' own share of the size (table
// and indexes) and their id span (ids only grow and pruning removes the
// oldest, so the span is close to the count).
func (s *Store) pruneToSize(ctx context.Context, size, target int64) (int64, error) {
	var total int64
	for pass := 0; pass < sizePasses && size > target; pass++ {
		n, err := s.pruneToSizeOnce(ctx, size, target)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
		if size, err = s.AuditSize(ctx); err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Store) pruneToSizeOnce(ctx context.Context, size, target int64) (int64, error) {
	var lo, hi *int64
	if err := s.write.QueryRowContext(ctx, "SELECT min(id), max(id) FROM audit_events").Scan(&lo, &hi); err != nil {
		return 0, fmt.Errorf("store: prune audit by size: %w", err)
	}
	if lo == nil || hi == nil {
		return 0, nil // nothing to delete: the rollups alone are over (see docs)
	}
	events, err := s.eventsSize(ctx)
	if err != nil {
		return 0, err
	}
	rows := *hi - *lo + 1
	perRow := max(float64(events)/float64(rows), 1)
	excess := min(int64(float64(size-target)/perRow)+1, rows)
	cut := *lo + excess
	q := s.d.rebind("DELETE FROM audit_events WHERE id < ? AND id < ?")
	var total int64
	for from := *lo; from < cut; from += pruneChunk {
		res, err := s.write.ExecContext(ctx, q, min(from+pruneChunk, cut), cut)
		if err != nil {
			return total, fmt.Errorf("store: prune audit by size: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// eventsSize returns the bytes of audit_events with its indexes: on SQLite
// from the dbstat table (exact), on PostgreSQL estimated (pgEventsSize).
func (s *Store) eventsSize(ctx context.Context) (int64, error) {
	var size int64
	var err error
	if s.d.name == DialectSQLite {
		err = s.write.QueryRowContext(ctx, "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "+
			"(SELECT name FROM sqlite_schema WHERE tbl_name = 'audit_events')").Scan(&size)
	} else {
		size, err = s.pgEventsSize(ctx)
	}
	if err != nil {
		return 0, fmt.Errorf("store: audit events size: %w", err)
	}
	return size, nil
}

// pruneRollups deletes rollup, refusal summary and console counter rows of
// minutes (counters: buckets) before cut.
func (s *Store) pruneRollups(ctx context.Context, cut time.Time) (int64, error) {
	var total int64
	for _, table := range []string{"audit_rollups", "audit_refusals", "audit_counters"} {
		col, rowid := "minute", "rowid"
		if table == "audit_counters" {
			col, rowid = "bucket", "(span, dim, bucket, key, decision, reason)" // WITHOUT ROWID on SQLite
		}
		q := "DELETE FROM " + table + " WHERE " + rowid + " IN (SELECT " + strings.Trim(rowid, "()") + " FROM " + table + " WHERE " + col + " < ? LIMIT ?)"
		if s.d.name != DialectSQLite {
			q = s.d.rebind("DELETE FROM " + table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + table + " WHERE " + col + " < ? LIMIT ?))")
		}
		for {
			res, err := s.write.ExecContext(ctx, q, s.d.timeArg(cut), int64(pruneChunk))
			if err != nil {
				return total, fmt.Errorf("store: prune %s: %w", table, err)
			}
			n, _ := res.RowsAffected()
			total += n
			if n < pruneChunk {
				break
			}
		}
	}
	return total, nil
}

// vacuumStep is the most pages one incremental vacuum returns (4 MiB of 4 KiB pages).
const vacuumStep = 1024

// checkpoint copies a SQLite file's write-ahead log into the database file
// without waiting for anyone (PASSIVE), which also truncates the file to the
// pages a vacuum left. SQLite checkpoints by itself only when a commit finds
// the log past 1,000 pages, so after a prune near the end of a burst of
// traffic the file on disk kept its old size until the next burst; run on
// every bounds tick, the bound holds on disk too. A checkpoint with nothing
// to copy returns at once; one that readers hold back copies what it can and
// the next tick goes on. A no-op on PostgreSQL.
func (s *Store) checkpoint(ctx context.Context) error {
	if s.d.name != DialectSQLite || s.file == "" {
		return nil
	}
	if _, err := s.write.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}

// incrementalVacuum returns a SQLite file's free pages to the filesystem, a
// step at a time, when the database has auto_vacuum=incremental; otherwise
// (older databases) the free pages are reused by later writes.
func (s *Store) incrementalVacuum(ctx context.Context) error {
	if s.d.name != DialectSQLite {
		return nil
	}
	var mode int
	if err := s.write.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil || mode != 2 {
		return nil //nolint:nilerr // not incremental: nothing to do
	}
	for range 256 { // at most 1 GiB a run; the next run continues
		var free int64
		if err := s.write.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
			return fmt.Errorf("store: vacuum: %w", err)
		}
		if free == 0 {
			return nil
		}
		if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA incremental_vacuum(%d)", vacuumStep)); err != nil {
			return fmt.Errorf("store: vacuum: %w", err)
		}
	}
	return nil
}

// pgEventsSize estimates the live bytes of audit_events on PostgreSQL, which
// keeps the space of deleted rows (reused after autovacuum) and whose
// statistics lag: rows (the id span) times the bytes of a row, measured on the
// newest 1,000 rows: the heap tuple with its header and line pointer, and the
// entries of the three indexes (btree leaves about 90 % full).
func (s *Store) pgEventsSize(ctx context.Context) (int64, error) {
	var rows, tuple, keys float64
	err := s.write.QueryRowContext(ctx, `SELECT coalesce(max(id) - min(id) + 1, 0)::float8 FROM audit_events`).Scan(&rows)
	if err != nil || rows == 0 {
		return 0, err
	}
	err = s.write.QueryRowContext(ctx, `SELECT coalesce(avg(pg_column_size(a.*)), 0)::float8,
	coalesce(avg(pg_column_size(a.ts) + pg_column_size(a.api) + pg_column_size(a.route) + pg_column_size(a.request_id)), 0)::float8
FROM (SELECT * FROM audit_events ORDER BY id DESC LIMIT 1000) a`).Scan(&tuple, &keys)
	if err != nil {
		return 0, err
	}
	const tupleOverhead, indexEntryOverhead, btreeFill = 28, 12, 0.9
	perRow := tuple + tupleOverhead + (keys+3*indexEntryOverhead)/btreeFill
	return int64(rows * perRow), nil
}
