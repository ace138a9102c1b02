package sqli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect/corpustest"
	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// The corpus test measures Detect on the shared evaluation corpora
// (../shared/corpora from the repository root, or $BULWARK_CORPORA). It prints
// a table and never fails on figures: the figures are for people to read.
// Set BULWARK_SQLI_DUMP to a directory to also write every miss and false
// positive there, one file per corpus file.

// item is one corpus line: the decoded values the inspector would hand to
// Detect, and the raw line for reports.
type item struct {
	raw    string
	values []string
}

func (it item) detected() (string, bool) {
	for _, v := range it.values {
		if rule, hit := Detect(v); hit {
			return rule, true
		}
	}
	return "", false
}

// queryValues splits a raw query string on '&' and decodes every key and
// value as the gateway does.
func queryValues(q string) []string {
	var out []string
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, decode.QueryComponent(k))
		if v != "" {
			out = append(out, decode.QueryComponent(v))
		}
	}
	return out
}

// jsonStrings appends every string value in a decoded JSON document.
func jsonStrings(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, decode.Value(x))
	case []any:
		for _, e := range x {
			out = jsonStrings(e, out)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = jsonStrings(x[k], out)
		}
	}
	return out
}

// setAside is the general rule for fuzz-list items that are not attacks on
// their own. It returns the reason, or "" when the item is kept. Every value
// of the item must match one of:
//   - fewer than 4 non-space bytes: a separator or fragment ("'", "--", "1'", ")");
//   - one bare word or number with no operator, quote or bracket
//     ("update", "procedure", "tz_offset", "3.10E+17");
//   - a note of the list rather than a payload: a line that starts with "#"
//     and a space, that ends with ":", or whose text after a TAB is prose of
//     three words or more (the explanation column of a cheat sheet).
func setAside(values []string) string {
	reason := ""
	for _, v := range values {
		r := asideReason(v)
		if r == "" {
			return ""
		}
		reason = r
	}
	return reason
}

func asideReason(v string) string {
	t := strings.TrimSpace(v)
	n := 0
	for i := 0; i < len(t); i++ {
		if !isSpace(t[i]) {
			n++
		}
	}
	switch {
	case n < 4:
		return "fewer than 4 non-space characters"
	case bareWord(t):
		return "one bare word, number or number arithmetic"
	case strings.HasPrefix(t, "# ") || strings.HasPrefix(t, "#\t") || strings.HasSuffix(t, ":"):
		return "a note of the list (comment line or heading)"
	}
	if head, note, ok := strings.Cut(t, "\t"); ok && len(head) <= 12 && prose(note) {
		return "a note of the list (short token, TAB, explanation)"
	}
	return ""
}

// bareWord: letters, digits, '_', '.', '-' only (no "--"), or a number with
// an exponent (3.10E+17).
func bareWord(t string) bool {
	if strings.Contains(t, "--") {
		return false
	}
	t = strings.TrimPrefix(t, "+")
	if m, e, ok := strings.Cut(strings.ToUpper(t), "E+"); ok && isNumber(m) && isNumber(e) {
		return true
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c == '_' || c == '.' || c == '-' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

func isNumber(t string) bool {
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) && t[i] != '.' {
			return false
		}
	}
	return t != ""
}

// prose: two or more words of letters, with only spaces, commas, hyphens
// and parentheses between them.
func prose(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c == ' ' || c == '\t' || c == ',' || c == '-' || c == '(' || c == ')' || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return len(strings.Fields(t)) >= 2
}

type result struct {
	file                 string
	total, aside, hits   int
	misses, asideSamples []string
}

func (r *result) rate() float64 {
	n := r.total - r.aside
	if n == 0 {
		return 0
	}
	return 100 * float64(r.hits) / float64(n)
}

func attackItems(t *testing.T, path string) []item {
	base := filepath.Base(path)
	var lines []string
	if strings.HasSuffix(base, ".jsonl") {
		lines = corpustest.Strings(t, path) // *.multiline.jsonl: one JSON string per line
	} else {
		lines = corpustest.Lines(t, path)
	}
	items := make([]item, 0, len(lines))
	for _, l := range lines {
		var vals []string
		switch {
		case base == "modsec-learn-malicious-test.txt":
			vals = queryValues(l)
		case base == "libinjection-data.txt", strings.HasPrefix(base, "modsec-advlearn-"):
			vals = []string{decode.QueryComponent(l)}
		default:
			vals = []string{decode.Value(l)}
		}
		items = append(items, item{raw: l, values: vals})
	}
	return items
}

func TestCorpusAttacks(t *testing.T) {
	dir := filepath.Join(corpustest.Dir(t), "attacks", "sqli")
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	multi, _ := filepath.Glob(filepath.Join(dir, "*.multiline.jsonl"))
	files = append(files, multi...)
	sort.Strings(files)
	var results []*result
	for _, f := range files {
		base := filepath.Base(f)
		if base == "all-sqli.ambiguous.txt" {
			continue
		}
		r := &result{file: base}
		for _, it := range attackItems(t, f) {
			r.total++
			if why := setAside(it.values); why != "" {
				r.aside++
				r.asideSamples = append(r.asideSamples, fmt.Sprintf("%q: %s", it.raw, why))
				continue
			}
			if _, hit := it.detected(); hit {
				r.hits++
			} else {
				r.misses = append(r.misses, it.raw)
			}
		}
		results = append(results, r)
	}
	t.Logf("%-45s %7s %6s %7s %8s", "attack file", "items", "aside", "hits", "detect%")
	for _, r := range results {
		t.Logf("%-45s %7d %6d %7d %7.2f%%", r.file, r.total, r.aside, r.hits, r.rate())
	}
	for _, r := range results {
		for _, s := range r.asideSamples {
			t.Logf("set aside in %s: %s", r.file, s)
		}
	}
	for _, r := range results {
		for i, m := range r.misses {
			if i == 10 {
				t.Logf("miss in %s: ... %d more", r.file, len(r.misses)-10)
				break
			}
			t.Logf("miss in %s: %q", r.file, m)
		}
		dump(t, "miss-"+r.file, r.misses)
	}
}

// benignSet is one benign file turned into items.
type benignSet struct {
	name  string
	items []item
}

func TestCorpusBenign(t *testing.T) {
	root := filepath.Join(corpustest.Dir(t), "benign")
	var sets []benignSet
	raw := func(name string, dec func(string) string) {
		var its []item
		for _, l := range corpustest.Lines(t, filepath.Join(root, name)) {
			its = append(its, item{raw: l, values: []string{dec(l)}})
		}
		sets = append(sets, benignSet{name, its})
	}
	raw("httpparams-norm.txt", decode.Value)
	raw("libinjection-false-positives.txt", decode.QueryComponent)
	raw("shakespeare-sqlish-lines.txt", decode.Value)
	var qs []item
	for _, l := range corpustest.Lines(t, filepath.Join(root, "modsec-learn-legitimate-querystrings.txt")) {
		qs = append(qs, item{raw: l, values: queryValues(l)})
	}
	sets = append(sets, benignSet{"modsec-learn-legitimate-querystrings.txt", qs})
	sets = append(sets, jsonlSets(t, root)...)

	t.Logf("%-45s %7s %7s %7s %8s", "benign set", "items", "values", "FP", "FP%")
	for _, s := range sets {
		var fps []string
		nv := 0
		for _, it := range s.items {
			nv += len(it.values)
			if rule, hit := it.detected(); hit {
				fps = append(fps, rule+"\t"+it.raw)
			}
		}
		pct := 0.0
		if len(s.items) > 0 {
			pct = 100 * float64(len(fps)) / float64(len(s.items))
		}
		t.Logf("%-45s %7d %7d %7d %7.3f%%", s.name, len(s.items), nv, len(fps), pct)
		for _, fp := range fps {
			t.Logf("  false positive in %s: %q", s.name, fp)
		}
		dump(t, "fp-"+s.name, fps)
	}
}

// jsonlSets builds the JSON-lines benign sets.
func jsonlSets(t *testing.T, root string) []benignSet {
	var blns, risky, hard, stripe, octo []item
	for _, row := range corpustest.Objects(t, filepath.Join(root, "blns.jsonl")) {
		if row["kind"] == "benign-edge-case" {
			s, _ := row["value"].(string)
			blns = append(blns, item{raw: s, values: []string{decode.Value(s)}})
		}
	}
	for _, row := range corpustest.Objects(t, filepath.Join(root, "authored", "risky-strings.jsonl")) {
		s, _ := row["value"].(string)
		it := item{raw: s, values: []string{decode.Value(s)}}
		if h, _ := row["hard"].(bool); h {
			hard = append(hard, it)
		} else {
			risky = append(risky, it)
		}
	}
	for _, row := range corpustest.Objects(t, filepath.Join(root, "stripe-openapi-fixtures.jsonl")) {
		b, _ := json.Marshal(row["body"])
		stripe = append(stripe, item{raw: string(b), values: jsonStrings(row["body"], nil)})
	}
	for _, row := range corpustest.Objects(t, filepath.Join(root, "octokit-fixtures-requests.jsonl")) {
		var vals []string
		p, _ := row["path"].(string)
		if _, q, ok := strings.Cut(p, "?"); ok {
			vals = queryValues(q)
		}
		switch b := row["body"].(type) {
		case map[string]any, []any:
			vals = jsonStrings(b, vals)
		}
		if len(vals) > 0 {
			octo = append(octo, item{raw: p, values: vals})
		}
	}
	return []benignSet{
		{"stripe-openapi-fixtures.jsonl (bodies)", stripe},
		{"octokit-fixtures-requests.jsonl (bodies+query)", octo},
		{"blns.jsonl (benign-edge-case)", blns},
		{"risky-strings.jsonl (not hard)", risky},
		{"risky-strings.jsonl (hard, per-route policy)", hard},
	}
}

// dump writes lines to $BULWARK_SQLI_DUMP/name when that is set.
func dump(t *testing.T, name string, lines []string) {
	dir := os.Getenv("BULWARK_SQLI_DUMP")
	if dir == "" {
		return
	}
	name = url.PathEscape(name)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Errorf("dump %s: %v", name, err)
	}
}
