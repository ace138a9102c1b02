// Package store is Bulwark's persistence: an embedded SQLite file by default
// (modernc.org/sqlite, pure Go) and PostgreSQL when several gateway nodes share
// state. It sits at the end of the request pipeline (audit events are appended
// here in batches) and, as features grow, behind the guards that need durable
// state (API keys, OAuth clients and grants, ownership records, quotas).
//
// Threats it answers: lost or forged audit trails (an acknowledged batch is
// committed with synchronous=FULL on SQLite and in one transaction on both
// backends), SQL injection through attacker-controlled request values (every
// query is parameterized; column names never come from input), credential
// leakage (errors never carry the DSN password), and silent schema drift (a
// database migrated by a newer binary is refused rather than misread).
//
// Layout: one file per domain (audit.go now; keys.go and the like later), each
// with its queries written once with "?" placeholders that the dialect rewrites
// for PostgreSQL. Schema changes are numbered .sql files under
// migrations/<dialect>/, embedded in the binary and applied in order at Open,
// each in its own transaction, recorded in schema_migrations. On PostgreSQL a
// session advisory lock (keyed by schema) serializes nodes that start together.
package store
