package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pool bounds for PostgreSQL; the gateway's writes are batched, so a few
// connections per node suffice and a cluster of nodes stays well under
// max_connections. Each change listener (Store.Changes: one per followed
// change log, three in a gateway) holds one connection of its own on top.
const (
	pgMaxOpen     = 10 + pgListeners
	pgListeners   = 3
	pgMaxIdle     = 4
	pgMaxIdleTime = 5 * time.Minute
)

// openPostgres connects through pgx's database/sql driver, so domain files
// share their queries with SQLite.
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: parse postgres DSN: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxOpen)
	db.SetMaxIdleConns(pgMaxIdle)
	db.SetConnMaxIdleTime(pgMaxIdleTime)
	s, err := openWith(ctx, postgresDialect(), db)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres %s/%s: %w", cfg.Host, cfg.Database, err)
	}
	return s, nil
}
