package store

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// target is a parsed store DSN.
type target struct {
	dialect string
	path    string   // SQLite file path, or ":memory:"
	url     string   // PostgreSQL connection URL
	secrets []string // strings that must never appear in an error message
}

// parseDSN recognizes "sqlite:PATH", "sqlite://PATH", "postgres://…" and
// "postgresql://…". Its errors never quote the DSN, which may hold a password.
func parseDSN(dsn string) (target, error) {
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return parsePostgresDSN(dsn)
	case strings.HasPrefix(lower, "sqlite://"):
		return parseSQLitePath(dsn[len("sqlite://"):])
	case strings.HasPrefix(lower, "sqlite:"):
		return parseSQLitePath(dsn[len("sqlite:"):])
	case dsn == "":
		return target{}, errors.New("store: empty DSN: want sqlite:PATH or postgres://…")
	}
	if i := strings.Index(dsn, ":"); i > 0 && i <= 16 && !strings.ContainsAny(dsn[:i], "/@") {
		return target{}, fmt.Errorf("store: unsupported DSN scheme %q: want sqlite:PATH or postgres://…", dsn[:i])
	}
	return target{}, errors.New("store: unsupported DSN: want sqlite:PATH or postgres://…")
}

// parseSQLitePath checks a SQLite file path. The driver reads anything after
// "?" as its own options, so a path carrying one is refused rather than
// letting a DSN switch off the durability pragmas the store relies on.
func parseSQLitePath(path string) (target, error) {
	switch {
	case path == "":
		return target{}, errors.New("store: sqlite DSN has no path: want sqlite:PATH or sqlite::memory:")
	case strings.ContainsAny(path, "?#"):
		return target{}, errors.New("store: sqlite path must not contain '?' or '#'; options are set by bulwark")
	case strings.HasPrefix(strings.ToLower(path), "file:"):
		return target{}, errors.New("store: sqlite path must be a plain file path, not a file: URI")
	}
	return target{dialect: DialectSQLite, path: path}, nil
}

// parsePostgresDSN collects the DSN's passwords so later errors can be redacted.
// url.Parse errors quote their input, so theirs is replaced, not wrapped.
func parsePostgresDSN(dsn string) (target, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return target{}, errors.New("store: postgres DSN is not a valid URL")
	}
	var secrets []string
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, pw)
	}
	q := u.Query()
	secrets = append(secrets, q["password"]...)
	secrets = append(secrets, q["sslpassword"]...)
	return target{dialect: DialectPostgres, url: dsn, secrets: withEncodings(secrets)}, nil
}

// withEncodings adds the URL-escaped spellings of each non-empty secret.
func withEncodings(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		out = append(out, s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("", s).String()[1:])
	}
	return out
}

// redactedError hides secrets in an error's message while keeping its chain
// for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every secret in its message replaced by "xxxxx".
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}
