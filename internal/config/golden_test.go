package config

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testEnv is the environment every golden config is parsed with.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"ADMIN_TOKEN": "env-token-0123456789abcdef",
		"PGPASS":      "pg-secret-value",
		"DATA_DIR":    "/var/lib/bulwark",
		"UPSTREAM":    "http://10.1.2.3:8080",
		// A value full of YAML syntax must stay one plain string.
		"YAMLISH": "a: [b, {c: d}]\n- &x *y #z",
	}[name]
	return v, ok
}

// TestGolden parses every testdata/*.yaml and compares the diagnostics, and
// the Plan when there is one, with testdata/*.golden. Run with -update to
// rewrite the golden files after checking the differences.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			plan, diags := Parse(file, data, testEnv, os.ReadFile)
			got := render(t, plan, diags)
			compareGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", got)
		})
	}
}

// render writes the diagnostics, one per line, then the Plan as JSON.
func render(t *testing.T, plan *Plan, diags Diagnostics) string {
	t.Helper()
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.String() + "\n")
	}
	if plan != nil {
		js, err := json.MarshalIndent(plan, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("--- plan\n" + string(js) + "\n")
	}
	return b.String()
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update and review the diff)\n--- got\n%s--- want\n%s", path, got, want)
	}
}
