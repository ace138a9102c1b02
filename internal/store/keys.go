package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Key errors, compared with errors.Is.
var (
	// ErrNotFound reports that no API key matches the id or hash asked for.
	ErrNotFound = errors.New("api key not found")
	// ErrKeyRevoked reports an operation that needs a live key on a revoked one.
	ErrKeyRevoked = errors.New("api key is revoked")
	// ErrKeyReplaced reports a rotation of a key that was already rotated.
	ErrKeyReplaced = errors.New("api key was already rotated")
)

// Key query bounds.
const (
	DefaultKeyLimit = 1000  // keys ListKeys returns when KeyFilter.Limit is 0
	MaxKeyLimit     = 10000 // most keys one ListKeys call returns
	MaxKeyEvents    = 1000  // most events one KeyEventsSince call returns
)

// Key event kinds recorded in key_events.
const (
	KeyCreated = "created"
	KeyRevoked = "revoked"
	KeyRotated = "rotated"
	KeyUpdated = "updated"
)

// APIKey is a stored API key. The key itself is never stored: Hash is
// HMAC-SHA-256(pepper, key), which cannot be reversed without the pepper and,
// with a key of 256 random bits, cannot be brute-forced with it. Zero times
// mean "not set" (NULL).
type APIKey struct {
	ID           string            `json:"id"`
	Hash         []byte            `json:"-"`
	Consumer     string            `json:"consumer"`
	Subject      string            `json:"subject,omitempty"`
	Scopes       []string          `json:"scopes"`
	Roles        []string          `json:"roles"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	ExpiresAt    time.Time         `json:"expires_at,omitzero"`
	RevokedAt    time.Time         `json:"revoked_at,omitzero"`
	LastUsedAt   time.Time         `json:"last_used_at,omitzero"`
	ReplacedBy   string            `json:"replaced_by,omitempty"`
	RotatedFrom  string            `json:"rotated_from,omitempty"`
	OverlapUntil time.Time         `json:"overlap_until,omitzero"`
}

// State is "revoked", "expired" or "active" at now.
func (k *APIKey) State(now time.Time) string {
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked"
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return "expired"
	case !k.OverlapUntil.IsZero() && !now.Before(k.OverlapUntil):
		return "expired"
	}
	return "active"
}

// KeyFilter selects keys for ListKeys.
type KeyFilter struct {
	Consumer       string // "" matches every consumer
	IncludeRevoked bool   // revoked keys are left out unless set
	Limit          int    // DefaultKeyLimit when <= 0, at most MaxKeyLimit
}

// KeyEvent is a change to one key, for cross-node cache invalidation. IDs
// grow in commit order and are never reused.
type KeyEvent struct {
	ID    int64
	KeyID string
	Kind  string // KeyCreated, KeyRevoked, KeyRotated or KeyUpdated
	At    time.Time
}

const keyColumns = "id, hash, consumer, subject, scopes, roles, metadata, created_at, " +
	"expires_at, revoked_at, last_used_at, replaced_by, rotated_from, overlap_until"

// CreateKey stores k and records a created event, in one transaction.
// k.ID, k.Consumer and a 32-byte k.Hash are required; CreatedAt defaults to now.
func (s *Store) CreateKey(ctx context.Context, k *APIKey) error {
	if err := checkNewKey(k); err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	err := s.keyTx(ctx, true, func(tx *sql.Tx) error {
		if err := s.insertKey(ctx, tx, k); err != nil {
			return err
		}
		return s.keyEvent(ctx, tx, k.ID, KeyCreated, k.CreatedAt)
	})
	if err != nil {
		return fmt.Errorf("store: create key %s: %w", k.ID, err)
	}
	return nil
}

func checkNewKey(k *APIKey) error {
	switch {
	case k.ID == "":
		return errors.New("key id is required")
	case len(k.Hash) != 32:
		return fmt.Errorf("key hash must be 32 bytes, got %d", len(k.Hash))
	case k.Consumer == "":
		return errors.New("consumer is required")
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	return nil
}

func (s *Store) insertKey(ctx context.Context, tx *sql.Tx, k *APIKey) error {
	scopes, err := jsonText(k.Scopes, "[]")
	if err != nil {
		return err
	}
	roles, err := jsonText(k.Roles, "[]")
	if err != nil {
		return err
	}
	meta, err := jsonText(k.Metadata, "{}")
	if err != nil {
		return err
	}
	q := s.d.rebind("INSERT INTO api_keys (" + keyColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	_, err = tx.ExecContext(ctx, q, k.ID, k.Hash, clean(k.Consumer), clean(k.Subject), scopes, roles, meta,
		s.d.timeArg(k.CreatedAt), s.nullTime(k.ExpiresAt), s.nullTime(k.RevokedAt), s.nullTime(k.LastUsedAt),
		nullString(k.ReplacedBy), nullString(k.RotatedFrom), s.nullTime(k.OverlapUntil))
	return err
}

// jsonText encodes v as JSON text, or empty when v has no elements.
func jsonText[T any](v T, empty string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	if s := string(b); s != "null" {
		return s, nil
	}
	return empty, nil
}

// KeyByHash returns the key whose hash is hash, or an error wrapping ErrNotFound.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (*APIKey, error) {
	return s.oneKey(ctx, s.read, "hash", hash)
}

// KeyByID returns the key with id, or an error wrapping ErrNotFound.
func (s *Store) KeyByID(ctx context.Context, id string) (*APIKey, error) {
	return s.oneKey(ctx, s.read, "id", id)
}

// rowQuerier is a *sql.DB or *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// oneKey reads the key whose col (a constant of this package) equals v.
func (s *Store) oneKey(ctx context.Context, q rowQuerier, col string, v any) (*APIKey, error) {
	row := q.QueryRowContext(ctx, s.d.rebind("SELECT "+keyColumns+" FROM api_keys WHERE "+col+" = ?"), v)
	k, err := scanKey(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("store: key by %s: %w", col, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("store: key by %s: %w", col, err)
	}
	return k, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanKey(r scanner) (*APIKey, error) {
	var k APIKey
	var scopes, roles, meta string
	var replaced, rotated sql.NullString
	err := r.Scan(&k.ID, &k.Hash, &k.Consumer, &k.Subject, &scopes, &roles, &meta, timeScanner{&k.CreatedAt},
		nullTimeScanner{&k.ExpiresAt}, nullTimeScanner{&k.RevokedAt}, nullTimeScanner{&k.LastUsedAt},
		&replaced, &rotated, nullTimeScanner{&k.OverlapUntil})
	if err != nil {
		return nil, err
	}
	k.ReplacedBy, k.RotatedFrom = replaced.String, rotated.String
	if err := errors.Join(json.Unmarshal([]byte(scopes), &k.Scopes), json.Unmarshal([]byte(roles), &k.Roles),
		json.Unmarshal([]byte(meta), &k.Metadata)); err != nil {
		return nil, fmt.Errorf("decode key %s: %w", k.ID, err)
	}
	if len(k.Metadata) == 0 {
		k.Metadata = nil
	}
	return &k, nil
}

// ListKeys returns the keys matching f, oldest first.
func (s *Store) ListKeys(ctx context.Context, f KeyFilter) ([]*APIKey, error) {
	var w where
	w.eq("consumer", f.Consumer)
	if !f.IncludeRevoked {
		w.conds = append(w.conds, "revoked_at IS NULL")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultKeyLimit
	}
	q := "SELECT " + keyColumns + " FROM api_keys" + w.sql() + " ORDER BY created_at, id LIMIT ?"
	rows, err := s.read.QueryContext(ctx, s.d.rebind(q), append(w.args, int64(min(limit, MaxKeyLimit)))...)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	defer rows.Close()
	var out []*APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	return out, nil
}

// RevokeKey marks key id revoked at at and records a revoked event. Revoking
// a revoked key changes nothing and succeeds; an unknown id wraps ErrNotFound.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	err := s.keyTx(ctx, true, func(tx *sql.Tx) error {
		q := s.d.rebind("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
		res, err := tx.ExecContext(ctx, q, s.d.timeArg(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			_, err = s.oneKey(ctx, tx, "id", id) // already revoked, or not there
			return err
		}
		return s.keyEvent(ctx, tx, id, KeyRevoked, at)
	})
	if err != nil {
		return fmt.Errorf("store: revoke key %s: %w", id, err)
	}
	return nil
}

// RotateKey replaces key oldID with next in one transaction: next is stored
// with RotatedFrom = oldID, and the old key gets ReplacedBy = next.ID and
// OverlapUntil = at+overlap, and expires then (or earlier, if it already
// did: rotation never extends a key's life). A revoked old key wraps
// ErrKeyRevoked, one already rotated ErrKeyReplaced, a missing one ErrNotFound.
func (s *Store) RotateKey(ctx context.Context, oldID string, next *APIKey, at time.Time, overlap time.Duration) error {
	next.RotatedFrom = oldID
	if next.CreatedAt.IsZero() {
		next.CreatedAt = at
	}
	if err := checkNewKey(next); err != nil {
		return fmt.Errorf("store: rotate key %s: %w", oldID, err)
	}
	end := s.d.timeArg(at.Add(overlap))
	err := s.keyTx(ctx, true, func(tx *sql.Tx) error {
		q := s.d.rebind("UPDATE api_keys SET replaced_by = ?, overlap_until = ?, " +
			"expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at < ? THEN expires_at ELSE ? END " +
			"WHERE id = ? AND revoked_at IS NULL AND replaced_by IS NULL")
		res, err := tx.ExecContext(ctx, q, next.ID, end, end, end, oldID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return whyNotRotated(ctx, s, tx, oldID, err)
		}
		if err := s.insertKey(ctx, tx, next); err != nil {
			return err
		}
		if err := s.keyEvent(ctx, tx, oldID, KeyRotated, at); err != nil {
			return err
		}
		return s.keyEvent(ctx, tx, next.ID, KeyCreated, at)
	})
	if err != nil {
		return fmt.Errorf("store: rotate key %s: %w", oldID, err)
	}
	return nil
}

// whyNotRotated explains an update of the old key that matched no row.
func whyNotRotated(ctx context.Context, s *Store, tx *sql.Tx, id string, err error) error {
	if err != nil {
		return err
	}
	old, err := s.oneKey(ctx, tx, "id", id)
	switch {
	case err != nil:
		return err
	case !old.RevokedAt.IsZero():
		return ErrKeyRevoked
	default:
		return ErrKeyReplaced
	}
}

// TouchKeys records last-used times in one transaction, in key order (so
// nodes flushing at once take row locks in the same order). A time older
// than the stored one is ignored; unknown ids are skipped.
func (s *Store) TouchKeys(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := make([]string, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	err := s.keyTx(ctx, false, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.d.rebind(
			"UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)"))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			at := s.d.timeArg(used[id])
			if _, err := stmt.ExecContext(ctx, at, id, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: touch %d keys: %w", len(used), err)
	}
	return nil
}

// KeyEventsSince returns up to MaxKeyEvents events with an id above afterID,
// in id order. Ask again from the last id when it returns MaxKeyEvents.
func (s *Store) KeyEventsSince(ctx context.Context, afterID int64) ([]KeyEvent, error) {
	q := s.d.rebind("SELECT id, key_id, kind, at FROM key_events WHERE id > ? ORDER BY id LIMIT ?")
	rows, err := s.read.QueryContext(ctx, q, afterID, int64(MaxKeyEvents))
	if err != nil {
		return nil, fmt.Errorf("store: key events: %w", err)
	}
	defer rows.Close()
	var out []KeyEvent
	for rows.Next() {
		var e KeyEvent
		if err := rows.Scan(&e.ID, &e.KeyID, &e.Kind, timeScanner{&e.At}); err != nil {
			return nil, fmt.Errorf("store: key events: scan: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: key events: %w", err)
	}
	return out, nil
}

// ChangeLogRetention is how long key_events and ownership_events keep their
// rows; the server prunes them hourly. Pollers resynchronize long before
// (changelog.ResyncAfter).
const ChangeLogRetention = 24 * time.Hour

// PruneKeyEvents deletes key events older than olderThan, keeping the newest
// event whatever its age (so LatestKeyEventID never goes back), and returns
// how many it deleted. Prune well behind the pollers: a node that could not
// poll for longer than the retention resynchronizes (it empties its cache).
func (s *Store) PruneKeyEvents(ctx context.Context, olderThan time.Time) (int64, error) {
	q := s.d.rebind("DELETE FROM key_events WHERE at < ? AND id < (SELECT MAX(id) FROM key_events)")
	res, err := s.write.ExecContext(ctx, q, s.d.timeArg(olderThan))
	if err != nil {
		return 0, fmt.Errorf("store: prune key events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune key events: %w", err)
	}
	return n, nil
}

// LatestKeyEventID returns the highest key event id, 0 when there is none.
func (s *Store) LatestKeyEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM key_events").Scan(&id); err != nil {
		return 0, fmt.Errorf("store: latest key event: %w", err)
	}
	return id, nil
}

// keyTx runs fn in a write transaction. When fn records events, on
// PostgreSQL it first locks key_events against other writers (readers are
// not blocked), so event ids
// are assigned and committed in the same order: a poller that has seen id N
// can never later find a smaller id appear. SQLite's single writer already
// guarantees that.
func (s *Store) keyTx(ctx context.Context, events bool, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if events && s.d.name == DialectPostgres {
		if _, err := tx.ExecContext(ctx, "LOCK TABLE key_events IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return fmt.Errorf("lock key events: %w", err)
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

func (s *Store) keyEvent(ctx context.Context, tx *sql.Tx, id, kind string, at time.Time) error {
	if err := s.logEvent(ctx, tx, "key_events", ChannelKeyEvents); err != nil {
		return err
	}
	q := s.d.rebind("INSERT INTO key_events (key_id, kind, at) VALUES (?, ?, ?)")
	if _, err := tx.ExecContext(ctx, q, id, kind, s.d.timeArg(at)); err != nil {
		return fmt.Errorf("record %s event: %w", kind, err)
	}
	return nil
}

// nullTime encodes t for a nullable ts column: NULL when zero.
func (s *Store) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.timeArg(t)
}

func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// nullTimeScanner reads a nullable ts column; NULL leaves the zero time.
type nullTimeScanner struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s nullTimeScanner) Scan(v any) error {
	if v == nil {
		*s.t = time.Time{}
		return nil
	}
	return timeScanner(s).Scan(v)
}
