package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// GraphQL persisted operation errors, compared with errors.Is.
var (
	// ErrGraphQLOperationNotFound reports that no such operation is stored.
	ErrGraphQLOperationNotFound = errors.New("graphql operation not found")
	// ErrInvalidGraphQLOperation reports an operation that cannot be stored.
	ErrInvalidGraphQLOperation = errors.New("invalid graphql operation")
)

// GraphQL operation statuses.
const (
	GraphQLLearned    = "learned"    // seen by learning mode
	GraphQLRegistered = "registered" // runs in allow mode
)

// GraphQL operation bounds.
const (
	MaxGraphQLName          = 512     // most bytes in an API, route or operation name
	MaxGraphQLQuery         = 1 << 20 // most bytes of operation text
	DefaultGraphQLOpsLimit  = 1000    // operations GraphQLOperations returns when the filter's Limit is 0
	MaxGraphQLOpsLimit      = 10000   // most operations one GraphQLOperations call returns
	graphqlOperationColumns = "api, route, hash, query, operation_name, status, first_seen, registered_at"
)

// GraphQLOperation is one persisted operation of a GraphQL route.
type GraphQLOperation struct {
	API           string    `json:"api"`
	Route         string    `json:"route"`
	Hash          string    `json:"hash"` // sha256 of Query, lower-case hex
	Query         string    `json:"query,omitempty"`
	OperationName string    `json:"operation_name,omitempty"`
	Status        string    `json:"status"`
	FirstSeen     time.Time `json:"first_seen,omitzero"`
	RegisteredAt  time.Time `json:"registered_at,omitzero"`
}

// Validate reports whether op can be stored: API and route 1 to
// MaxGraphQLName bytes, a 64-digit lower-case hex hash that is the sha256
// of Query when Query is set, text UTF-8 without NUL.
func (op GraphQLOperation) Validate() error {
	var errs []error
	for _, f := range []struct {
		what, v  string
		max      int
		required bool
	}{{"api", op.API, MaxGraphQLName, true}, {"route", op.Route, MaxGraphQLName, true},
		{"operation name", op.OperationName, MaxGraphQLName, false}, {"query", op.Query, MaxGraphQLQuery, false}} {
		switch {
		case f.v == "" && f.required:
			errs = append(errs, fmt.Errorf("%w: %s is required", ErrInvalidGraphQLOperation, f.what))
		case len(f.v) > f.max:
			errs = append(errs, fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalidGraphQLOperation, f.what, f.max))
		case !utf8.ValidString(f.v) || strings.IndexByte(f.v, 0) >= 0:
			errs = append(errs, fmt.Errorf("%w: %s must be UTF-8 without NUL bytes", ErrInvalidGraphQLOperation, f.what))
		}
	}
	if len(op.Hash) != 64 || strings.Trim(op.Hash, "0123456789abcdef") != "" {
		errs = append(errs, fmt.Errorf("%w: hash must be 64 lower-case hex digits", ErrInvalidGraphQLOperation))
	} else if op.Query != "" {
		if sum := sha256.Sum256([]byte(op.Query)); hex.EncodeToString(sum[:]) != op.Hash {
			errs = append(errs, fmt.Errorf("%w: hash is not the sha256 of the query", ErrInvalidGraphQLOperation))
		}
	}
	return errors.Join(errs...)
}

// LearnGraphQLOperation records an operation learning mode saw, unless the
// route already has it (learned or registered). FirstSeen defaults to now.
func (s *Store) LearnGraphQLOperation(ctx context.Context, op GraphQLOperation) error {
	op.Status = GraphQLLearned
	if err := op.Validate(); err != nil {
		return fmt.Errorf("store: learn graphql operation: %w", err)
	}
	if op.FirstSeen.IsZero() {
		op.FirstSeen = time.Now()
	}
	q := "INSERT INTO graphql_operations (" + graphqlOperationColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, NULL)" +
		" ON CONFLICT (api, route, hash) DO NOTHING"
	if _, err := s.write.ExecContext(ctx, s.d.rebind(q), op.API, op.Route, op.Hash, op.Query, op.OperationName,
		GraphQLLearned, s.d.timeArg(op.FirstSeen)); err != nil {
		return fmt.Errorf("store: learn graphql operation %s: %w", op.Hash, err)
	}
	return nil
}

// RegisterGraphQLOperation registers an operation for allow mode: a new one,
// or a learned one promoted (its text kept when op brings none). It returns
// the operation as stored.
func (s *Store) RegisterGraphQLOperation(ctx context.Context, op GraphQLOperation) (GraphQLOperation, error) {
	op.Status = GraphQLRegistered
	if err := op.Validate(); err != nil {
		return op, fmt.Errorf("store: register graphql operation: %w", err)
	}
	now := time.Now()
	q := "INSERT INTO graphql_operations (" + graphqlOperationColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)" +
		" ON CONFLICT (api, route, hash) DO UPDATE SET status = excluded.status, registered_at = excluded.registered_at," +
		" query = CASE WHEN excluded.query <> '' THEN excluded.query ELSE graphql_operations.query END," +
		" operation_name = CASE WHEN excluded.operation_name <> '' THEN excluded.operation_name ELSE graphql_operations.operation_name END"
	if _, err := s.write.ExecContext(ctx, s.d.rebind(q), op.API, op.Route, op.Hash, op.Query, op.OperationName,
		GraphQLRegistered, s.d.timeArg(now), s.d.timeArg(now)); err != nil {
		return op, fmt.Errorf("store: register graphql operation %s: %w", op.Hash, err)
	}
	ops, err := s.graphqlOperations(ctx, GraphQLOperationFilter{API: op.API, Route: op.Route}, op.Hash)
	if err != nil {
		return op, err
	}
	if len(ops) != 1 {
		return op, fmt.Errorf("store: register graphql operation %s: %w", op.Hash, ErrGraphQLOperationNotFound)
	}
	return ops[0], nil
}

// DeleteGraphQLOperation removes a route's operation, learned or registered.
func (s *Store) DeleteGraphQLOperation(ctx context.Context, api, route, hash string) error {
	q := s.d.rebind("DELETE FROM graphql_operations WHERE api = ? AND route = ? AND hash = ?")
	res, err := s.write.ExecContext(ctx, q, api, route, hash)
	if err != nil {
		return fmt.Errorf("store: delete graphql operation %s: %w", hash, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = ErrGraphQLOperationNotFound
		}
		return fmt.Errorf("store: delete graphql operation %s: %w", hash, err)
	}
	return nil
}

// GraphQLOperationFilter selects operations; empty fields match all.
type GraphQLOperationFilter struct {
	API, Route string
	Status     string // GraphQLLearned, GraphQLRegistered or ""
	Limit      int    // DefaultGraphQLOpsLimit when <= 0, at most MaxGraphQLOpsLimit
}

// GraphQLOperations lists the operations f selects, ordered by API, route
// and hash.
func (s *Store) GraphQLOperations(ctx context.Context, f GraphQLOperationFilter) ([]GraphQLOperation, error) {
	return s.graphqlOperations(ctx, f, "")
}

func (s *Store) graphqlOperations(ctx context.Context, f GraphQLOperationFilter, hash string) ([]GraphQLOperation, error) {
	for _, v := range []string{f.API, f.Route, f.Status, hash} {
		if len(v) > MaxGraphQLName || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return nil, fmt.Errorf("store: list graphql operations: %w: a filter value is not UTF-8 without NUL, or too long", ErrInvalidGraphQLOperation)
		}
	}
	var w where
	w.eq("api", f.API)
	w.eq("route", f.Route)
	w.eq("status", f.Status)
	w.eq("hash", hash)
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultGraphQLOpsLimit
	}
	q := "SELECT " + graphqlOperationColumns + " FROM graphql_operations" + w.sql() + " ORDER BY api, route, hash LIMIT ?"
	rows, err := s.read.QueryContext(ctx, s.d.rebind(q), append(w.args, int64(min(limit, MaxGraphQLOpsLimit)))...)
	if err != nil {
		return nil, fmt.Errorf("store: list graphql operations: %w", err)
	}
	defer rows.Close()
	out := []GraphQLOperation{}
	for rows.Next() {
		var op GraphQLOperation
		if err := rows.Scan(&op.API, &op.Route, &op.Hash, &op.Query, &op.OperationName, &op.Status,
			timeScanner{&op.FirstSeen}, nullTimeScanner{&op.RegisteredAt}); err != nil {
			return nil, fmt.Errorf("store: list graphql operations: scan: %w", err)
		}
		out = append(out, op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list graphql operations: %w", err)
	}
	return out, nil
}
