package nosql

import "testing"

func TestOperator(t *testing.T) {
	for _, tc := range []struct {
		key, op string
	}{
		{"$ne", "$ne"}, {"$gt", "$gt"}, {"$regex", "$regex"}, {"$where", "$where"},
		{"$expr", "$expr"}, {"$function", "$function"}, {"$accumulator", "$accumulator"},
		{"$or", "$or"}, {"$nor", "$nor"}, {"$in", "$in"}, {"$nin", "$nin"},
		{"$exists", "$exists"}, {"$elemMatch", "$elemMatch"}, {"$elemmatch", "$elemMatch"},
		{"$NE", "$ne"}, {"$lookup", "$lookup"}, {"$unionWith", "$unionWith"},
		{"$merge", "$merge"}, {"$out", "$out"}, {"$set", "$set"}, {"$type", "$type"},
		// legitimate $-keys
		{"$schema", ""}, {"$id", ""}, {"$ref", ""}, {"$defs", ""}, {"$anchor", ""},
		{"$comment", ""}, {"$vocabulary", ""}, {"$dynamicRef", ""},
		{"$oid", ""}, {"$date", ""}, {"$numberLong", ""}, {"$numberDecimal", ""},
		{"$binary", ""}, {"$timestamp", ""}, {"$regularExpression", ""}, {"$options", ""},
		{"$filter", ""}, {"$select", ""}, {"$top", ""}, {"$skip", ""}, {"$orderby", ""},
		{"$expand", ""}, {"$count", ""}, {"$search", ""}, {"$format", ""},
		{"$limit", ""}, {"$sort", ""},
		{"ne", ""}, {"", ""}, {"$", ""}, {"price", ""}, {" $ne", ""}, {"$nee", ""},
	} {
		t.Run(tc.key, func(t *testing.T) {
			op, hit := Operator(tc.key)
			if hit != (tc.op != "") || op != tc.op {
				t.Errorf("Operator(%q) = %q, %v; want %q", tc.key, op, hit, tc.op)
			}
		})
	}
}

func TestQueryKey(t *testing.T) {
	for _, tc := range []struct {
		name, op string
	}{
		{"username[$ne]", "$ne"}, {"filter[where][$gt]", "$gt"}, {"a[$in][]", "$in"},
		{"$where", "$where"}, {"$or[0][a]", "$or"}, {"user.$regex", "$regex"},
		{"login[$nin][]", "$nin"}, {"filters[$or][0][date][$eq]", "$or"},
		// benign
		{"$filter", ""}, {"$select", ""}, {"$top", ""}, {"$req", ""}, {"$ct", ""},
		{"username", ""}, {"user[name]", ""}, {"user[roles][]", ""}, {"page[size]", ""},
		{"filter[where][price][gt]", ""}, {"$limit", ""}, {"price$", ""}, {"a[$]", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, hit := QueryKey(tc.name)
			if hit != (tc.op != "") || op != tc.op {
				t.Errorf("QueryKey(%q) = %q, %v; want %q", tc.name, op, hit, tc.op)
			}
		})
	}
}

func TestValue(t *testing.T) {
	for _, tc := range []struct {
		name, v, rule string
	}{
		{"json ne", `{"$ne": null}`, RuleOperator},
		{"json where", `{"$where": "sleep(100)"}`, RuleOperator},
		{"cookie-parser", `j:{"$gt":""}`, RuleOperator},
		{"escaped dollar", `{"\u0024ne": 1}`, RuleOperator},
		{"relaxed object", `{ $gt: '' }`, RuleOperator},
		{"fragment", `', $or: [ {}, { 'a':'a`, RuleOperator},
		{"bracket", `[$ne]=1`, RuleOperator},
		{"this match", `' && this.password.match(/.*/)//`, RuleJS},
		{"this compare", `this.role == 'admin'`, RuleJS},
		{"return true", `0;return true`, RuleJS},
		{"return string", `';return 'a'=='a' && ''=='`, RuleTautology},
		{"return paren", `";return(true);var xyz='a`, RuleJS},
		{"sleep", `';sleep(5000);'`, RuleJS},
		{"busy loop", `1; while(true){}`, RuleJS},
		{"date loop", `';it=new Date();do{pt=new Date();}while(pt-it<5000);`, RuleJS},
		{"db call", `db.injection.insert({success:1});`, RuleJS},
		{"regex literal", `}, { password : /.*/ }`, RuleJS},
		{"tautology", `|| 1==1//`, RuleTautology},
		{"breakout", `' } ], $comment:'x'`, RuleBreakout},
		// benign
		{"prose", "Please return the book by Friday; thanks", ""},
		{"prose return", "we return true love", ""},
		{"email", "o'brien@example.com", ""},
		{"schema", `{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "#/$defs/x"}`, ""},
		{"extended json", `{"_id": {"$oid": "64b7f0c2a1b2c3d4e5f60718"}, "d": {"$date": "2024-05-01"}}`, ""},
		{"graphql vars", `query Orders($where: orders_bool_exp!, $ids: [ID!]) { orders(where: $where) { id } }`, ""},
		{"price", "costs $5, or $10 with shipping", ""},
		{"url", "https://example.com/a/b?x=1&y=2", ""},
		{"json array", `[{"id":"1"},{"id":"2"}]`, ""},
		{"math", "x = 2 == y", ""},
		{"analytics callback", `function(a){a.set("dimension"+b,a.get("clientId"))}`, ""},
		{"version", "1.2.3", ""},
		{"odata", "Name eq 'x' and Price lt 10", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rule, hit := Value(tc.v)
			if hit != (tc.rule != "") || rule != tc.rule {
				t.Errorf("Value(%q) = %q, %v; want %q", tc.v, rule, hit, tc.rule)
			}
		})
	}
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{
		`{"$ne": null}`, `j:{"$gt":""}`, `username[$ne]`, `' && this.password.match(/.*/)//`,
		`';sleep(5000);'`, `1==1`, `' } ],`, `{"\u0024ne":1}`, "plain text", "",
		`while(`, `return`, `db.`, `this.`, `new Date(`, `/`, `"'`, `==`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Value(s)
		QueryKey(s)
		Operator(s)
	})
}

var benchValues = []string{
	"john.smith@example.com",
	"Calle Mayor 12, 3º izquierda",
	"2024-05-01T12:00:00Z",
	"The quick brown fox jumps",
}

func BenchmarkValueClean(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Value(benchValues[i%len(benchValues)])
	}
}

func BenchmarkOperator(b *testing.B) {
	b.ReportAllocs()
	keys := []string{"$schema", "$ne", "name", "$elemMatch"}
	for i := 0; i < b.N; i++ {
		Operator(keys[i%len(keys)])
	}
}

func BenchmarkQueryKey(b *testing.B) {
	b.ReportAllocs()
	names := []string{"user[name]", "username[$ne]", "page", "$filter"}
	for i := 0; i < b.N; i++ {
		QueryKey(names[i%len(names)])
	}
}

func TestValueAllowing(t *testing.T) {
	allowed := func(op string) bool { return op == "$gte" || op == "$in" }
	cases := []struct {
		name string
		v    string
		hit  bool
	}{
		{"allowed operator", `{"score":{"$gte":1000}}`, false},
		{"two allowed operators", `{"score":{"$gte":1},"tag":{"$in":["a"]}}`, false},
		{"one not allowed", `{"score":{"$gte":1},"$where":"sleep(100)"}`, true},
		{"not allowed alone", `{"name":{"$ne":null}}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, hit := ValueAllowing(c.v, allowed); hit != c.hit {
				t.Fatalf("ValueAllowing(%s) hit = %v, want %v", c.v, hit, c.hit)
			}
			if _, hit := Value(c.v); !hit {
				t.Fatalf("Value(%s) must still flag it", c.v)
			}
		})
	}
}
