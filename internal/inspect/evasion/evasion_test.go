package evasion

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/inspect/corpustest"
)

// fastSeeds are the committed seeds: testdata/seeds.txt and the attacks
// hidden in prose of bench/detection/testdata.
func fastSeeds(t *testing.T) map[Class][]string {
	t.Helper()
	out := map[Class][]string{}
	for _, l := range corpustest.Lines(t, filepath.Join("testdata", "seeds.txt")) {
		if strings.HasPrefix(l, "#") {
			continue
		}
		c, v, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("seeds.txt: no TAB in %q", l)
		}
		out[Class(c)] = append(out[Class(c)], v)
	}
	dir := filepath.Join("..", "..", "..", "bench", "detection", "testdata", "corpora", "attacks")
	for c, d := range map[Class]string{CmdI: "cmdi", SQLi: "sqli", Traversal: "path-traversal", NoSQLi: "nosqli"} {
		out[c] = append(out[c], corpustest.Items(t, filepath.Join(dir, d, "authored-prose.txt"))...)
	}
	return out
}

// TestEvasionFast is the fast variant of bench/evasion: every committed
// seed the default detectors block is mutated up to 200 times per channel,
// and no class may let more than 5% of them through.
func TestEvasionFast(t *testing.T) {
	if testing.Short() {
		t.Skip("evasion fuzzing skipped in -short mode")
	}
	in, err := inspect.New(inspect.Config{})
	if err != nil {
		t.Fatal(err)
	}
	seeds := fastSeeds(t)
	// one parallel subtest per class; each logs and bounds its own figures
	for _, c := range Classes {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			var results []Result
			var b strings.Builder
			target := InspectorTarget(in, c)
			for _, s := range seeds[c] {
				if !Valid(c, s) {
					continue
				}
				for _, ch := range Channels {
					r := Fuzz(c, s, ch, target, Config{Tries: 200, Seed: 7})
					results = append(results, r)
					if r.Evaded {
						fmt.Fprintf(&b, "  evaded %-9s %-5s after %3d: %q -> %q (%s)\n", c, ch, r.Tries, s, r.Mutant, strings.Join(r.Ops, ","))
					}
				}
			}
			for _, s := range Summarize(results) {
				fmt.Fprintf(&b, "%-9s %-5s seeds %3d blocked %3d evaded %3d (%.1f%%), %d mutants sent\n",
					s.Class, s.Channel, s.Seeds, s.Blocked, s.Evaded, 100*s.Rate(), s.Tries)
				if s.Rate() > 0.05 {
					// the bound: no class lets more than 5% of its
					// blocked seeds through with 200 tries each
					t.Errorf("%s on %s: %.1f%% of blocked seeds evaded, the bound is 5%%", s.Class, s.Channel, 100*s.Rate())
				}
				if s.Blocked < 10 {
					t.Errorf("%s on %s: only %d blocked seeds, the rate says nothing", s.Class, s.Channel, s.Blocked)
				}
			}
			t.Log("\n" + b.String())
		})
	}
}
