package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Change channels: a committed change-log event wakes the pollers of every
// node at once on PostgreSQL (LISTEN/NOTIFY) instead of at their next poll.
const (
	ChannelKeyEvents       = "bulwark_key_events"
	ChannelOwnershipEvents = "bulwark_ownership_events"
	ChannelOAuthRevocation = "bulwark_oauth_revocations"
)

// notificationsLost counts, for the whole process, the outages of a LISTEN
// connection: each time one fails (and is logged), not each retry.
var notificationsLost atomic.Uint64

// NotificationsLost returns how many times a node's LISTEN connection was
// lost since the process started (bulwark_change_notifications_lost_total).
// While one is lost, changes reach the node by the interval poll alone.
func NotificationsLost() uint64 { return notificationsLost.Load() }

// logEvent prepares a change-log insert on tx: on PostgreSQL it locks the log
// so event ids become visible in commit order (a poller reading "every id
// after the last one" never skips an id whose transaction committed late)
// and queues a notification on channel, which PostgreSQL delivers at commit.
func (s *Store) logEvent(ctx context.Context, tx *sql.Tx, table, channel string) error {
	if s.d.name != DialectPostgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "LOCK TABLE "+table+" IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("lock %s: %w", table, err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_notify($1, '')", channel); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// Changes returns a channel that receives a value soon after a change is
// committed on channel by any node, or nil when the store cannot notify
// (SQLite: pollers then rely on their interval). The channel also fires after
// the listening connection is re-established, since notifications may have
// been missed meanwhile. Notifications are coalesced: a reader that is busy
// sees one wake for many changes. It stops when ctx ends.
func (s *Store) Changes(ctx context.Context, channel string, log *slog.Logger) <-chan struct{} {
	if s.d.name != DialectPostgres {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go func() {
		failing := false
		up := func() {
			if failing {
				failing = false
				log.Info("change notifications restored", "channel", channel)
			}
			signal() // changes made while no one listened
		}
		for ctx.Err() == nil {
			err := s.listen(ctx, channel, up, signal)
			if ctx.Err() != nil {
				return
			}
			if !failing {
				notificationsLost.Add(1)
				log.Warn("change notifications lost; polling at the interval until they return", "channel", channel, "error", err)
				failing = true
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return wake
}

// listen holds one connection in LISTEN, calls up once it listens and signal
// on every notification, until the connection fails or ctx ends.
func (s *Store) listen(ctx context.Context, channel string, up, signal func()) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var lerr error
	// Returning driver.ErrBadConn discards the connection: one that carried
	// LISTEN never goes back to the pool.
	_ = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, lerr = pc.Exec(ctx, "LISTEN "+quoteIdent(channel)); lerr != nil {
			return driver.ErrBadConn
		}
		up()
		for {
			if _, lerr = pc.WaitForNotification(ctx); lerr != nil {
				return driver.ErrBadConn
			}
			signal()
		}
	})
	return lerr
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}
