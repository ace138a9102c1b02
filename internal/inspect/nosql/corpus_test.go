package nosql

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect/corpustest"
	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// TestCorpus measures the detectors on the shared corpora (../shared/corpora
// from the repository root, or $BULWARK_CORPORA) and prints per-file figures
// with t.Logf (go test -run Corpus -v). It never fails on figures.
func TestCorpus(t *testing.T) {
	dir := corpustest.Dir(t)
	p := corpustest.Probe{Value: Value, Name: QueryKey, Key: Operator}
	a := filepath.Join(dir, "attacks", "nosqli")

	c := &corpustest.Tally{File: "attacks/nosqli/payload-strings.txt"}
	for _, l := range corpustest.Items(t, filepath.Join(a, "payload-strings.txt")) {
		c.Attack(l, p.CheckValue(decode.Value(l)))
	}
	c.LogAttack(t)

	for _, file := range []string{"patt-readme-querystring.txt", "synthetic-querystring.txt"} {
		c := &corpustest.Tally{File: "attacks/nosqli/" + file}
		for _, l := range corpustest.Items(t, filepath.Join(a, file)) {
			c.Attack(l, p.QueryString(l))
		}
		c.LogAttack(t)
	}

	// JSON bodies. A line that is not strict JSON (patt-readme-json.txt has
	// two with JavaScript's undefined) would be refused by the gateway's
	// JSON check; it is measured here as one string value instead.
	for _, file := range []string{"patt-readme-json.txt", "synthetic-json-bodies.jsonl"} {
		c := &corpustest.Tally{File: "attacks/nosqli/" + file}
		for _, l := range corpustest.Items(t, filepath.Join(a, file)) {
			f, ok := p.JSONDoc([]byte(l))
			if !ok {
				f = p.CheckValue(l)
			}
			c.Attack(l, f)
		}
		c.LogAttack(t)
	}

	c = &corpustest.Tally{File: "attacks/nosqli/synthetic-cookies.txt"}
	for _, l := range corpustest.Items(t, filepath.Join(a, "synthetic-cookies.txt")) {
		c.Attack(l, p.Cookie(strings.TrimSpace(l)))
	}
	c.LogAttack(t)

	corpustest.Benign(t, dir, p, corpustest.BenignOptions{PlusLiteral: true})
}
