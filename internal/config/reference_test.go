package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"USER": "alice", "PASS": "s3cr3t", "EMPTY": "", "YAML": "{a: [1]}"}
	files := map[string]string{
		"/etc/conf/token":     "tok\n",
		"/etc/conf/crlf":      "tok\r\n",
		"/etc/conf/two":       "tok\n\n",
		"/abs/secret":         "abs",
		"/etc/conf/sub/inner": "inner",
	}
	r := resolver{
		env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		readFile: func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		dir: "/etc/conf",
	}
	tests := []struct {
		name string
		in   string
		want string
		refs int
		err  string
	}{
		{"plain", "hello", "hello", 0, ""},
		{"lone dollar", "a$b", "a$b", 0, ""},
		{"whole env", "${env:USER}", "alice", 1, ""},
		{"embedded", "postgres://${env:USER}:${env:PASS}@h/db", "postgres://alice:s3cr3t@h/db", 2, ""},
		{"set but empty", "x${env:EMPTY}y", "xy", 1, ""},
		{"yaml syntax stays text", "${env:YAML}", "{a: [1]}", 1, ""},
		{"escaped", "$${env:USER}", "${env:USER}", 0, ""},
		{"file relative", "${file:token}", "tok", 1, ""},
		{"file crlf", "${file:crlf}", "tok", 1, ""},
		{"file one newline trimmed", "${file:two}", "tok\n", 1, ""},
		{"file absolute", "${file:/abs/secret}", "abs", 1, ""},
		{"file subdirectory", "${file:sub/inner}", "inner", 1, ""},
		{"unset", "${env:NOPE}", "", 0, "environment variable NOPE is not set"},
		{"unreadable", "${file:missing}", "", 0, "cannot read ${file:missing}: file does not exist"},
		{"empty path", "${file:}", "", 0, "malformed reference ${file:}: the path is empty"},
		{"bad env name", "${env:1X}", "", 0, `malformed reference ${env:1X}: "1X" is not a valid environment variable name`},
		{"no kind", "${USER}", "", 0, "malformed reference ${USER}: use ${env:NAME} or ${file:PATH}"},
		{"unknown kind", "${vault:x}", "", 0, `unknown reference kind "vault" in ${vault:x}: use ${env:NAME} or ${file:PATH}`},
		{"unterminated", "a${env:USER", "", 0, `unterminated reference "${env:USER": missing }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := r.expand(tt.in)
			if tt.err != "" {
				if len(e.errs) != 1 || e.errs[0] != tt.err {
					t.Fatalf("errs = %q, want %q", e.errs, tt.err)
				}
				return
			}
			if len(e.errs) > 0 {
				t.Fatalf("unexpected errors %q", e.errs)
			}
			if e.value != tt.want || e.refs != tt.refs {
				t.Errorf("expand(%q) = %q (%d refs), want %q (%d refs)", tt.in, e.value, e.refs, tt.want, tt.refs)
			}
		})
	}
}

func TestLiteralPassword(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{"postgres://u:hunter2@h/db", true},
		{"postgres://u:${env:PG}@h/db", false},
		{"postgres://u:${file:pg}@h/db", false},
		{"postgres://u:pre${env:PG}@h/db", true},
		{"postgres://u@h/db", false},
		{"postgres://h/db", false},
		{"${env:DSN}", false},
		{"postgres://u@h/db?password=hunter2", true},
		{"postgres://u@h/db?sslpassword=${env:X}", false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if got := literalPassword(tt.raw); got != tt.want {
				t.Errorf("literalPassword(%q) = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

// TestSecretsNeverInDiagnostics makes sure no message repeats a resolved
// secret value, even when the value is rejected.
func TestSecretsNeverInDiagnostics(t *testing.T) {
	const secret = "TOPSECRET"
	src := "admin:\n  token: ${env:T}\nstore: ${env:S}\napis: []\n"
	env := func(k string) (string, bool) {
		return map[string]string{"T": secret, "S": "mysql://u:" + secret + "@h/db"}[k], true
	}
	_, diags := Parse("c.yaml", []byte(src), env, failRead)
	if !diags.HasErrors() {
		t.Fatal("expected errors")
	}
	if strings.Contains(diags.String(), secret) {
		t.Errorf("a secret leaked into diagnostics:\n%s", diags)
	}
}

func failRead(string) ([]byte, error) { return nil, errors.New("no files in this test") }
