package traversal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect/corpustest"
	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// TestCorpus measures Detect on the shared corpora (../shared/corpora from
// the repository root, or $BULWARK_CORPORA) and prints per-file figures with
// t.Logf (go test -run Corpus -v). It never fails on figures.
//
// Template items ("../{FILE}") have their placeholder replaced by a neutral
// name, index.html, so that only the traversal itself is measured. Two
// general rules set items aside, and every item set aside is printed:
// comment lines of the source lists ("# ..."), and bare words of letters
// only ("passwd", "Statement"), which no detector can tell from data.
func TestCorpus(t *testing.T) {
	dir := corpustest.Dir(t)
	p := corpustest.Probe{Value: Detect}
	a := filepath.Join(dir, "attacks", "path-traversal")
	for _, file := range []string{
		"patt-directory-traversal.txt", "patt-dotdotpwn.txt", "patt-lfi.txt", "httpparams-path-traversal.txt",
	} {
		c := &corpustest.Tally{File: "attacks/path-traversal/" + file}
		byFlags := 0
		for _, l := range corpustest.Items(t, filepath.Join(a, file)) {
			if why := notAnAttack(l); why != "" {
				c.SetAside(l, why)
				continue
			}
			dv, flags := decode.Inspect(l)
			f := p.CheckValue(placeholder.Replace(dv))
			if !f.Hit && flags != 0 {
				// The inspector reports these encodings itself
				// (traversal.evasive_encoding) before Detect runs.
				f = corpustest.Finding{Hit: true, What: "decode flags"}
				byFlags++
			}
			c.Attack(l, f)
		}
		c.LogAttack(t)
		t.Logf("    of which by the inspector's decode flags alone: %d", byFlags)
	}
	corpustest.Benign(t, dir, p, corpustest.BenignOptions{})
}

// placeholder stands in for the fuzzers' target-file templates; set
// BULWARK_TRAVERSAL_FILE to measure with another target.
var placeholder = func() *strings.Replacer {
	f := os.Getenv("BULWARK_TRAVERSAL_FILE")
	if f == "" {
		f = "index.html"
	}
	return strings.NewReplacer("{FILE}", f, "{file}", f)
}()

// notAnAttack applies the set-aside rules above.
func notAnAttack(l string) string {
	if strings.HasPrefix(l, "#") {
		return "comment line of the source list"
	}
	for i := 0; i < len(l); i++ {
		if !isAlpha(l[i]) {
			return ""
		}
	}
	return "a bare word"
}
