package inspect

import (
	"net/http"
	"net/url"
	"testing"
)

// An exclusion with operators lets exactly those NoSQL operators through on
// its field: the same operator on another field, another operator on the
// same field and every other detector still find what they find. A finding
// names the operators no allowance covered.
func TestFieldOperators(t *testing.T) {
	in, err := New(Config{Exclusions: []Exclusion{
		{Field: "query.read.$ne", Operators: []string{"$ne"}},
		{Field: "query.where", Operators: []string{"$gte", "$in"}},
		{Field: "body.filter.total.$gte", Operators: []string{"$gte"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	q := func(k, v string) *Request {
		return &Request{RawQuery: url.QueryEscape(k) + "=" + url.QueryEscape(v), Header: http.Header{}}
	}
	body := func(b string) *Request {
		return &Request{ContentType: "application/json", Body: []byte(b), Header: http.Header{}}
	}
	for _, tc := range []struct {
		name string
		req  *Request
		want Finding // zero: passes
	}{
		{"allowed name", q("read[$ne]", "true"), Finding{}},
		{"allowed value document", q("where", `{"score":{"$gte":1000},"playerName":{"$in":["Sean","Jo"]}}`), Finding{}},
		{"allowed body key", body(`{"filter":{"status":"paid","total":{"$gte":100}}}`), Finding{}},
		{"same operator, other name", q("password[$ne]", "x"),
			Finding{"nosqli", RuleOperator, "query_name", "password[$ne]", "$ne"}},
		{"other operator, same field", q("read[$gt]", "x"),
			Finding{"nosqli", RuleOperator, "query_name", "read[$gt]", "$gt"}},
		{"operator below the allowed one", q("read[$ne][$gt]", "x"),
			Finding{"nosqli", RuleOperator, "query_name", "read[$ne][$gt]", "$ne,$gt"}},
		{"other operators in the allowed value", q("where", `{"score":{"$gte":1},"a":{"$ne":1},"$where":"1","b":{"$ne":2}}`),
			Finding{"nosqli", RuleOperator, "query", "where", "$ne,$where"}},
		{"allowed operators, other value", q("filter", `{"score":{"$gte":1}}`),
			Finding{"nosqli", RuleOperator, "query", "filter", "$gte"}},
		{"other body key", body(`{"filter":{"password":{"$gte":""}}}`),
			Finding{"nosqli", RuleOperator, "body_key", "filter.password.$gte", "$gte"}},
		{"other detectors on the field", q("where", `' OR 1=1 --`),
			Finding{"sqli", "", "query", "where", ""}},
	} {
		f, hit, err := in.Inspect(tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.want.Rule == "" && tc.want.Detector != "" {
			f.Rule = "" // any sqli rule
		}
		if hit != (tc.want != Finding{}) || f != tc.want {
			t.Errorf("%s: %v %+v, want %+v", tc.name, hit, f, tc.want)
		}
	}
	if _, err := New(Config{Exclusions: []Exclusion{{Field: "query.q", Operators: []string{"$ne"}, Detectors: []string{"sqli"}}}}); err == nil {
		t.Error("operators with detectors accepted")
	}
	if _, err := New(Config{Exclusions: []Exclusion{{Field: "query.q", Operators: []string{"ne"}}}}); err == nil {
		t.Error("a malformed operator accepted")
	}
}
