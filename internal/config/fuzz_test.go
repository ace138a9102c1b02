package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, every
// diagnostic must have a position unless it is about the whole file, and a
// Plan comes back exactly when there is no error.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("apis:\n  - {name: x, upstream: {targets: [\"http://h\"]}, routes: [{match: \"GET /{a}\"}, {match: \"/**\"}]}\n"))
	f.Add([]byte("\xef\xbb\xbfadmin: {listen: off}\n"))
	env := func(name string) (string, bool) { return "v: [${env:X}]", name != "UNSET" }
	readFile := func(string) ([]byte, error) { return []byte("x\n"), nil }
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		plan, diags := Parse("fuzz.yaml", data, env, readFile)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Parse took %v on %d bytes", d, len(data))
		}
		if (plan == nil) != diags.HasErrors() {
			t.Fatalf("plan %v with diagnostics\n%s", plan != nil, diags)
		}
		for _, d := range diags {
			fileLevel := d.Line == 0 && d.Col == 0 && d.Path == ""
			if d.Line < 1 && !fileLevel {
				t.Errorf("diagnostic without a line: %s", d)
			}
			if d.File != "fuzz.yaml" || d.Message == "" {
				t.Errorf("malformed diagnostic: %#v", d)
			}
		}
	})
}
