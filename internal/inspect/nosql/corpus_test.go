package nosql

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// TestCorpus measures the detectors on the shared corpora (../shared/corpora
// from the repository root, or $BULWARK_CORPORA) and prints per-file figures
// with t.Logf (go test -run Corpus -v). It never fails on figures.
func TestCorpus(t *testing.T) {
	dir := corporaDir(t)
	p := probe{value: Value, name: QueryKey, key: Operator}
	a := filepath.Join(dir, "attacks", "nosqli")

	c := &tally{file: "attacks/nosqli/payload-strings.txt"}
	for _, l := range lines(t, filepath.Join(a, "payload-strings.txt")) {
		c.attack(l, p.checkValue(decode.Value(l)))
	}
	c.logAttack(t)

	for _, file := range []string{"patt-readme-querystring.txt", "synthetic-querystring.txt"} {
		c := &tally{file: "attacks/nosqli/" + file}
		for _, l := range lines(t, filepath.Join(a, file)) {
			c.attack(l, p.queryString(l))
		}
		c.logAttack(t)
	}

	// JSON bodies. A line that is not strict JSON (patt-readme-json.txt has
	// two with JavaScript's undefined) would be refused by the gateway's
	// JSON check; it is measured here as one string value instead.
	for _, file := range []string{"patt-readme-json.txt", "synthetic-json-bodies.jsonl"} {
		c := &tally{file: "attacks/nosqli/" + file}
		for _, l := range lines(t, filepath.Join(a, file)) {
			f, ok := p.jsonDoc([]byte(l))
			if !ok {
				f = p.checkValue(l)
			}
			c.attack(l, f)
		}
		c.logAttack(t)
	}

	c = &tally{file: "attacks/nosqli/synthetic-cookies.txt"}
	for _, l := range lines(t, filepath.Join(a, "synthetic-cookies.txt")) {
		c.attack(l, p.cookie(strings.TrimSpace(l)))
	}
	c.logAttack(t)

	benignSets(t, dir, p)
}
