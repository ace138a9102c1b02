package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

func TestOpenBadDSN(t *testing.T) {
	const secret = "s3cr3tpw"
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
	cases := []struct {
		name, dsn, want string
	}{
		{"empty", "", "empty DSN"},
		{"unknown scheme", "mysql://user:" + secret + "@127.0.0.1/db", `unsupported DSN scheme "mysql"`},
		{"no scheme", secret, "unsupported DSN"},
		{"sqlite without path", "sqlite:", "no path"},
		{"sqlite options", "sqlite:x.db?_pragma=synchronous(OFF)", "must not contain '?'"},
		{"sqlite uri", "sqlite:file:x.db", "plain file path"},
		{"sqlite missing dir", "sqlite:" + missing, "open sqlite"},
		{"postgres bad port", "postgres://user:" + secret + "@127.0.0.1:notaport/db", "not a valid URL"},
		{"postgres bad option", "postgres://user:" + secret + "@127.0.0.1/db?sslmode=bogus", "parse postgres DSN"},
		{"postgres refused", "postgres://user:" + secret + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", "open postgres"},
		{"postgres password param", "postgresql://127.0.0.1:1/db?sslmode=disable&connect_timeout=5&password=" + secret, "open postgres"},
		{"postgres escaped password", "postgres://user:" + secret + "%40%2F@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", "open postgres"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := store.Open(ctx, c.dsn)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", c.dsn)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not mention %q", msg, c.want)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error leaks the password: %q", msg)
			}
		})
	}
}
