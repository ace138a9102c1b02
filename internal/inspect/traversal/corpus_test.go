package traversal

import (
	"path/filepath"
	"strings"
	"testing"

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
	dir := corporaDir(t)
	p := probe{value: Detect}
	a := filepath.Join(dir, "attacks", "path-traversal")
	for _, file := range []string{
		"patt-directory-traversal.txt", "patt-dotdotpwn.txt", "patt-lfi.txt", "httpparams-path-traversal.txt",
	} {
		c := &tally{file: "attacks/path-traversal/" + file}
		for _, l := range lines(t, filepath.Join(a, file)) {
			if why := notAnAttack(l); why != "" {
				c.setAside(l, why)
				continue
			}
			v := placeholder.Replace(decode.Value(l))
			c.attack(l, p.checkValue(v))
		}
		c.logAttack(t)
	}
	benignSets(t, dir, p)
}

// placeholder stands in for the fuzzers' target-file templates.
var placeholder = strings.NewReplacer("{FILE}", "index.html", "{file}", "index.html")

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
