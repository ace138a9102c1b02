// Package storetest is the conformance suite every store backend must pass:
// the same tests run against SQLite and PostgreSQL, so that switching from one
// gateway node to many is a configuration change, not a behaviour change.
//
// Besides behaviour (filters, paging, limits, pruning, concurrency), the suite
// feeds attacker-shaped values (quotes, SQL fragments, unicode, invalid UTF-8)
// through every field, since audit rows carry request data.
package storetest
