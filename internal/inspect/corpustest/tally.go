package corpustest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tally counts one corpus file's items and keeps samples of what went wrong
// (misses for attacks, false positives for benign files) to print.
type Tally struct {
	File string // the row's name in the report, e.g. "attacks/cmdi/patt-intruder.txt"

	n, hits   int
	aside     int
	samples   []string
	asideWhat []string
	all       []string // every miss or false positive, for BULWARK_CORPUS_DUMP
}

func (c *Tally) add(f Finding) {
	c.n++
	if f.Hit {
		c.hits++
	}
}

// Attack records an attack item; misses are sampled.
func (c *Tally) Attack(item string, f Finding) {
	c.add(f)
	if !f.Hit {
		c.all = append(c.all, item)
		if len(c.samples) < 12 {
			c.samples = append(c.samples, quoteShort(item))
		}
	}
}

// Benign records a benign item; false positives are sampled.
func (c *Tally) Benign(item string, f Finding) {
	c.add(f)
	if f.Hit {
		c.all = append(c.all, f.What)
		if len(c.samples) < 12 {
			c.samples = append(c.samples, f.What)
		}
	}
}

// SetAside records an item not counted, and why.
func (c *Tally) SetAside(item, why string) {
	c.aside++
	if len(c.asideWhat) < 40 {
		c.asideWhat = append(c.asideWhat, quoteShort(item)+" ("+why+")")
	}
}

// dump writes every miss or false positive to $BULWARK_CORPUS_DUMP/<file>.
func (c *Tally) dump(tb testing.TB) {
	d := os.Getenv("BULWARK_CORPUS_DUMP")
	if d == "" || len(c.all) == 0 {
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(c.File)
	if err := os.WriteFile(filepath.Join(d, name), []byte(strings.Join(c.all, "\n")+"\n"), 0o644); err != nil {
		tb.Logf("dump: %v", err)
	}
}

// LogAttack prints the detection figures of an attack file, the items set
// aside and a sample of the misses.
func (c *Tally) LogAttack(tb testing.TB) {
	tb.Helper()
	c.dump(tb)
	tb.Logf("%-58s %6d items  detected %6d  %6.2f%%  set aside %d", c.File, c.n, c.hits, pct(c.hits, c.n), c.aside)
	for _, s := range c.asideWhat {
		tb.Logf("    set aside: %s", s)
	}
	for _, s := range c.samples {
		tb.Logf("    missed: %s", s)
	}
}

// LogBenign prints the false positive figures of a benign file and a sample
// of the false positives.
func (c *Tally) LogBenign(tb testing.TB) {
	tb.Helper()
	c.dump(tb)
	tb.Logf("%-58s %6d items  flagged  %6d  %6.3f%%", c.File, c.n, c.hits, pct(c.hits, c.n))
	for _, s := range c.samples {
		tb.Logf("    false positive: %s", s)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func quoteShort(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return fmt.Sprintf("%q", s)
}
