package graphql

import (
	"encoding/json"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// cpuClock reports the process's CPU time (user + system, GC included) per
// operation as cpu-ns/op: on a shared machine the wall clock measures the
// neighbours as much as the code.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{processCPU()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
}

// typicalQuery is a 2 KB storefront query: variables, a fragment, nested
// lists with page sizes, a few aliases and directives.
const typicalQuery = `query OrderHistory($id: ID!, $pageSize: Int = 20, $withItems: Boolean = true, $withFriends: Boolean = false) {
  # The signed-in customer and the account page's side panel.
  me {
    ...UserSummary
    recent: orders(first: 5) {
      ...OrderLine
      items(limit: 10) @include(if: $withItems) {
        quantity
        product { ...ProductCard }
      }
    }
    friends(first: 3) @include(if: $withFriends) {
      ...UserSummary
    }
  }
  # The customer the support agent is looking at.
  customer: user(id: $id) {
    ...UserSummary
    orders(first: $pageSize) {
      ...OrderLine
      owner { id name }
      items(limit: 5) @skip(if: false) {
        quantity
        product { ...ProductCard }
      }
    }
  }
  # Recommendations shown under the order list.
  suggestions: search(text: "gift ideas for the holidays", limit: 8) {
    ...ProductCard
  }
  popular: search(text: "best sellers this week", limit: 4) {
    ...ProductCard
  }
}

fragment UserSummary on User {
  id
  name
  __typename
}

fragment OrderLine on Order {
  id
  total
  status
  __typename
}

fragment ProductCard on Product {
  id
  name
  price
  __typename
}
`

// run checks req b.N times, failing when the outcome is not the one expected.
func run(b *testing.B, g *Guard, req *Request, refused bool) {
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, ref := g.Check(req, Caller{}); (ref != nil) != refused {
			b.Fatalf("refused %v, want %v: %v", ref != nil, refused, ref)
		}
	}
	cpu.report(b)
}

func typicalBody(b *testing.B) []byte {
	q := typicalQuery + strings.Repeat("# padding to a typical 2 KB request\n", max(0, (2048-len(typicalQuery))/37))
	body, err := json.Marshal(map[string]any{"query": q, "operationName": "OrderHistory",
		"variables": map[string]any{"id": "42", "pageSize": 10}})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkCheckUncached is parse + limits + validation + cost + field rules
// of a 2 KB query that is new each time (the document cache is off).
func BenchmarkCheckUncached(b *testing.B) {
	g := newGuard(b, nil)
	g.cache.budget = 0
	req := &Request{Method: "POST", ContentType: "application/json", Body: typicalBody(b)}
	b.SetBytes(int64(len(req.Body)))
	run(b, g, req, false)
}

// BenchmarkCheckCached is the same query seen before: the validated document
// comes from the cache; request decoding, variables and cost still run.
func BenchmarkCheckCached(b *testing.B) {
	g := newGuard(b, nil)
	req := &Request{Method: "POST", ContentType: "application/json", Body: typicalBody(b)}
	run(b, g, req, false)
}

// BenchmarkCheckPersisted is a registered operation sent by hash alone.
func BenchmarkCheckPersisted(b *testing.B) {
	q := "query Me { me { id name orders(first: 5) { id total status } } }"
	h := hashOf(q)
	g := newGuard(b, func(o *Options) {
		o.Persisted = Persisted{Mode: PersistedAllow, Operations: map[string]string{h: q}}
	})
	req := &Request{Method: "POST", ContentType: "application/json",
		Body: []byte(`{"operationName":"Me","extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}}}`)}
	run(b, g, req, false)
}

// BenchmarkRefuseAttacks measures refusals of the large attacks at the
// default limits: each is cut off by a cheap check.
func BenchmarkRefuseAttacks(b *testing.B) {
	g := newGuard(b, nil)
	for _, c := range []struct {
		name string
		req  *Request
	}{
		{"deep-60KB", postQuery(nested(5000))},
		{"aliases-60KB", postQuery(aliases(3000))},
		{"fragment-bomb", postQuery(fragmentBomb(49))},
		{"directives-60KB", postQuery("{ me " + strings.Repeat("@skip(if: false) ", 3500) + "{ id } }")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.req.Body)))
			run(b, g, c.req, true)
		})
	}
}

// BenchmarkInspection builds what injection inspection reads of the typical
// 2 KB query (its argument values, variables and defaults), once admitted.
func BenchmarkInspection(b *testing.B) {
	g := newGuard(b, nil)
	req := &Request{Method: "POST", ContentType: "application/json", Body: typicalBody(b)}
	dec, ref := g.Check(req, Caller{})
	if ref != nil {
		b.Fatal(ref)
	}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if len(dec.Inspection()) == 0 {
			b.Fatal("nothing to inspect")
		}
	}
	cpu.report(b)
}

// BenchmarkGqlparser is gqlparser alone parsing and validating the same 2 KB
// query, as it is written ("comments") and with its comments blanked as the
// guard parses it, with every rule (as the guard ran them before) and with
// the guard's rules ("guard-rules": all but those it enforces itself, the
// overlap rule only when mayOverlap says so).
func BenchmarkGqlparser(b *testing.B) {
	g := newGuard(b, nil)
	var req struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(typicalBody(b), &req); err != nil {
		b.Fatal(err)
	}
	var all []validator.Rule // gqlparser's whole rule set, as the guard ran it before
	for name, fn := range rules.NewDefaultRules().GetInner() {
		all = append(all, validator.Rule{Name: name, RuleFunc: fn})
	}
	slices.SortFunc(all, func(a, b validator.Rule) int { return strings.Compare(a.Name, b.Name) })
	for _, c := range []struct {
		name, q string
		guard   bool
	}{{"comments", req.Query, false}, {"blanked", blankComments(req.Query), false}, {"blanked-guard-rules", blankComments(req.Query), true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				doc, err := parser.ParseQuery(&ast.Source{Input: c.q})
				if err != nil {
					b.Fatal(err)
				}
				rules := all
				if c.guard {
					rules = g.validation
				}
				errs := validator.Validate(g.schema, doc, rules...)
				if c.guard && len(errs) == 0 && mayOverlap(doc, len(c.q)) {
					errs = validator.Validate(g.schema, doc, g.overlap...)
				}
				if len(errs) > 0 {
					b.Fatal(errs)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkSanitizeResponse is the response guard on every JSON answer of a
// GraphQL route: a clean answer (passed as it came, after the repeated-key
// check) and one whose error is cleaned.
func BenchmarkSanitizeResponse(b *testing.B) {
	clean := []byte(`{"data":{"me":{"id":"1","name":"Alice","orders":[{"id":"10","total":12.5},{"id":"11","total":7}]}}}`)
	leaky := []byte(`{"data":{"order":null},"errors":[{"message":"Cannot return status. Did you mean \"statusInternal\"?",` +
		`"path":["order"],"extensions":{"code":"INTERNAL","exception":{"stacktrace":["at OrderResolver (/srv/app/orders.js:42)"]}}}]}`)
	for _, c := range []struct {
		name string
		body []byte
	}{{"clean", clean}, {"errors", leaky}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := SanitizeResponse(c.body, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
