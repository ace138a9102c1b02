package config

import (
	"net/url"
	"strings"
)

// buildStore validates the store DSN and resolves a relative SQLite path
// against the config file's directory. Messages never quote the DSN, which
// may hold a password.
func (d *decoder) buildStore(s *string) string {
	const path = "store"
	dsn := orDefault(s, defaultStore)
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		d.checkPostgres(path, dsn)
		return dsn
	case strings.HasPrefix(lower, "sqlite://"):
		return d.sqlite(path, dsn[len("sqlite://"):])
	case strings.HasPrefix(lower, "sqlite:"):
		return d.sqlite(path, dsn[len("sqlite:"):])
	}
	scheme, _, found := strings.Cut(dsn, ":")
	if found && len(scheme) <= 16 && !strings.ContainsAny(scheme, "/@ ") {
		d.errorf(path, "unsupported store %q: expected sqlite:PATH or postgres://USER@HOST/DB", scheme+":")
	} else {
		d.errorf(path, "expected sqlite:PATH or postgres://USER@HOST/DB")
	}
	return dsn
}

// sqlite checks a SQLite file path and resolves it.
func (d *decoder) sqlite(path, file string) string {
	switch {
	case file == "":
		d.errorf(path, "sqlite: needs a file path, like sqlite:bulwark.db")
	case strings.ContainsAny(file, "?#"):
		d.errorf(path, "the sqlite path must not contain ? or #: driver options are set by Bulwark")
	case strings.HasPrefix(strings.ToLower(file), "file:"):
		d.errorf(path, "the sqlite path must be a plain file path, not a file: URI")
	case file == ":memory:":
		return "sqlite::memory:"
	}
	return "sqlite:" + d.res.abs(file)
}

// checkPostgres validates a PostgreSQL URL and warns when its password is
// written literally in the file rather than referenced.
func (d *decoder) checkPostgres(path, dsn string) {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		d.errorf(path, "expected a URL like postgres://USER@HOST:5432/DB (percent-encode @ / : ? in the password)")
		return
	}
	if literalPassword(d.rawValue(path, dsn)) {
		d.warnf(path, "literal password in the store URL: write it as ${env:NAME} or ${file:PATH}")
	}
}

// refPlaceholder stands in for a reference while the raw DSN is parsed as a
// URL (reference syntax is not valid in a URL's userinfo).
const refPlaceholder = "BULWARKREF"

// literalPassword reports whether the DSN as written holds a password (in
// the user info or a password query parameter) with any characters that do
// not come from a reference.
func literalPassword(raw string) bool {
	var b strings.Builder
	for {
		i := strings.Index(raw, "${")
		j := strings.IndexByte(raw[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(raw)
			break
		}
		b.WriteString(raw[:i])
		b.WriteString(refPlaceholder)
		raw = raw[i+j+1:]
	}
	u, err := url.Parse(b.String())
	if err != nil {
		return false
	}
	var pws []string
	if pw, set := u.User.Password(); set {
		pws = append(pws, pw)
	}
	q := u.Query()
	pws = append(pws, q["password"]...)
	pws = append(pws, q["sslpassword"]...)
	for _, pw := range pws {
		if strings.ReplaceAll(pw, refPlaceholder, "") != "" {
			return true
		}
	}
	return false
}

func (d *decoder) buildAudit(a auditConfig) Audit {
	out := Audit{
		Stdout:       orDefault(a.Stdout, defaultAuditStdout),
		File:         orDefault(a.File, ""),
		Store:        orDefault(a.Store, defaultAuditStore),
		QueueSize:    orDefault(a.QueueSize, defaultAuditQueueSize),
		Overflow:     orDefault(a.Overflow, defaultAuditOverflow),
		BlockTimeout: durationOr(a.BlockTimeout, defaultAuditBlockTimeout),
		Retention:    durationOr(a.Retention, defaultAuditRetention),
	}
	if out.File != "" {
		out.File = d.res.abs(out.File)
	}
	d.buildAuditStorage(a, &out)
	d.atLeast("audit.queue_size", out.QueueSize, 1)
	switch out.Overflow {
	case "drop", "block":
	default:
		d.errorf("audit.overflow", "expected drop or block, got %q", out.Overflow)
	}
	if out.Overflow == "block" {
		d.positive("audit.block_timeout", out.BlockTimeout, "a full queue must not stall requests forever")
	}
	return out
}
