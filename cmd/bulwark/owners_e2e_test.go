package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func ownersConfig() string {
	return `admin:
  listen: "off"
store: sqlite:owners.db
apis:
  - name: shop
    upstream: http://127.0.0.1:9
    auth: [none]
    routes:
      - match: GET /orders/{id}
`
}

// runOwners runs `bulwark owners ARGS` through ownersCommand.
func runOwners(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := ownersCommand(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// ownersBin runs `bulwark owners ARGS` through the built binary.
func ownersBin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"owners"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

func TestOwnersSetGetListDelete(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, ownersConfig())
	steps := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{"set", []string{"set", "-c", cfg, "--object", "order", "--id", "1001", "--owner", "1"}, 0, "order 1001 is owned by 1", ""},
		{"set another", []string{"set", "-c", cfg, "--object", "order", "--id", "1002", "--owner", "2"}, 0, "", ""},
		{"get", []string{"get", "-c", cfg, "--object", "order", "--id", "1001"}, 0, "1\n", ""},
		{"get unknown", []string{"get", "-c", cfg, "--object", "order", "--id", "9"}, 1, "", "has no ownership record"},
		{"list by owner", []string{"list", "-c", cfg, "--owner", "2"}, 0, "order   1002  2", ""},
		{"reassign", []string{"set", "-c", cfg, "--object", "order", "--id", "1001", "--owner", "3"}, 0, "", ""},
		{"get reassigned", []string{"get", "-c", cfg, "--object", "order", "--id", "1001"}, 0, "3\n", ""},
		{"delete", []string{"delete", "-c", cfg, "--object", "order", "--id", "1001"}, 0, "Deleted", ""},
		{"delete again", []string{"delete", "-c", cfg, "--object", "order", "--id", "1001"}, 1, "", "has no ownership record"},
		{"missing id", []string{"get", "-c", cfg, "--object", "order"}, 2, "", "--object and --id are required"},
		{"missing owner", []string{"set", "-c", cfg, "--object", "order", "--id", "1"}, 2, "", "owner is required"},
		{"unknown command", []string{"chown", "-c", cfg}, 2, "", "unknown command"},
		{"bad config", []string{"list", "-c", filepath.Join(dir, "missing.yaml")}, 1, "", "config has errors"},
	}
	for _, s := range steps {
		code, out, errOut := runOwners(t, s.args...)
		if code != s.wantCode || !strings.Contains(out, s.wantOut) || !strings.Contains(errOut, s.wantErr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, %q, %q",
				s.name, code, out, errOut, s.wantCode, s.wantOut, s.wantErr)
		}
	}
	code, out, _ := runOwners(t, "list", "-c", cfg, "--json", "--object", "order")
	var listed []map[string]any
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed) != 1 {
		t.Fatalf("list --json: exit %d, %v:\n%s", code, err, out)
	}
	if listed[0]["object"] != "order" || listed[0]["id"] != "1002" || listed[0]["owner"] != "2" || listed[0]["created_at"] == nil {
		t.Errorf("listed %v", listed[0])
	}

	// The same store through the built binary.
	code, out, errOut := ownersBin(t, "get", "-c", cfg, "--object", "order", "--id", "1002")
	if code != 0 || out != "2\n" {
		t.Fatalf("bulwark owners get: exit %d: %q %s", code, out, errOut)
	}
	code, out, errOut = ownersBin(t, "set", "-c", cfg, "--object", "invoice", "--id", "7", "--owner", "alice")
	if code != 0 {
		t.Fatalf("bulwark owners set: exit %d: %s%s", code, out, errOut)
	}
	if code, out, _ := runOwners(t, "get", "-c", cfg, "--object", "invoice", "--id", "7"); code != 0 || out != "alice\n" {
		t.Errorf("after the binary's set: exit %d, %q", code, out)
	}
}

func TestOwnersImport(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, ownersConfig())
	var good strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&good, `{"object":"order","id":"%d","owner":"user-%d"}`+"\n", i, i%10)
	}
	goodPath := filepath.Join(dir, "good.jsonl")
	badPath := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(goodPath, []byte(good.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := `{"object":"order","id":"x1","owner":"a"}` + "\n" +
		`{"object":"order","id":"x2"}` + "\n\n" +
		`{"object":"order","id":"x1","owner":"b"}` + "\n"
	if err := os.WriteFile(badPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runOwners(t, "import", "-c", cfg, badPath)
	if code != 1 || !strings.Contains(errOut, "line 2:") || !strings.Contains(errOut, "line 4:") ||
		!strings.Contains(errOut, "also on line 1") || !strings.Contains(errOut, "nothing imported") {
		t.Fatalf("import of a bad file: exit %d:\n%s%s", code, out, errOut)
	}
	if code, out, _ := runOwners(t, "list", "-c", cfg, "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("a refused file left records: %s", out)
	}

	code, out, errOut = ownersBin(t, "import", "-c", cfg, goodPath)
	if code != 0 || !strings.Contains(out, "Imported 2500 ownership records") {
		t.Fatalf("bulwark owners import: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, _ = runOwners(t, "list", "-c", cfg, "--owner", "user-3", "--json", "--limit", "10000")
	var listed []map[string]any
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed) != 250 {
		t.Fatalf("list after import: exit %d, %v, %d records; want 250", code, err, len(listed))
	}
	if code, out, _ := runOwners(t, "get", "-c", cfg, "--object", "order", "--id", "2499"); code != 0 || out != "user-9\n" {
		t.Errorf("get after import: exit %d, %q", code, out)
	}
}
