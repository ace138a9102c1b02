package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
)

// corporaDir locates the shared corpora: $BULWARK_CORPORA, else
// ../shared/corpora from the repository root. Empty when absent.
func corporaDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("BULWARK_CORPORA"); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "..", "shared", "corpora") // from bench/detection
	if _, err := os.Stat(filepath.Join(d, "README.md")); err != nil {
		return ""
	}
	return d
}

// TestRealCorpora reads the real corpora (no gateway): every known file
// yields items, the hard rows and the uncounted rows are where the corpora's
// README says.
func TestRealCorpora(t *testing.T) {
	dir := corporaDir(t)
	if dir == "" {
		t.Skip("corpora not found: set BULWARK_CORPORA or check out ../shared/corpora next to the repository")
	}
	c, err := loadCorpus(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	perFile := map[string]int{}
	hard := 0
	for _, it := range c.Items {
		perFile[it.File]++
		if it.Label == LabelHard {
			hard++
		}
		if len(it.Reqs) == 0 {
			t.Errorf("%s:%d has no request", it.File, it.Line)
		}
	}
	for _, s := range c.Specs {
		if perFile[s.Path] == 0 {
			t.Errorf("%s: no items", s.Path)
		}
	}
	if hard != 27 {
		t.Errorf("%d hard rows, want 27 (17 API requests + 10 risky strings)", hard)
	}
	if got := c.Uncounted["benign/blns.jsonl"]; got != 516-219 {
		t.Errorf("blns not counted: %d, want %d (attack + ambiguous)", got, 516-219)
	}
	if got := c.Uncounted["attacks/sqli/all-sqli.ambiguous.txt"]; got != 78 {
		t.Errorf("ambiguous file: %d, want 78", got)
	}
	if len(c.Ignored) != 0 || len(c.Missing) != 0 {
		t.Errorf("files not replayed: %v; known files missing: %v", c.Ignored, c.Missing)
	}
}

// TestConfigParses checks the benchmark's gateway config against the
// config package, so a renamed key fails here and not in a long run.
func TestConfigParses(t *testing.T) {
	data, err := os.ReadFile("bulwark.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := func(name string) (string, bool) {
		switch name {
		case "BENCH_UPSTREAM":
			return "http://127.0.0.1:9", true
		case "BENCH_STORE":
			return "sqlite:" + filepath.Join(t.TempDir(), "bench.db"), true
		}
		return "", false
	}
	_, diags := config.Parse("bulwark.yaml", data, env, os.ReadFile)
	for _, d := range diags {
		if d.Severity == config.Error {
			t.Errorf("%v", d)
		} else {
			t.Logf("%v", d)
		}
	}
}
