package tune

import (
	"strconv"
	"strings"
	"testing"
)

const auditLog = `{"time":"2026-12-06T07:00:00Z","request_id":"a","api":"forum","route":"POST /posts","method":"POST","path":"/posts","decision":"allow","reason":"injection_sqli_monitored","status":200,"rule":"sqli.select","object":"body:raw"}
{"time":"2026-12-06T07:00:01Z","request_id":"b","api":"forum","route":"POST /posts","method":"POST","path":"/posts","decision":"allow","reason":"injection_sqli_monitored","status":200,"rule":"sqli.tautology","object":"body:raw"}
{"request_id":"c","api":"forum","route":"POST /posts","reason":"injection_cmdi_monitored","rule":"cmdi.chain","object":"body:attachments[3].caption"}
{"request_id":"d","api":"forum","route":"POST /posts","reason":"injection_cmdi_monitored","rule":"cmdi.chain","object":"body:attachments[7].caption"}
{"request_id":"e","api":"forum","route":"GET /search","reason":"injection_traversal_monitored","rule":"traversal.dotdot","object":"query:filters[path][0]"}
{"request_id":"f","api":"forum","route":"POST /import","reason":"injection_sqli_monitored","rule":"sqli.union","object":"body:"}
{"request_id":"g","api":"forum","route":"GET /search","reason":"injection_sqli","decision":"deny","rule":"sqli.union","object":"query:q"}
{"request_id":"h","api":"forum","route":"GET /search","reason":"rate_limited","object":""}
{"request_id":"i","api":"forum","route":"GET /search","reason":"upstream_unreachable","rule":"cmdi.chain","object":"query:q"}
{"request_id":"j","api":"forum","route":"GET /orders/{id}","reason":"owner_mismatch","rule":"owner[0]","object":"order:1001"}
not json
`

func TestPropose(t *testing.T) {
	evs, st, err := ReadEvents(strings.NewReader(auditLog), false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Lines != 10 || st.Monitored != 7 || st.Blocked != 1 || st.Skipped != 1 || len(evs) != 7 {
		t.Fatalf("stats %+v, %d events", st, len(evs))
	}
	ps, sk := Propose(evs, 1)
	var got []string
	for _, p := range ps {
		got = append(got, p.Route+" "+p.Field+" "+p.Detector+" "+strings.Join(p.Rules, ",")+" "+strings.Join(p.Examples, ","))
		if (p.Wide != "") != (p.Field == "body") {
			t.Errorf("%s: Wide = %q", p.Field, p.Wide)
		}
	}
	want := []string{
		"GET /search query.filters.path.* traversal traversal.dotdot query:filters[path][0]",
		"GET /search query.q cmdi cmdi.chain query:q",
		"POST /import body sqli sqli.union body:",
		"POST /posts body.attachments.*.caption cmdi cmdi.chain body:attachments[3].caption,body:attachments[7].caption",
		"POST /posts body.raw sqli sqli.select,sqli.tautology body:raw",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("proposals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(sk) != 0 {
		t.Fatalf("skipped %+v", sk)
	}
	// block-mode refusals only when asked for
	evs, _, _ = ReadEvents(strings.NewReader(auditLog), true)
	if ps, _ := Propose(evs, 1); len(ps) != 6 {
		t.Fatalf("with blocked: %d proposals", len(ps))
	}
	if ps, _ := Propose(evs, 2); len(ps) != 2 {
		t.Fatalf("min count 2: %d proposals", len(ps))
	}
}

func TestApply(t *testing.T) {
	src := `# my gateway
admin:
  token: ${env:BULWARK_ADMIN_TOKEN}
apis:
  - name: forum
    upstream: http://127.0.0.1:9001
    auth: [none]
    routes:
      - match: POST /posts
        inspect: {mode: monitor}   # while reviewing
      - match: GET /search
        inspect:
          exclude:
            - field: query.filters.path.*
              detectors: [traversal]
`
	ps := []Proposal{
		{API: "forum", Route: "POST /posts", Field: "body.raw", Detector: "sqli", Count: 2, Rules: []string{"sqli.select"}, Examples: []string{"body:raw"}},
		{API: "forum", Route: "GET /search", Field: "query.filters.path.*", Detector: "traversal", Count: 1},
	}
	out, err := Apply([]byte(src), ps)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"# my gateway", "${env:BULWARK_ADMIN_TOKEN}", "# bulwark tune: 2 finding(s) of sqli.select, e.g. body:raw",
		"field: body.raw", "detectors: [sqli]", "mode: monitor"} {
		if !strings.Contains(s, want) {
			t.Errorf("patched config lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "query.filters.path.*") != 1 {
		t.Errorf("an existing exclusion was added again:\n%s", s)
	}
	if _, err := Apply([]byte(src), []Proposal{{API: "forum", Route: "GET /nope", Field: "query.q", Detector: "sqli"}}); err == nil {
		t.Error("a route missing from the config was patched")
	}
}

// NoSQL operator findings become operator allowances on their field: the
// operators the events name, merged per field, never a route-wide
// allow_operators; events that name none fall back to the path's
// operators, or to the detector off on the field with a warning.
func TestProposeOperators(t *testing.T) {
	const log = `{"api":"feathers","route":"GET /messages","reason":"injection_nosqli_monitored","rule":"nosql.operator:$ne","object":"query_name:read[$ne]"}
{"api":"feathers","route":"GET /messages","reason":"injection_nosqli_monitored","rule":"nosql.operator:$ne","object":"query_name:read[$ne]"}
{"api":"feathers","route":"GET /users","reason":"injection_nosqli_monitored","rule":"nosql.operator:$in","object":"query_name:role[$in][]"}
{"api":"parse","route":"GET /parse/classes/{className}","reason":"injection_nosqli_monitored","rule":"nosql.operator:$gte,$in","object":"query:where"}
{"api":"parse","route":"GET /parse/classes/{className}","reason":"injection_nosqli_monitored","rule":"nosql.operator:$regex,$bogus","object":"query:where"}
{"api":"parse","route":"GET /parse/classes/{className}","reason":"injection_nosqli_monitored","rule":"nosql.js","object":"query:where"}
{"api":"old","route":"POST /find","reason":"injection_nosqli_monitored","rule":"nosql.operator","object":"body_key:filter.total.$gte"}
{"api":"old","route":"GET /find","reason":"injection_nosqli_monitored","rule":"nosql.operator","object":"query:filter"}
`
	evs, _, err := ReadEvents(strings.NewReader(log), false)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := Propose(evs, 1)
	var got []string
	for _, p := range ps {
		got = append(got, p.Route+" "+p.Field+" "+p.Detector+" ["+strings.Join(p.Operators, ",")+"] "+
			strings.Join(p.Rules, ",")+" "+strings.Join(p.Examples, ",")+" wide="+strconv.FormatBool(p.Wide != ""))
	}
	want := []string{
		"GET /messages query.read.$ne nosqli [$ne] nosql.operator query_name:read[$ne] wide=false",
		"GET /users query.role.$in.* nosqli [$in] nosql.operator query_name:role[$in][] wide=false",
		"GET /find query.filter nosqli [] nosql.operator query:filter wide=true",
		"POST /find body.filter.total.$gte nosqli [$gte] nosql.operator body_key:filter.total.$gte wide=false",
		"GET /parse/classes/{className} query.where nosqli [] nosql.js query:where wide=false",
		"GET /parse/classes/{className} query.where nosqli [$gte,$in,$regex] nosql.operator query:where wide=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("proposals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	src := `apis:
  - name: parse
    upstream: http://127.0.0.1:9001
    auth: [none]
    routes:
      - match: GET /parse/classes/{className}
        inspect:
          mode: monitor
          exclude:
            - field: query.where
              operators: [$gte]
`
	out, err := Apply([]byte(src), []Proposal{ps[5]})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "operators: [$gte, $in, $regex]") || strings.Count(s, "field: query.where") != 1 ||
		strings.Contains(s, "allow_operators") || strings.Contains(s, "detectors") {
		t.Errorf("operators not merged into the field's item:\n%s", s)
	}
	out, err = Apply([]byte(src[:strings.Index(src, "          exclude:")]), []Proposal{ps[5]})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, "- field: query.where\n              operators: [$gte, $in, $regex]") ||
		!strings.Contains(s, "only these operators, only on this field") {
		t.Errorf("operator item:\n%s", s)
	}
}
