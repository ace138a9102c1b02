package config

import (
	"os"
	"strings"
	"testing"
)

// The mistakes people make most are named at the line that has them.
func TestYAMLMistakesNamedAtTheirLine(t *testing.T) {
	const head = "admin:\n  listen: \"off\"\n"
	const api = "apis:\n  - name: a\n    upstream: http://127.0.0.1:9\n    auth: [none]\n    routes:\n"
	tests := []struct {
		name, src string
		line      int
		want      string
	}{
		{"tab in indentation", head + "apis:\n  - name: a\n    upstream: http://127.0.0.1:9\n\tauth: [none]\n    routes:\n      - match: GET /u\n",
			6, "a tab character in the indentation"},
		{"unquoted value ending in a colon", head + "store: sqlite::memory:\n" + api + "      - match: GET /u\n",
			3, `must be quoted, e.g. store: "sqlite::memory:"`},
		{"colon parameter", head + api + "      - match: GET /users/:id/orders\n",
			8, "path parameters are written {id}, not :id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Parse("t.yaml", []byte(tc.src), func(string) (string, bool) { return "", false }, os.ReadFile)
			for _, d := range diags {
				if d.Severity == Error && d.Line == tc.line && strings.Contains(d.Message, tc.want) {
					return
				}
			}
			t.Fatalf("want line %d %q, got %v", tc.line, tc.want, diags)
		})
	}
	// Quoted, the in-memory store is accepted; a colon inside a segment is not a parameter.
	plan, diags := Parse("t.yaml", []byte(head+"store: \"sqlite::memory:\"\n"+api+"      - match: GET /a:b/x\n"),
		func(string) (string, bool) { return "", false }, os.ReadFile)
	if diags.HasErrors() || plan.Store != "sqlite::memory:" {
		t.Fatalf("%v %v", diags, plan)
	}
}
