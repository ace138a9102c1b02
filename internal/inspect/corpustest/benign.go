package corpustest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// BenignOptions chooses the optional rows of Benign.
type BenignOptions struct {
	// PlusLiteral adds a second reading of httpparams-norm.txt with '+' kept
	// literal, as the gateway benchmark sends it (form-encoded), for
	// detectors to which a '+' can matter.
	PlusLiteral bool
}

// Benign measures p on every benign corpus file under dir (as returned by
// Dir) and prints one row per file: items, items flagged, and a sample of
// the false positives.
func Benign(tb testing.TB, dir string, p Probe, opt BenignOptions) {
	tb.Helper()
	b := filepath.Join(dir, "benign")
	plain := func(file string, dec func(string) string) {
		tb.Helper()
		c := &Tally{File: "benign/" + file}
		for _, l := range Items(tb, filepath.Join(b, file)) {
			c.Benign(l, p.CheckValue(dec(l)))
		}
		c.LogBenign(tb)
	}
	plain("httpparams-norm.txt", decode.QueryComponent)
	if opt.PlusLiteral {
		c := &Tally{File: "benign/httpparams-norm.txt ('+' literal)"}
		for _, l := range Items(tb, filepath.Join(b, "httpparams-norm.txt")) {
			c.Benign(l, p.CheckValue(decode.Value(l)))
		}
		c.LogBenign(tb)
	}
	plain("libinjection-false-positives.txt", decode.QueryComponent)
	plain("shakespeare-sqlish-lines.txt", func(s string) string { return s })

	c := &Tally{File: "benign/modsec-learn-legitimate-querystrings.txt"}
	for _, l := range Items(tb, filepath.Join(b, "modsec-learn-legitimate-querystrings.txt")) {
		c.Benign(l, p.QueryString(l))
	}
	c.LogBenign(tb)

	c = &Tally{File: "benign/blns.jsonl (benign-edge-case)"}
	for _, r := range Objects(tb, filepath.Join(b, "blns.jsonl")) {
		if r["kind"] == "benign-edge-case" {
			v, _ := r["value"].(string)
			c.Benign(v, p.CheckValue(v))
		}
	}
	c.LogBenign(tb)

	for _, hard := range []bool{false, true} {
		c = &Tally{File: fmt.Sprintf("benign/authored/risky-strings.jsonl (hard=%v)", hard)}
		for _, r := range Objects(tb, filepath.Join(b, "authored", "risky-strings.jsonl")) {
			if r["hard"] == hard {
				v, _ := r["value"].(string)
				c.Benign(v, p.CheckValue(v))
			}
		}
		c.LogBenign(tb)
		c = &Tally{File: fmt.Sprintf("benign/authored/api-requests.jsonl (hard=%v)", hard)}
		for _, r := range Objects(tb, filepath.Join(b, "authored", "api-requests.jsonl")) {
			if r["hard"] == hard {
				c.Benign(fmt.Sprint(r["id"]), p.apiRequest(r))
			}
		}
		c.LogBenign(tb)
	}

	c = &Tally{File: "benign/stripe-openapi-fixtures.jsonl"}
	for _, r := range Objects(tb, filepath.Join(b, "stripe-openapi-fixtures.jsonl")) {
		c.Benign(fmt.Sprint(r["resource"]), p.jsonValue(r["body"]))
	}
	c.LogBenign(tb)

	c = &Tally{File: "benign/octokit-fixtures-requests.jsonl"}
	for _, r := range Objects(tb, filepath.Join(b, "octokit-fixtures-requests.jsonl")) {
		f := Finding{}
		if path, _ := r["path"].(string); strings.Contains(path, "?") {
			_, qs, _ := strings.Cut(path, "?")
			f = p.QueryString(qs)
		}
		if !f.Hit {
			f = p.jsonValue(r["body"])
		}
		c.Benign(fmt.Sprint(r["path"]), f)
	}
	c.LogBenign(tb)
}
