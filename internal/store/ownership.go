package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Ownership errors, compared with errors.Is.
var (
	// ErrOwnerNotFound reports that no ownership record exists for an object.
	ErrOwnerNotFound = errors.New("ownership record not found")
	// ErrInvalidOwnership reports an object type, id or owner that cannot be
	// stored: empty, too long, not UTF-8 or holding a NUL byte.
	ErrInvalidOwnership = errors.New("invalid ownership record")
)

// Ownership bounds.
const (
	MaxOwnershipField  = 512   // most bytes in an object type, object id or owner
	DefaultOwnerLimit  = 1000  // records ListOwners returns when OwnerFilter.Limit is 0
	MaxOwnerLimit      = 10000 // most records one ListOwners call returns
	MaxOwnershipEvents = 1000  // most events one OwnershipEventsSince call returns
	// ImportEventThreshold is the most records an ImportOwners call records
	// one event each for; a larger import records one reset event instead.
	ImportEventThreshold = 1000
)

// ownerChunk is the most rows one INSERT of ImportOwners carries: 4
// parameters a row stay far below both backends' parameter limits.
const ownerChunk = 500

// OwnershipRecord says who owns one object: the principal whose create
// request made it. Object types and ids are compared exactly (bytewise).
type OwnershipRecord struct {
	ObjectType string    `json:"object"`
	ObjectID   string    `json:"id"`
	Owner      string    `json:"owner"`
	CreatedAt  time.Time `json:"created_at,omitzero"` // when the owner was recorded; UTC to the microsecond
}

// Validate reports whether r can be stored: every field 1 to
// MaxOwnershipField bytes of UTF-8 without NUL. Values are never rewritten:
// two ids differing only in invalid bytes must not share one record.
func (r OwnershipRecord) Validate() error {
	return errors.Join(checkOwnershipField("object type", r.ObjectType),
		checkOwnershipField("object id", r.ObjectID), checkOwnershipField("owner", r.Owner))
}

func checkOwnershipField(what, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: %s is required", ErrInvalidOwnership, what)
	case len(v) > MaxOwnershipField:
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalidOwnership, what, MaxOwnershipField)
	case !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0:
		return fmt.Errorf("%w: %s must be UTF-8 without NUL bytes", ErrInvalidOwnership, what)
	}
	return nil
}

// checkObject validates an object's type and id.
func checkObject(objectType, objectID string) error {
	return errors.Join(checkOwnershipField("object type", objectType), checkOwnershipField("object id", objectID))
}

// check validates the set fields of f, which PostgreSQL would refuse
// if they were not UTF-8.
func (f OwnerFilter) check() error {
	var errs []error
	for _, v := range []struct{ what, v string }{{"object type", f.ObjectType}, {"owner", f.Owner},
		{"after type", f.AfterType}, {"after id", f.AfterID}} {
		if v.v != "" {
			errs = append(errs, checkOwnershipField(v.what, v.v))
		}
	}
	return errors.Join(errs...)
}

// OwnerFilter selects records for ListOwners, which returns them ordered by
// (object type, object id), bytewise.
type OwnerFilter struct {
	ObjectType string // "" matches every type
	Owner      string // "" matches every owner
	Limit      int    // DefaultOwnerLimit when <= 0, at most MaxOwnerLimit
	// AfterType and AfterID page: only records after (AfterType, AfterID) in
	// listing order. Pass the last record's type and id; both "" start at the top.
	AfterType, AfterID string
}

// OwnershipEvent is a change to one object's record, for cross-node cache
// invalidation. An empty ObjectType means many records changed (a bulk
// import): drop everything cached. IDs grow in commit order and are never reused.
type OwnershipEvent struct {
	ID         int64
	ObjectType string
	ObjectID   string
	At         time.Time
}

// SetOwner records r, replacing the owner and time of an existing record of
// the same object, and records an event, in one transaction. CreatedAt
// defaults to now.
func (s *Store) SetOwner(ctx context.Context, r OwnershipRecord) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("store: set owner: %w", err)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	err := s.ownerTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.upsertOwnersSQL(1), s.ownerArgs([]OwnershipRecord{r})...); err != nil {
			return err
		}
		return s.ownerEvent(ctx, tx, r.ObjectType, r.ObjectID, r.CreatedAt)
	})
	if err != nil {
		return fmt.Errorf("store: set owner of %s %q: %w", r.ObjectType, r.ObjectID, err)
	}
	return nil
}

// Owner returns the owner of the object, or an error wrapping
// ErrOwnerNotFound when it has no record (ErrInvalidOwnership when the type
// or id could not have one).
func (s *Store) Owner(ctx context.Context, objectType, objectID string) (string, error) {
	if err := checkObject(objectType, objectID); err != nil {
		return "", fmt.Errorf("store: owner: %w", err)
	}
	q := s.d.rebind("SELECT owner FROM ownership_records WHERE object_type = ? AND object_id = ?")
	var owner string
	err := s.read.QueryRowContext(ctx, q, objectType, objectID).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("store: owner of %s %q: %w", objectType, objectID, ErrOwnerNotFound)
	case err != nil:
		return "", fmt.Errorf("store: owner of %s %q: %w", objectType, objectID, err)
	}
	return owner, nil
}

// DeleteOwner removes the object's record and records an event. An object
// with no record wraps ErrOwnerNotFound and records nothing.
func (s *Store) DeleteOwner(ctx context.Context, objectType, objectID string) error {
	if err := checkObject(objectType, objectID); err != nil {
		return fmt.Errorf("store: delete owner: %w", err)
	}
	err := s.ownerTx(ctx, func(tx *sql.Tx) error {
		q := s.d.rebind("DELETE FROM ownership_records WHERE object_type = ? AND object_id = ?")
		res, err := tx.ExecContext(ctx, q, objectType, objectID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return ErrOwnerNotFound
		}
		return s.ownerEvent(ctx, tx, objectType, objectID, time.Now())
	})
	if err != nil {
		return fmt.Errorf("store: delete owner of %s %q: %w", objectType, objectID, err)
	}
	return nil
}

// ListOwners returns the records f selects, ordered by (type, id).
func (s *Store) ListOwners(ctx context.Context, f OwnerFilter) ([]OwnershipRecord, error) {
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("store: list owners: %w", err)
	}
	var w where
	w.eq("object_type", f.ObjectType)
	w.eq("owner", f.Owner)
	if f.AfterType != "" || f.AfterID != "" {
		w.conds = append(w.conds, "(object_type > ? OR (object_type = ? AND object_id > ?))")
		w.args = append(w.args, f.AfterType, f.AfterType, f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultOwnerLimit
	}
	q := "SELECT object_type, object_id, owner, created_at FROM ownership_records" + w.sql() +
		" ORDER BY object_type, object_id LIMIT ?"
	rows, err := s.read.QueryContext(ctx, s.d.rebind(q), append(w.args, int64(min(limit, MaxOwnerLimit)))...)
	if err != nil {
		return nil, fmt.Errorf("store: list owners: %w", err)
	}
	defer rows.Close()
	out := []OwnershipRecord{}
	for rows.Next() {
		var r OwnershipRecord
		if err := rows.Scan(&r.ObjectType, &r.ObjectID, &r.Owner, timeScanner{&r.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: list owners: scan: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list owners: %w", err)
	}
	return out, nil
}

// ImportOwners upserts records in one transaction, all or none, with
// multi-row statements, and returns how many distinct objects it wrote.
// When records name one object twice, the later one wins. An invalid record
// fails the whole import, naming its index. Up to ImportEventThreshold
// records are announced one event each; a larger import records one reset
// event, which makes every node drop its whole cache.
func (s *Store) ImportOwners(ctx context.Context, records []OwnershipRecord) (int, error) {
	recs, err := dedupeOwners(records, time.Now())
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	err = s.ownerTx(ctx, func(tx *sql.Tx) error {
		var full *sql.Stmt
		defer func() {
			if full != nil {
				_ = full.Close()
			}
		}()
		for start := 0; start < len(recs); start += ownerChunk {
			chunk := recs[start:min(start+ownerChunk, len(recs))]
			var err error
			if len(chunk) < ownerChunk {
				_, err = tx.ExecContext(ctx, s.upsertOwnersSQL(len(chunk)), s.ownerArgs(chunk)...)
			} else {
				if full == nil {
					if full, err = tx.PrepareContext(ctx, s.upsertOwnersSQL(ownerChunk)); err != nil {
						return err
					}
				}
				_, err = full.ExecContext(ctx, s.ownerArgs(chunk)...)
			}
			if err != nil {
				return err
			}
		}
		return s.importEvents(ctx, tx, recs)
	})
	if err != nil {
		return 0, fmt.Errorf("store: import %d owners: %w", len(recs), err)
	}
	return len(recs), nil
}

// dedupeOwners validates records and keeps the last record of each object,
// in first-seen order, with CreatedAt defaulting to now.
func dedupeOwners(records []OwnershipRecord, now time.Time) ([]OwnershipRecord, error) {
	type key struct{ typ, id string }
	at := make(map[key]int, len(records))
	out := make([]OwnershipRecord, 0, len(records))
	for i, r := range records {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("store: import owners: record %d: %w", i, err)
		}
		if r.CreatedAt.IsZero() {
			r.CreatedAt = now
		}
		k := key{r.ObjectType, r.ObjectID}
		if j, ok := at[k]; ok {
			out[j] = r
			continue
		}
		at[k] = len(out)
		out = append(out, r)
	}
	return out, nil
}

func (s *Store) importEvents(ctx context.Context, tx *sql.Tx, recs []OwnershipRecord) error {
	now := time.Now()
	if len(recs) > ImportEventThreshold {
		return s.ownerEvent(ctx, tx, "", "", now)
	}
	// One lock and one notification for the whole import.
	if err := s.logEvent(ctx, tx, "ownership_events", ChannelOwnershipEvents); err != nil {
		return err
	}
	for _, r := range recs {
		if err := s.insertOwnerEvent(ctx, tx, r.ObjectType, r.ObjectID, now); err != nil {
			return err
		}
	}
	return nil
}

// upsertOwnersSQL is an INSERT of rows records that replaces the owner and
// time of records already there.
func (s *Store) upsertOwnersSQL(rows int) string {
	const values = "(?, ?, ?, ?)"
	var b strings.Builder
	b.Grow(200 + rows*(len(values)+2))
	b.WriteString("INSERT INTO ownership_records (object_type, object_id, owner, created_at) VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(values)
	}
	b.WriteString(" ON CONFLICT (object_type, object_id) DO UPDATE SET owner = excluded.owner, created_at = excluded.created_at")
	return s.d.rebind(b.String())
}

func (s *Store) ownerArgs(recs []OwnershipRecord) []any {
	args := make([]any, 0, 4*len(recs))
	for _, r := range recs {
		args = append(args, r.ObjectType, r.ObjectID, r.Owner, s.d.timeArg(r.CreatedAt))
	}
	return args
}

// OwnershipEventsSince returns up to MaxOwnershipEvents events with an id
// above afterID, in id order. Ask again from the last id when it returns
// MaxOwnershipEvents.
func (s *Store) OwnershipEventsSince(ctx context.Context, afterID int64) ([]OwnershipEvent, error) {
	q := s.d.rebind("SELECT id, object_type, object_id, at FROM ownership_events WHERE id > ? ORDER BY id LIMIT ?")
	rows, err := s.read.QueryContext(ctx, q, afterID, int64(MaxOwnershipEvents))
	if err != nil {
		return nil, fmt.Errorf("store: ownership events: %w", err)
	}
	defer rows.Close()
	var out []OwnershipEvent
	for rows.Next() {
		var e OwnershipEvent
		if err := rows.Scan(&e.ID, &e.ObjectType, &e.ObjectID, timeScanner{&e.At}); err != nil {
			return nil, fmt.Errorf("store: ownership events: scan: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: ownership events: %w", err)
	}
	return out, nil
}

// LatestOwnershipEventID returns the highest ownership event id, 0 when there is none.
func (s *Store) LatestOwnershipEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM ownership_events").Scan(&id); err != nil {
		return 0, fmt.Errorf("store: latest ownership event: %w", err)
	}
	return id, nil
}

// PruneOwnershipEvents deletes events older than olderThan, keeping the
// newest event whatever its age (so LatestOwnershipEventID never goes
// back), and returns how many it deleted. Prune well behind the pollers: a
// node that was down longer than the retention must resynchronize, which
// it does on restart.
func (s *Store) PruneOwnershipEvents(ctx context.Context, olderThan time.Time) (int64, error) {
	q := s.d.rebind("DELETE FROM ownership_events WHERE at < ? AND id < (SELECT MAX(id) FROM ownership_events)")
	res, err := s.write.ExecContext(ctx, q, s.d.timeArg(olderThan))
	if err != nil {
		return 0, fmt.Errorf("store: prune ownership events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune ownership events: %w", err)
	}
	return n, nil
}

// ownerTx runs fn in a write transaction. On PostgreSQL it first locks
// ownership_events against other writers (readers are not blocked), so event
// ids are assigned and committed in the same order: a poller that has seen id
// N can never later find a smaller id appear. SQLite's single writer already
// guarantees that. The lock also orders concurrent imports, so they never
// deadlock on each other's rows.
func (s *Store) ownerTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if s.d.name == DialectPostgres {
		if _, err := tx.ExecContext(ctx, "LOCK TABLE ownership_events IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return fmt.Errorf("lock ownership events: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *Store) ownerEvent(ctx context.Context, tx *sql.Tx, objectType, objectID string, at time.Time) error {
	if err := s.logEvent(ctx, tx, "ownership_events", ChannelOwnershipEvents); err != nil {
		return err
	}
	return s.insertOwnerEvent(ctx, tx, objectType, objectID, at)
}

func (s *Store) insertOwnerEvent(ctx context.Context, tx *sql.Tx, objectType, objectID string, at time.Time) error {
	q := s.d.rebind("INSERT INTO ownership_events (object_type, object_id, at) VALUES (?, ?, ?)")
	if _, err := tx.ExecContext(ctx, q, objectType, objectID, s.d.timeArg(at)); err != nil {
		return fmt.Errorf("record ownership event: %w", err)
	}
	return nil
}
