package corpustest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir returns the directory of the shared corpora, or skips the test when
// they are absent: $BULWARK_CORPORA when set, otherwise ../shared/corpora
// from the repository root (the nearest directory above the working
// directory that holds go.mod).
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("BULWARK_CORPORA"); d != "" {
		if _, err := os.Stat(d); err != nil {
			tb.Skipf("BULWARK_CORPORA=%s not readable (%v): corpus figures skipped", d, err)
		}
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Skipf("no working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "corpora")
			if _, err := os.Stat(d); err != nil {
				tb.Skipf("corpora not found at %s and BULWARK_CORPORA unset: corpus figures skipped", d)
			}
			return d
		}
		if filepath.Dir(dir) == dir {
			tb.Skip("repository root not found and BULWARK_CORPORA unset: corpus figures skipped")
		}
	}
}

// Lines returns the non-empty lines of a one-item-per-line file. The bytes
// are kept as they are (some files hold non-UTF-8 and a line is an attack
// payload): only the '\n' separators are removed. A file that cannot be read
// fails the test.
func Lines(tb testing.TB, path string) []string {
	tb.Helper()
	var out []string
	for _, l := range split(tb, path) {
		if len(l) > 0 {
			out = append(out, string(l))
		}
	}
	return out
}

// Items returns the items of a one-item-per-line file: its lines and, when
// a sibling file of the same name ending in .multiline.jsonl instead of .txt
// exists, the strings of that file (items that hold a line break).
func Items(tb testing.TB, path string) []string {
	tb.Helper()
	out := Lines(tb, path)
	ml := strings.TrimSuffix(path, ".txt") + ".multiline.jsonl"
	if _, err := os.Stat(ml); err == nil {
		out = append(out, Strings(tb, ml)...)
	}
	return out
}

// Strings reads a JSON-lines file whose lines are JSON strings (the
// *.multiline.jsonl items). Blank lines are skipped; a line that is not a
// JSON string fails the test.
func Strings(tb testing.TB, path string) []string {
	tb.Helper()
	var out []string
	for _, l := range split(tb, path) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var s string
		if err := json.Unmarshal(l, &s); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		out = append(out, s)
	}
	return out
}

// Objects reads a JSON-lines file of objects. Blank lines are skipped; a
// line that does not decode as an object fails the test.
func Objects(tb testing.TB, path string) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, l := range split(tb, path) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// split reads a file and splits it on '\n'.
func split(tb testing.TB, path string) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return bytes.Split(data, []byte("\n"))
}
