package cmdi

// Corpus measuring helpers. The same file sits in nosql, cmdi and traversal
// (test files cannot be shared between packages); keep the copies equal.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// probe is what one package measures: a value detector, and for nosql the
// name and JSON-key detectors.
type probe struct {
	value func(string) (string, bool)
	name  func(string) (string, bool) // query/form/cookie names; nil: none
	key   func(string) (string, bool) // JSON keys; nil: none
}

// corporaDir finds the shared corpora or skips the test.
func corporaDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("BULWARK_CORPORA"); d != "" {
		if _, err := os.Stat(d); err != nil {
			t.Skipf("BULWARK_CORPORA=%s not readable (%v): corpus figures skipped", d, err)
		}
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Skipf("no working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "corpora")
			if _, err := os.Stat(d); err != nil {
				t.Skipf("corpora not found at %s and BULWARK_CORPORA unset: corpus figures skipped", d)
			}
			return d
		}
		if filepath.Dir(dir) == dir {
			t.Skip("repository root not found and BULWARK_CORPORA unset: corpus figures skipped")
		}
	}
}

// lines reads a one-item-per-line file as bytes (some hold non-UTF-8) and,
// when a sibling .multiline.jsonl exists, its JSON-string items too.
func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var out []string
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(l) > 0 {
			out = append(out, string(l))
		}
	}
	ml := strings.TrimSuffix(path, ".txt") + ".multiline.jsonl"
	if data, err := os.ReadFile(ml); err == nil {
		for _, l := range bytes.Split(data, []byte("\n")) {
			var s string
			if len(l) > 0 && json.Unmarshal(l, &s) == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// jsonRows reads a JSON-lines file.
func jsonRows(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var out []map[string]any
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// finding says what fired on an item, for the sample lists.
type finding struct {
	hit  bool
	what string
}

func (p probe) checkValue(v string) finding {
	if rule, hit := p.value(v); hit {
		return finding{true, rule + " on " + quoteShort(v)}
	}
	return finding{}
}

func (p probe) checkName(n string) finding {
	if p.name != nil {
		if op, hit := p.name(n); hit {
			return finding{true, "name " + op + " in " + quoteShort(n)}
		}
	}
	return finding{}
}

func (p probe) checkKey(k string) finding {
	if p.key != nil {
		if op, hit := p.key(k); hit {
			return finding{true, "key " + op}
		}
	}
	return p.checkValue(k)
}

// queryString checks a whole query string or form body: names and values
// decoded as a form decoder would.
func (p probe) queryString(qs string) finding {
	for _, part := range strings.Split(qs, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if f := p.checkName(decode.QueryComponent(name)); f.hit {
			return f
		}
		if f := p.checkValue(decode.QueryComponent(value)); f.hit {
			return f
		}
	}
	return finding{}
}

// cookie checks one "name=value" cookie pair.
func (p probe) cookie(pair string) finding {
	name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
	if f := p.checkName(decode.Value(name)); f.hit {
		return f
	}
	return p.checkValue(decode.Value(value))
}

// jsonDoc walks every key and string value of a JSON document, keys in
// order and duplicates included. ok is false when it is not valid JSON.
func (p probe) jsonDoc(data []byte) (f finding, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []bool // true: object
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return f, true
		}
		if err != nil {
			return f, false
		}
		if f.hit {
			continue // keep reading to validate
		}
		switch tk := tok.(type) {
		case json.Delim:
			switch tk {
			case '{':
				stack = append(stack, true)
				expectKey = true
				continue
			case '[':
				stack = append(stack, false)
				expectKey = false
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey {
				f = p.checkKey(tk)
				expectKey = false
				continue
			}
			f = p.checkValue(tk)
		}
		expectKey = len(stack) > 0 && stack[len(stack)-1]
	}
}

// jsonValue walks an already decoded JSON value.
func (p probe) jsonValue(v any) finding {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if f := p.checkKey(k); f.hit {
				return f
			}
			if f := p.jsonValue(e); f.hit {
				return f
			}
		}
	case []any:
		for _, e := range x {
			if f := p.jsonValue(e); f.hit {
				return f
			}
		}
	case string:
		return p.checkValue(x)
	}
	return finding{}
}

// tally counts one corpus file's items.
type tally struct {
	file      string
	n, hits   int
	aside     int
	samples   []string
	asideWhat []string
	all       []string // every miss or false positive, for BULWARK_CORPUS_DUMP
}

func (c *tally) add(item string, f finding) {
	c.n++
	if f.hit {
		c.hits++
	}
	_ = item
}

// attack records an attack item; misses are sampled.
func (c *tally) attack(item string, f finding) {
	c.add(item, f)
	if !f.hit {
		c.all = append(c.all, item)
		if len(c.samples) < 12 {
			c.samples = append(c.samples, quoteShort(item))
		}
	}
}

// benign records a benign item; false positives are sampled.
func (c *tally) benign(item string, f finding) {
	c.add(item, f)
	if f.hit {
		c.all = append(c.all, f.what)
		if len(c.samples) < 12 {
			c.samples = append(c.samples, f.what)
		}
	}
}

// setAside records an item not counted, and why.
func (c *tally) setAside(item, why string) {
	c.aside++
	if len(c.asideWhat) < 40 {
		c.asideWhat = append(c.asideWhat, quoteShort(item)+" ("+why+")")
	}
}

// dump writes every miss or false positive to $BULWARK_CORPUS_DUMP/<file>.
func (c *tally) dump(t *testing.T) {
	d := os.Getenv("BULWARK_CORPUS_DUMP")
	if d == "" || len(c.all) == 0 {
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(c.file)
	if err := os.WriteFile(filepath.Join(d, name), []byte(strings.Join(c.all, "\n")+"\n"), 0o644); err != nil {
		t.Logf("dump: %v", err)
	}
}

func (c *tally) logAttack(t *testing.T) {
	t.Helper()
	c.dump(t)
	t.Logf("%-58s %6d items  detected %6d  %6.2f%%  set aside %d", c.file, c.n, c.hits, pct(c.hits, c.n), c.aside)
	for _, s := range c.asideWhat {
		t.Logf("    set aside: %s", s)
	}
	for _, s := range c.samples {
		t.Logf("    missed: %s", s)
	}
}

func (c *tally) logBenign(t *testing.T) {
	t.Helper()
	c.dump(t)
	t.Logf("%-58s %6d items  flagged  %6d  %6.3f%%", c.file, c.n, c.hits, pct(c.hits, c.n))
	for _, s := range c.samples {
		t.Logf("    false positive: %s", s)
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

// benignSets measures p on every benign corpus file.
func benignSets(t *testing.T, dir string, p probe) {
	t.Helper()
	b := filepath.Join(dir, "benign")
	plain := func(file string, dec func(string) string) {
		c := &tally{file: "benign/" + file}
		for _, l := range lines(t, filepath.Join(b, file)) {
			c.benign(l, p.checkValue(dec(l)))
		}
		c.logBenign(t)
	}
	plain("httpparams-norm.txt", decode.QueryComponent)
	// As the gateway benchmark sends it (form-encoded): '+' reaches the value.
	c := &tally{file: "benign/httpparams-norm.txt ('+' literal)"}
	for _, l := range lines(t, filepath.Join(b, "httpparams-norm.txt")) {
		c.benign(l, p.checkValue(decode.Value(l)))
	}
	c.logBenign(t)
	plain("libinjection-false-positives.txt", decode.QueryComponent)
	plain("shakespeare-sqlish-lines.txt", func(s string) string { return s })

	c = &tally{file: "benign/modsec-learn-legitimate-querystrings.txt"}
	for _, l := range lines(t, filepath.Join(b, "modsec-learn-legitimate-querystrings.txt")) {
		c.benign(l, p.queryString(l))
	}
	c.logBenign(t)

	c = &tally{file: "benign/blns.jsonl (benign-edge-case)"}
	for _, r := range jsonRows(t, filepath.Join(b, "blns.jsonl")) {
		if r["kind"] == "benign-edge-case" {
			v, _ := r["value"].(string)
			c.benign(v, p.checkValue(v))
		}
	}
	c.logBenign(t)

	for _, hard := range []bool{false, true} {
		c = &tally{file: fmt.Sprintf("benign/authored/risky-strings.jsonl (hard=%v)", hard)}
		for _, r := range jsonRows(t, filepath.Join(b, "authored", "risky-strings.jsonl")) {
			if r["hard"] == hard {
				v, _ := r["value"].(string)
				c.benign(v, p.checkValue(v))
			}
		}
		c.logBenign(t)
		c = &tally{file: fmt.Sprintf("benign/authored/api-requests.jsonl (hard=%v)", hard)}
		for _, r := range jsonRows(t, filepath.Join(b, "authored", "api-requests.jsonl")) {
			if r["hard"] == hard {
				c.benign(fmt.Sprint(r["id"]), p.apiRequest(r))
			}
		}
		c.logBenign(t)
	}

	c = &tally{file: "benign/stripe-openapi-fixtures.jsonl"}
	for _, r := range jsonRows(t, filepath.Join(b, "stripe-openapi-fixtures.jsonl")) {
		c.benign(fmt.Sprint(r["resource"]), p.jsonValue(r["body"]))
	}
	c.logBenign(t)

	c = &tally{file: "benign/octokit-fixtures-requests.jsonl"}
	for _, r := range jsonRows(t, filepath.Join(b, "octokit-fixtures-requests.jsonl")) {
		f := finding{}
		if path, _ := r["path"].(string); strings.Contains(path, "?") {
			_, qs, _ := strings.Cut(path, "?")
			f = p.queryString(qs)
		}
		if !f.hit {
			f = p.jsonValue(r["body"])
		}
		c.benign(fmt.Sprint(r["path"]), f)
	}
	c.logBenign(t)
}

// apiRequest checks one authored request: its query string, its body by
// kind, and its header values (cookies split into pairs).
func (p probe) apiRequest(r map[string]any) finding {
	if q, _ := r["query"].(string); q != "" {
		if f := p.queryString(q); f.hit {
			return f
		}
	}
	if body, _ := r["body"].(string); body != "" {
		if r["kind"] == "form" {
			if f := p.queryString(body); f.hit {
				return f
			}
		} else if f, ok := p.jsonDoc([]byte(body)); ok && f.hit {
			return f
		}
	}
	headers, _ := r["headers"].(map[string]any)
	for name, v := range headers {
		s, _ := v.(string)
		if strings.EqualFold(name, "cookie") {
			for _, pair := range strings.Split(s, ";") {
				if f := p.cookie(pair); f.hit {
					return f
				}
			}
			continue
		}
		if f := p.checkValue(s); f.hit {
			return f
		}
	}
	return finding{}
}
