package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewValidation(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
	}{
		{"valid", Config{Targets: []string{"http://127.0.0.1:9001", "https://b.internal/api"}}, ""},
		{"no targets", Config{}, "no targets"},
		{"bad scheme", Config{Targets: []string{"ftp://x"}}, "scheme"},
		{"no host", Config{Targets: []string{"http://"}}, "missing host"},
		{"relative", Config{Targets: []string{"/just/a/path"}}, "scheme"},
		{"unparsable", Config{Targets: []string{"http://[::1"}}, "parse target"},
		{"user info", Config{Targets: []string{"http://user:secret@h"}}, "user info"},
		{"query", Config{Targets: []string{"http://h/?a=b"}}, "query"},
		{"fragment", Config{Targets: []string{"http://h/#f"}}, "fragment"},
		{"negative max fails", Config{Targets: []string{"http://h"}, MaxFails: -1}, "max_fails"},
		{"negative timeout", Config{Targets: []string{"http://h"}, RequestTimeout: -time.Second}, "timeouts"},
		{"health path", Config{Targets: []string{"http://h"}, HealthPath: "healthz"}, "health path"},
		{"bad ca file", Config{Targets: []string{"https://h"}, CAFile: caFile}, "no PEM"},
		{"missing ca file", Config{Targets: []string{"https://h"}, CAFile: caFile + ".missing"}, "read ca file"},
		{"all problems together", Config{Targets: []string{"ftp://x", "http://"}, MaxFails: -1}, "targets[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up, err := New(tc.cfg, nil)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				up.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a credential: %v", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := Config{HealthInterval: time.Second}.withDefaults()
	if c.DialTimeout != DefaultDialTimeout || c.FailWindow != DefaultFailWindow || c.EjectFor != DefaultEjectFor ||
		c.HealthTimeout != DefaultHealthTimeout || c.HealthyThreshold != DefaultHealthyThreshold ||
		c.UnhealthyThreshold != DefaultUnhealthyThreshold {
		t.Errorf("defaults = %+v", c)
	}
}
