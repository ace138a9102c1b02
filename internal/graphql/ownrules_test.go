package graphql

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// ownRuleCases break a gqlparser rule the guard enforces itself (ownRules):
// each is refused, with the validator's code and message.
var ownRuleCases = []struct{ name, q, code, msg string }{
	{"fragment cycle", `{ me { ...A } } fragment A on Dog { ...B } fragment B on Dog { ...A }`, "graphql_fragment_cycle", `Fragment "A" spreads itself, directly or through other fragments.`},
	{"fragment spreads itself", `{ me { ...A } } fragment A on Dog { id ...A }`, "graphql_fragment_cycle", ""},
	{"unused cycle", `{ me { id } } fragment A on Dog { ...A }`, "graphql_fragment_cycle", ""},
	{"two fragments of one name", `{ me { ...A } } fragment A on Dog { id } fragment A on Dog { name }`, "graphql_validation_failed", `There can be only one fragment named "A".`},
	{"unknown fragment in an operation", `{ me { ...Nope } }`, "graphql_validation_failed", `Unknown fragment "Nope".`},
	{"unknown fragment in a fragment", `{ me { ...A } } fragment A on Dog { ...Nope }`, "graphql_validation_failed", `Unknown fragment "Nope".`},
	{"unused fragment", `{ me { id } } fragment A on Dog { id }`, "graphql_validation_failed", `Fragment "A" is never used.`},
	{"fragment used only by an unused one", `{ me { id } } fragment A on Dog { ...B } fragment B on Dog { id }`, "graphql_validation_failed", `Fragment "A" is never used.`},
	{"two operations of one name", `query A { me { id } } query A { me { name } }`, "graphql_validation_failed", `There can be only one operation named "A".`},
	{"anonymous operation beside another", `{ me { id } } query B { me { name } }`, "graphql_validation_failed", "This anonymous operation must be the only defined operation."},
	{"anonymous operation twice", `{ me { id } } { me { name } }`, "graphql_validation_failed", "This anonymous operation must be the only defined operation."},
}

func TestOwnRulesStillRefused(t *testing.T) {
	g, err := New(Options{Schema: petSchema, SchemaName: "pets.graphql"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ownRuleCases {
		t.Run(c.name, func(t *testing.T) {
			req := postQuery(c.q)
			if b, _ := json.Marshal(map[string]any{"query": c.q, "operationName": "B"}); c.name == "anonymous operation beside another" {
				req = post(string(b)) // named, so the operation is found
			}
			_, ref := g.Check(req, Caller{})
			if ref == nil || ref.Code != c.code || c.msg != "" && ref.Message != c.msg {
				t.Fatalf("want %s %q, got %v", c.code, c.msg, ref)
			}
			if !fullRulesRefuse(t, g.schema, c.q) {
				t.Fatal("gqlparser's full rules accept it: not a case of these rules")
			}
		})
	}
}

// TestValidationUnchanged compares, on every document of the corpus and of
// the cases above, the guard with gqlparser's full rule set: what the full
// rules refuse the guard refuses, and the guard refuses nothing as invalid
// that they accept.
func TestValidationUnchanged(t *testing.T) {
	guards := corpusGuards(t)
	pets, err := New(Options{Schema: petSchema, SchemaName: "pets.graphql"})
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		g    *Guard
		q    string
		name string
	}
	var docs []doc
	for _, c := range overlapCases {
		docs = append(docs, doc{pets, c.q, ""})
	}
	for _, c := range ownRuleCases {
		name := ""
		if c.name == "anonymous operation beside another" {
			name = "B"
		}
		docs = append(docs, doc{pets, c.q, name})
	}
	f, err := os.Open("testdata/corpus/operations.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e corpusEntry
		var body struct {
			Query string `json:"query"`
			Name  string `json:"operationName"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || json.Unmarshal(e.Body, &body) != nil || body.Query == "" {
			continue
		}
		docs = append(docs, doc{guards[e.Schema], body.Query, body.Name})
	}
	compared := 0
	for _, d := range docs {
		d.g.cache.budget = 0
		b, _ := json.Marshal(map[string]any{"query": d.q, "operationName": d.name})
		_, ref := d.g.Check(post(string(b)), Caller{Roles: []string{"admin"}})
		invalidByGuard := ref != nil && (ref.Code == "graphql_validation_failed" || ref.Code == "graphql_fragment_cycle" || ref.Code == "graphql_parse_failed")
		if ref != nil && !invalidByGuard {
			continue // refused for a limit, an operation name, a field rule: not a validation question
		}
		compared++
		if full := fullRulesRefuseOrParse(d.g, d.q); full != invalidByGuard {
			t.Errorf("full rules refuse %v, guard refuses as invalid %v (%v): %s", full, invalidByGuard, ref, d.q)
		}
	}
	if compared < 40 {
		t.Fatalf("only %d documents compared", compared)
	}
}

func fullRulesRefuseOrParse(g *Guard, q string) bool {
	doc, err := parseDoc(q)
	if err != nil {
		return true
	}
	return len(validateAll(g, doc)) > 0
}
