package cmdi

import (
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
// Fuzz lists hold items that are not attacks on their own. Two general
// rules set them aside, and every item set aside is printed:
//   - no command at all: nothing alphanumeric once literal \n, \r and \t
//     escapes are removed (a lone ";", "|", "&&", "`", "%0a", quotes);
//   - a bare word: one token of letters, digits, '_' and '.', perhaps in
//     quotes ("id", "ls", "'true'", "asdf3334"), which no detector can tell
//     from a user name, a status or a search term.
func TestCorpus(t *testing.T) {
	dir := corpustest.Dir(t)
	// The gateway runs every string detector on query and form names too.
	p := corpustest.Probe{Value: Detect, Name: Detect}
	a := filepath.Join(dir, "attacks", "cmdi")
	for _, f := range []struct {
		file, how string
		dec       func(string) string
	}{
		{"patt-intruder.txt", "", decode.Value},
		// The source is a query-string dataset, so its '+' may stand for a
		// space; the gateway benchmark sends it form-encoded, so that the
		// application receives the '+' literally. Both readings are measured.
		{"httpparams-cmdi.txt", " ('+' as space)", decode.QueryComponent},
		{"httpparams-cmdi.txt", " ('+' literal)", decode.Value},
	} {
		c := &corpustest.Tally{File: "attacks/cmdi/" + f.file + f.how}
		for _, l := range corpustest.Items(t, filepath.Join(a, f.file)) {
			v := f.dec(l)
			if why := notAnAttack(v); why != "" {
				c.SetAside(l, why)
				continue
			}
			c.Attack(l, p.CheckValue(v))
		}
		c.LogAttack(t)
	}
	corpustest.Benign(t, dir, p, corpustest.BenignOptions{PlusLiteral: true})
}

// notAnAttack applies the two set-aside rules above.
func notAnAttack(v string) string {
	s := strings.NewReplacer(`\n`, "", `\r`, "", `\t`, "").Replace(v)
	alnum := false
	for i := 0; i < len(s); i++ {
		if isAlpha(s[i]) || isDigit(s[i]) {
			alnum = true
			break
		}
	}
	if !alnum {
		return "no command at all"
	}
	w := strings.TrimSpace(s)
	if len(w) >= 2 && (w[0] == '\'' || w[0] == '"') && w[len(w)-1] == w[0] {
		w = w[1 : len(w)-1]
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; !(isAlpha(c) || isDigit(c) || c == '_' || c == '.') {
			return ""
		}
	}
	return "a bare word"
}
