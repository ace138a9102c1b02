package graphql

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// corpusEntry is one line of testdata/corpus/operations.jsonl.
type corpusEntry struct {
	Schema string          `json:"schema"`
	Kind   string          `json:"kind"`
	Name   string          `json:"name"`
	Source string          `json:"source"`
	Code   string          `json:"code"`
	Body   json.RawMessage `json:"body"`
}

// corpusGuards builds one guard per corpus schema, with default limits; the
// demo shop's carries the demo config's field rule.
func corpusGuards(t *testing.T) map[string]*Guard {
	t.Helper()
	files := map[string]string{"github": "testdata/corpus/github.graphql", "shopify": "testdata/corpus/shopify.graphql",
		"shop": "../../examples/shop.graphql"}
	out := map[string]*Guard{}
	for name, file := range files {
		sdl, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Schema: string(sdl), SchemaName: file}
		if name == "shop" {
			o.Fields = map[string]FieldRule{"User.ssn": {Roles: []string{"admin"}}}
		}
		g, err := New(o)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[name] = g
	}
	return out
}

func TestCorpus(t *testing.T) {
	guards := corpusGuards(t)
	f, err := os.Open("testdata/corpus/operations.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e corpusEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("corpus line %d: %v", len(entries)+1, err)
		}
		entries = append(entries, e)
	}
	// The large attacks are generated.
	gen := func(name, code string, body []byte) corpusEntry {
		return corpusEntry{Schema: "shop", Kind: "attack", Name: name, Source: "issue 13 bad-input list", Code: code, Body: body}
	}
	big := func(q string) []byte { b, _ := json.Marshal(map[string]string{"query": q}); return b }
	entries = append(entries,
		gen("10,000-deep selection", "graphql_request_too_large", big(strings.Repeat("{ friends ", 10000)+"{ id }"+strings.Repeat(" }", 10000))),
		gen("100 KB of aliases", "graphql_request_too_large", big(aliases(5000))),
		gen("batch of 10,000", "graphql_request_too_large", []byte(batch(10000))),
		gen("fragment bomb", "graphql_cost_exceeded", big(strings.ReplaceAll(fragmentBomb(49), "{ me {", "{ user(id: 1) {"))),
	)
	var attacks, detected, legit, refused int
	for _, e := range entries {
		g := guards[e.Schema]
		if g == nil {
			t.Fatalf("%s: unknown schema %q", e.Name, e.Schema)
		}
		body := []byte(e.Body)
		var raw string
		if json.Unmarshal(e.Body, &raw) == nil && strings.HasPrefix(raw, "RAW:") {
			body = []byte(strings.TrimPrefix(raw, "RAW:"))
		}
		_, ref := g.Check(&Request{Method: "POST", ContentType: "application/json", Body: body}, Caller{})
		switch e.Kind {
		case "legit":
			legit++
			if ref != nil {
				refused++
				t.Errorf("false refusal: %s (%s): %v", e.Name, e.Schema, ref)
			}
		case "attack":
			attacks++
			switch {
			case ref == nil:
				t.Errorf("missed attack: %s (%s)", e.Name, e.Schema)
			case ref.Code != e.Code:
				detected++
				t.Errorf("attack %s refused as %s, corpus expects %s", e.Name, ref.Code, e.Code)
			default:
				detected++
			}
		default:
			t.Fatalf("%s: kind %q", e.Name, e.Kind)
		}
	}
	t.Logf("corpus: %d/%d attacks refused, %d/%d legitimate operations refused", detected, attacks, refused, legit)
	if attacks < 20 || legit < 20 {
		t.Fatalf("corpus too small: %d attacks, %d legitimate", attacks, legit)
	}
}
