package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// schema creates the shop's three tables. Passwords are kept in plain text
// next to a fake hash: one more thing a real service must never do.
const schema = `
CREATE TABLE users (
	id             INTEGER PRIMARY KEY,
	username       TEXT NOT NULL UNIQUE,
	password       TEXT NOT NULL,
	password_hash  TEXT NOT NULL,
	email          TEXT NOT NULL,
	phone          TEXT NOT NULL,
	role           TEXT NOT NULL,
	is_admin       INTEGER NOT NULL,
	internal_notes TEXT NOT NULL,
	card_number    TEXT NOT NULL,
	ssn            TEXT NOT NULL
);
CREATE TABLE products (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL,
	category    TEXT NOT NULL,
	price_cents INTEGER NOT NULL,
	stock       INTEGER NOT NULL
);
CREATE TABLE orders (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_id         INTEGER NOT NULL,
	status           TEXT NOT NULL,
	items            TEXT NOT NULL,
	total_cents      INTEGER NOT NULL,
	shipping_address TEXT NOT NULL,
	created_at       TEXT NOT NULL
);`

// database is a shop's private in-memory SQLite database.
type database struct {
	*sql.DB
	dsn string
	// keeper is a connection held open for the shop's lifetime, never used:
	// an in-memory database vanishes with its last connection.
	keeper *sql.Conn
}

// openDB opens and seeds a fresh in-memory database with a random name, so
// that every Shop has its own. Besides the keeper, the pool holds a single
// working connection, which serializes all queries and so keeps the shop
// thread-safe without further locking (and free of shared-cache lock errors).
func openDB(ctx context.Context) (*database, error) {
	name := make([]byte, 8)
	if _, err := rand.Read(name); err != nil {
		return nil, err
	}
	dsn := "file:demo-" + hex.EncodeToString(name) + "?mode=memory&cache=shared"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open demo database: %w", err)
	}
	db.SetMaxOpenConns(2) // the keeper and one working connection
	db.SetMaxIdleConns(1)
	keeper, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open demo database: %w", err)
	}
	d := &database{DB: db, dsn: dsn, keeper: keeper}
	if err := seed(ctx, db); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close releases the keeper and the pool; the data is gone afterwards.
func (d *database) Close() error {
	return errors.Join(d.keeper.Close(), d.DB.Close())
}

// seed creates the schema and fills in the users, products and orders below.
func seed(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create demo schema: %w", err)
	}
	for _, u := range seedUsers {
		_, err := db.ExecContext(ctx, `INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Username, u.Username+"-password", u.PasswordHash, u.Email, u.Phone,
			u.Role, u.IsAdmin, u.InternalNotes, u.CardNumber, u.SSN)
		if err != nil {
			return fmt.Errorf("seed user %s: %w", u.Username, err)
		}
	}
	for _, p := range seedProducts {
		_, err := db.ExecContext(ctx, `INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.Description, p.Category, p.PriceCents, p.Stock)
		if err != nil {
			return fmt.Errorf("seed product %d: %w", p.ID, err)
		}
	}
	for _, o := range seedOrders() {
		items, err := json.Marshal(o.Items)
		if err != nil {
			return err
		}
		_, err = db.ExecContext(ctx, `INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.OwnerID, o.Status, string(items), o.TotalCents, o.ShippingAddress, o.CreatedAt)
		if err != nil {
			return fmt.Errorf("seed order %d: %w", o.ID, err)
		}
	}
	return nil
}
