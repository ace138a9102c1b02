package graphql

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// petSchema has an interface and a union, where fields of the same name
// differ in type from one object type to another.
const petSchema = `
type Query { pet(id: ID!): Pet  pets(first: Int): [Pet!]!  search(text: String): [Result!]!  me: Dog }
interface Pet { id: ID!  name: String }
type Dog implements Pet { id: ID!  name: String  barks: Boolean  size: Int  owner: Dog  friends(first: Int): [Dog!]! }
type Cat implements Pet { id: ID!  name: String  meows: Boolean  size: String  owner: Cat }
union Result = Dog | Cat
`

// overlapCases are documents with two fields under one response name. Those
// marked bad break OverlappingFieldsCanBeMerged: the guard must refuse them
// although that rule runs only when mayOverlap says it could find something.
var overlapCases = []struct {
	name, q string
	bad     bool
}{
	{"aliases to different fields", `{ me { x: name x: id } }`, true},
	{"differing literal arguments", `{ me { friends(first: 1) { id } friends(first: 2) { id } } }`, true},
	{"differing variable arguments", `query($a: Int, $b: Int) { me { friends(first: $a) { id } friends(first: $b) { id } } }`, true},
	{"conflicting types in union members", `{ search { ... on Dog { size } ... on Cat { size } } }`, true},
	{"conflict across fragments", `{ me { ...A ...B } } fragment A on Dog { n: name } fragment B on Dog { n: id }`, true},
	{"conflict between a field and a fragment", `{ me { n: barks ...A } } fragment A on Dog { n: name }`, true},
	{"conflict nested under merged fields", `{ me { owner { x: id } owner { x: name } } }`, true},
	{"conflict nested through fragments", `{ me { ...A ...B } } fragment A on Dog { owner { x: id } } fragment B on Dog { owner { x: name } }`, true},
	{"conflict inside a fragment only", `{ me { ...A } } fragment A on Dog { x: id x: name }`, true},
	{"conflict inside an inline fragment", `{ pet(id: 1) { ... on Dog { x: id x: name } } }`, true},
	{"conflict on an interface", `{ pet(id: 1) { x: id x: name } }`, true},
	{"aliased root fields", `{ a: pet(id: 1) { id } a: pet(id: 2) { id } }`, true},
	{"batched root aliases", `query { x: me { id } x: pet(id: 3) { id } }`, true},
	{"same leaf twice", `{ me { id id name } }`, false},
	{"same leaf through a fragment", `{ me { id ...A } } fragment A on Dog { id name }`, false},
	{"same fragment twice", `{ me { ...A ...A } } fragment A on Dog { id owner { id } }`, false},
	{"same field with sub-selections", `{ me { owner { id } owner { name } } }`, false},
	{"same arguments twice", `{ me { friends(first: 1) { id } friends(first: 1) { name } } }`, false},
	{"differing types, exclusive parents", `{ search { ... on Dog { size } ... on Cat { size } __typename } }`, true},
	{"different fields, exclusive parents", `{ search { ... on Dog { x: barks } ... on Cat { x: meows } } }`, false},
}

func TestOverlapStillRefused(t *testing.T) {
	g, err := New(Options{Schema: petSchema, SchemaName: "pets.graphql"})
	if err != nil {
		t.Fatal(err)
	}
	g.cache.budget = 0
	for _, c := range overlapCases {
		t.Run(c.name, func(t *testing.T) {
			_, ref := g.Check(postQuery(c.q), Caller{})
			if c.bad && (ref == nil || ref.Code != "graphql_validation_failed") {
				t.Fatalf("want graphql_validation_failed, got %v", ref)
			}
			if !c.bad && ref != nil {
				t.Fatalf("refused: %v", ref)
			}
			if c.bad != fullRulesRefuse(t, g.schema, c.q) {
				t.Fatalf("gqlparser's full rules disagree with the case (bad %v)", c.bad)
			}
		})
	}
}

// fullRulesRefuse validates q with every gqlparser rule.
func fullRulesRefuse(t *testing.T, s *ast.Schema, q string) bool {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatal(err)
	}
	return len(validator.ValidateWithRules(s, doc, rules.NewDefaultRules())) > 0
}

// TestOverlapSkipIsSound checks, on every document of the corpus and of the
// cases above, the property the skip rests on: when the other rules pass and
// mayOverlap says no, OverlappingFieldsCanBeMerged finds nothing.
func TestOverlapSkipIsSound(t *testing.T) {
	guards := corpusGuards(t)
	pets, err := New(Options{Schema: petSchema, SchemaName: "pets.graphql"})
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		g *Guard
		q string
	}
	var docs []doc
	for _, c := range overlapCases {
		docs = append(docs, doc{pets, c.q})
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
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || json.Unmarshal(e.Body, &body) != nil || body.Query == "" {
			continue
		}
		docs = append(docs, doc{guards[e.Schema], body.Query})
	}
	skipped := 0
	for _, d := range docs {
		parsed, err := parser.ParseQuery(&ast.Source{Input: d.q})
		if err != nil || len(validator.Validate(d.g.schema, parsed, d.g.validation...)) > 0 {
			continue
		}
		if _, cyclic := measureShape(parsed); cyclic != nil {
			continue
		}
		if mayOverlap(parsed, len(d.q)) {
			continue
		}
		skipped++
		if errs := validator.Validate(d.g.schema, parsed, d.g.overlap...); len(errs) > 0 {
			t.Errorf("mayOverlap said no, the rule says %v: %s", errs, d.q)
		}
	}
	if skipped < 10 {
		t.Fatalf("only %d documents skipped the rule: the test checks too little", skipped)
	}
}

// TestOverlapWorkBound: past its work budget mayOverlap answers yes, so the
// full rule runs; a document spreading many fragments in many sets stays
// within a bound linear in its size.
func TestOverlapWorkBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("{ me { ")
	for i := range 40 {
		b.WriteString("o" + strconv.Itoa(i) + ": owner { ...F" + string(rune('A'+i%26)) + " } ")
	}
	b.WriteString("} }")
	for i := range 26 {
		b.WriteString(" fragment F" + string(rune('A'+i)) + " on Dog { id name barks size }")
	}
	q := b.String()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatal(err)
	}
	pets, err := New(Options{Schema: petSchema, SchemaName: "pets.graphql"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validator.Validate(pets.schema, doc, pets.validation...); len(errs) > 0 {
		t.Fatal(errs)
	}
	if mayOverlap(doc, len(q)) {
		t.Fatal("a conflict-free document within the budget: want no")
	}
	if !mayOverlap(doc, 10) {
		t.Fatal("over the budget: want yes")
	}
}

func parseDoc(q string) (*ast.QueryDocument, error) {
	return parser.ParseQuery(&ast.Source{Input: q})
}

func validateAll(g *Guard, doc *ast.QueryDocument) []*gqlerror.Error {
	return validator.ValidateWithRules(g.schema, doc, rules.NewDefaultRules())
}
