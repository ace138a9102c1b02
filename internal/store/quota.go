package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// MaxQuotaList is the most rows one ListQuota call returns.
const MaxQuotaList = 10000

// QuotaDelta is usage to add to one key's count for one period.
type QuotaDelta struct {
	Key         string
	PeriodStart time.Time // the period's first instant; stored in UTC to the microsecond
	Delta       int64
	At          time.Time // becomes updated_at; now when zero
}

// QuotaUsage is one key's stored count for one period.
type QuotaUsage struct {
	Key         string    `json:"key"`
	PeriodStart time.Time `json:"period_start"`
	Used        int64     `json:"used"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// LoadQuota returns the count stored for key in the period starting at
// periodStart, 0 when there is none.
func (s *Store) LoadQuota(ctx context.Context, key string, periodStart time.Time) (int64, error) {
	q := s.d.rebind("SELECT used FROM quota_usage WHERE key = ? AND period_start = ?")
	var used int64
	err := s.read.QueryRowContext(ctx, q, clean(key), s.d.timeArg(periodStart)).Scan(&used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("store: load quota: %w", err)
	}
	return used, nil
}

// AddQuota adds every delta to its key and period in one transaction: all of
// them or none. Rows are written in (key, period) order, so nodes flushing at
// once take row locks in the same order and never deadlock.
func (s *Store) AddQuota(ctx context.Context, deltas []QuotaDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	sorted := slices.Clone(deltas)
	slices.SortFunc(sorted, func(a, b QuotaDelta) int {
		return cmp.Or(cmp.Compare(clean(a.Key), clean(b.Key)), a.PeriodStart.Compare(b.PeriodStart))
	})
	err := s.keyTx(ctx, false, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.d.rebind("INSERT INTO quota_usage (key, period_start, used, updated_at) "+
			"VALUES (?, ?, ?, ?) ON CONFLICT (key, period_start) DO UPDATE "+
			"SET used = quota_usage.used + excluded.used, updated_at = excluded.updated_at"))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, d := range sorted {
			at := d.At
			if at.IsZero() {
				at = time.Now()
			}
			if _, err := stmt.ExecContext(ctx, clean(d.Key), s.d.timeArg(d.PeriodStart), d.Delta, s.d.timeArg(at)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add quota (%d deltas): %w", len(deltas), err)
	}
	return nil
}

// ResetQuota forgets key's count for the period starting at periodStart.
// Resetting a key with no count succeeds.
func (s *Store) ResetQuota(ctx context.Context, key string, periodStart time.Time) error {
	q := s.d.rebind("DELETE FROM quota_usage WHERE key = ? AND period_start = ?")
	if _, err := s.write.ExecContext(ctx, q, clean(key), s.d.timeArg(periodStart)); err != nil {
		return fmt.Errorf("store: reset quota: %w", err)
	}
	return nil
}

// ListQuota returns up to MaxQuotaList counts of the period starting at
// periodStart whose key begins with prefix ("" for all), ordered by key.
// The prefix is matched literally: "%" and "_" are not wildcards.
func (s *Store) ListQuota(ctx context.Context, periodStart time.Time, prefix string) ([]QuotaUsage, error) {
	var w where
	w.add("period_start = ?", s.d.timeArg(periodStart))
	if prefix = clean(prefix); prefix != "" {
		// substr counts characters in both dialects, and compares exactly.
		w.conds = append(w.conds, "substr(key, 1, ?) = ?")
		w.args = append(w.args, int64(utf8.RuneCountInString(prefix)), prefix)
	}
	q := "SELECT key, period_start, used, updated_at FROM quota_usage" + w.sql() + " ORDER BY key LIMIT ?"
	rows, err := s.read.QueryContext(ctx, s.d.rebind(q), append(w.args, int64(MaxQuotaList))...)
	if err != nil {
		return nil, fmt.Errorf("store: list quota: %w", err)
	}
	defer rows.Close()
	var out []QuotaUsage
	for rows.Next() {
		var u QuotaUsage
		if err := rows.Scan(&u.Key, timeScanner{&u.PeriodStart}, &u.Used, timeScanner{&u.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("store: list quota: scan: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list quota: %w", err)
	}
	return out, nil
}
