package inspect

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/route"
)

// Payloads every reasonable detector of its class flags.
const (
	sqliPayload      = "1' OR '1'='1' --"
	cmdiPayload      = "127.0.0.1; id; uname -a"
	traversalPayload = "../../../../etc/passwd"
)

const jsonType = "application/json"

// want is an expected finding; the zero value means "no finding".
type want struct {
	detector, rule, location, field string
}

func (w want) none() bool { return w == want{} }

type inspectCase struct {
	name    string
	config  Config
	req     Request
	want    want
	wantErr bool
}

func runCases(t *testing.T, cases []inspectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := New(tc.config)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			f, found, err := in.Inspect(&tc.req)
			if tc.wantErr {
				if err == nil || !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want an ErrMalformed error (finding %+v)", err, f)
				}
				return
			}
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if tc.want.none() {
				if found {
					t.Fatalf("unexpected finding %+v", f)
				}
				return
			}
			if !found {
				t.Fatalf("no finding, want %+v", tc.want)
			}
			if f.Detector != tc.want.detector || f.Location != tc.want.location || f.Field != tc.want.field ||
				(tc.want.rule != "" && f.Rule != tc.want.rule) {
				t.Fatalf("finding %+v, want %+v", f, tc.want)
			}
		})
	}
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestInspectLocations(t *testing.T) {
	runCases(t, []inspectCase{
		{name: "empty request", req: Request{}},
		{name: "query value sqli",
			req:  Request{RawQuery: "page=2&id=1%27%20OR%20%271%27%3D%271%27%20--"},
			want: want{"sqli", "", "query", "id"}},
		{name: "query plus is a space",
			req:  Request{RawQuery: "q=1'+OR+'1'='1'+--"},
			want: want{"sqli", "", "query", "q"}},
		{name: "query repeated name, second value",
			req:  Request{RawQuery: "q=shoes&q=" + traversalPayload},
			want: want{"traversal", "", "query", "q"}},
		{name: "query double percent-encoding",
			req:  Request{RawQuery: "file=%252e%252e%252f%252e%252e%252fetc%252fpasswd"},
			want: want{"traversal", "", "query", "file"}},
		{name: "query name bracket operator",
			req:  Request{RawQuery: "username[$ne]=x&password[$ne]=y"},
			want: want{"nosqli", RuleOperator, "query_name", "username[$ne]"}},
		{name: "query name encoded bracket operator",
			req:  Request{RawQuery: "username%5B%24ne%5D=x"},
			want: want{"nosqli", RuleOperator, "query_name", "username[$ne]"}},
		{name: "query name carries sqli",
			req:  Request{RawQuery: "1%27%20OR%20%271%27%3D%271%27%20--=1"},
			want: want{"sqli", "", "query_name", sqliPayload}},
		{name: "query pair without value",
			req:  Request{RawQuery: "a&&b=&" + "c=" + cmdiPayload},
			want: want{"cmdi", "", "query", "c"}},
		{name: "path parameter",
			req:  Request{Params: []route.Param{{Name: "org", Value: "acme"}, {Name: "file", Value: traversalPayload}}},
			want: want{"traversal", "", "path", "file"}},
		{name: "path parameter encoded once more",
			req:  Request{Params: []route.Param{{Name: "file", Value: "..%2f..%2f..%2fetc%2fpasswd"}}},
			want: want{"traversal", "", "path", "file"}},
		{name: "cookie value",
			req:  Request{Header: header("Cookie", "session=abc123; prefs="+sqliPayload)},
			want: want{"sqli", "", "cookie", "prefs"}},
		{name: "cookie malformed pairs tolerated",
			req:  Request{Header: header("Cookie", "garbage;; =; \"x\" ;theme=\""+traversalPayload+"\"")},
			want: want{"traversal", "", "cookie", "theme"}},
		{name: "cookie pair without name",
			req:  Request{Header: header("Cookie", "a=1; "+traversalPayload)},
			want: want{"traversal", "", "cookie", ""}},
		{name: "second cookie header",
			req:  Request{Header: header("Cookie", "a=1", "Cookie", "b=%2e%2e%2f%2e%2e%2fetc%2fpasswd")},
			want: want{"traversal", "", "cookie", "b"}},
		{name: "configured header",
			config: Config{Headers: []string{"x-search"}},
			req:    Request{Header: header("X-Search", cmdiPayload)},
			want:   want{"cmdi", "", "header", "X-Search"}},
		{name: "header not configured",
			req: Request{Header: header("X-Search", cmdiPayload)}},
	})
}

func TestInspectBodies(t *testing.T) {
	runCases(t, []inspectCase{
		{name: "form value",
			req:  Request{ContentType: "application/x-www-form-urlencoded", Body: []byte("name=Ann&comment=1%27+OR+%271%27%3D%271%27+--")},
			want: want{"sqli", "", "form", "comment"}},
		{name: "form name operator",
			req:  Request{ContentType: "application/x-www-form-urlencoded; charset=utf-8", Body: []byte("user=a&pass[$ne]=")},
			want: want{"nosqli", RuleOperator, "form_name", "pass[$ne]"}},
		{name: "text body",
			req:  Request{ContentType: "text/plain", Body: []byte("hello\n" + cmdiPayload)},
			want: want{"cmdi", "", "body", ""}},
		{name: "xml text node",
			req:  Request{ContentType: "application/soap+xml", Body: []byte("<env><body><a>" + traversalPayload + "</a></body></env>")},
			want: want{"traversal", "", "body", "env.body.a"}},
		{name: "xml attribute",
			req:  Request{ContentType: "application/xml; charset=utf-8", Body: []byte(`<?xml version="1.0"?><root><a probe="` + traversalPayload + `"/></root>`)},
			want: want{"traversal", "", "body", "root.a.@probe"}},
		{name: "xml character references resolved",
			req:  Request{ContentType: "text/xml", Body: []byte("<r><ok>fine</ok><q>1&#39; OR &#x27;1&apos;=&#39;1&#39; --</q></r>")},
			want: want{"sqli", "", "body", "r.q"}},
		{name: "xml cdata",
			req:  Request{ContentType: "application/xml", Body: []byte("<r><q><![CDATA[" + traversalPayload + "]]></q></r>")},
			want: want{"traversal", "", "body", "r.q"}},
		{name: "malformed xml inspected as text",
			req:  Request{ContentType: "application/xml", Body: []byte("<a></b>" + traversalPayload)},
			want: want{"traversal", "", "body", ""}},
		{name: "clean xml", req: Request{ContentType: "application/xml", Body: []byte(`<order id="7"><name>O'Brien</name><note>it's fine</note></order>`)}},
		{name: "no content type is inspected as a form",
			req:  Request{Body: []byte("a=1&file=" + traversalPayload)},
			want: want{"traversal", "", "form", "file"}},
		{name: "unreadable content type is inspected as a form and text",
			req:  Request{ContentType: "garbage", Body: []byte("x " + traversalPayload)},
			want: want{"traversal", "", "form_name", "x " + traversalPayload}},
		{name: "binary body skipped",
			req: Request{ContentType: "application/octet-stream", Body: []byte(traversalPayload)}},
		{name: "image body skipped",
			req: Request{ContentType: "image/png", Body: []byte(sqliPayload)}},
	})
}

func TestInspectJSON(t *testing.T) {
	body := func(s string) Request { return Request{ContentType: jsonType, Body: []byte(s)} }
	runCases(t, []inspectCase{
		{name: "clean document", req: body(`{"id":7,"name":"Ann","tags":["a","b"],"ok":true,"x":null,"n":-1.5e3}`)},
		{name: "nested value", req: body(`{"user":{"name":"` + sqliPayload + `"}}`),
			want: want{"sqli", "", "body", "user.name"}},
		{name: "operator key", req: body(`{"username":{"$ne":null},"password":{"$ne":null}}`),
			want: want{"nosqli", RuleOperator, "body_key", "username.$ne"}},
		{name: "escaped operator key", req: body(`{"username":{"\u0024ne":null}}`),
			want: want{"nosqli", RuleOperator, "body_key", "username.$ne"}},
		{name: "escaped operator key, upper-case hex", req: body(`{"a":{"\u0024\u006E\u0065":1}}`),
			want: want{"nosqli", RuleOperator, "body_key", "a.$ne"}},
		{name: "percent-encoded operator key", req: body(`{"a":{"%24ne":1}}`),
			want: want{"nosqli", RuleOperator, "body_key", "a.%24ne"}},
		{name: "duplicate keys, second one", req: body(`{"file":"a.txt","file":"` + traversalPayload + `"}`),
			want: want{"traversal", "", "body", "file"}},
		{name: "nested arrays", req: body(`{"items":[{"n":"ok"},{"n":[["x","` + cmdiPayload + `"]]}]}`),
			want: want{"cmdi", "", "body", "items[1].n[0][1]"}},
		{name: "top-level array", req: body(`[{"a":1},"` + traversalPayload + `"]`),
			want: want{"traversal", "", "body", "[1]"}},
		{name: "top-level array of objects", req: body(`[{"a":1},{"b":{"$gt":""}}]`),
			want: want{"nosqli", RuleOperator, "body_key", "[1].b.$gt"}},
		{name: "top-level string", req: body(` "` + traversalPayload + `" `),
			want: want{"traversal", "", "body", ""}},
		{name: "escaped value", req: body(`{"q":"1\u0027 OR \u00271\u0027=\u00271\u0027 --"}`),
			want: want{"sqli", "", "body", "q"}},
		{name: "double-encoded value", req: body(`{"p":"%252e%252e%252f%252e%252e%252fetc%252fpasswd"}`),
			want: want{"traversal", "", "body", "p"}},
		{name: "key carries sqli", req: body(`{"` + sqliPayload + `":1}`),
			want: want{"sqli", "", "body_key", sqliPayload}},
		{name: "path after closed containers", req: body(`{"a":{"b":[1,{}],"c":{}},"d":["` + traversalPayload + `"]}`),
			want: want{"traversal", "", "body", "d[0]"}},
		{name: "json schema keywords are not operators",
			req: body(`{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","properties":{"a":{"$ref":"#/$defs/a"}},"$defs":{"a":{"type":"string"}}}`)},
		{name: "apostrophe names", req: body(`{"name":"O'Brien","city":"Coeur d'Alene","note":"it's fine"}`)},
		{name: "vendor json type", req: Request{ContentType: "application/vnd.api+json", Body: []byte(`{"data":{"$where":"1"}}`)},
			want: want{"nosqli", RuleOperator, "body_key", "data.$where"}},
	})
}

func TestInspectMalformedJSON(t *testing.T) {
	for _, doc := range []string{
		`{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1}}`, `{"a":1} x`, `tru`, `nul`,
		`"abc`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", `01`, `1.`, `-`,
		`1e`, `{'a':1}`, `{"a" 1}`, `[}`, `{]`, ` `, `{"a":[1,2}`, `{"a":1 "b":2}`,
	} {
		t.Run(doc, func(t *testing.T) {
			in, _ := New(Config{})
			_, _, err := in.Inspect(&Request{ContentType: jsonType, Body: []byte(doc)})
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestInspectMultipart(t *testing.T) {
	const ct = "multipart/form-data; boundary=XyZ"
	mp := func(parts ...string) []byte {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString("--XyZ\r\n" + p + "\r\n")
		}
		b.WriteString("--XyZ--\r\n")
		return []byte(b.String())
	}
	field := func(name, value string) string {
		return "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
	}
	file := func(name, filename, content string) string {
		return "Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n" +
			"Content-Type: application/octet-stream\r\n\r\n" + content
	}
	runCases(t, []inspectCase{
		{name: "clean", req: Request{ContentType: ct, Body: mp(field("a", "O'Brien"), file("f", "cv.pdf", "%PDF"))}},
		{name: "field value", req: Request{ContentType: ct, Body: mp(field("a", "x"), field("comment", sqliPayload))},
			want: want{"sqli", "", "multipart", "comment"}},
		{name: "part name operator", req: Request{ContentType: ct, Body: mp(field("user[$ne]", "1"))},
			want: want{"nosqli", RuleOperator, "form_name", "user[$ne]"}},
		{name: "filename traversal", req: Request{ContentType: ct, Body: mp(file("avatar", "../../../var/www/shell.php", "<?php"))},
			want: want{"traversal", "", "filename", "avatar"}},
		{name: "filename backslash traversal", req: Request{ContentType: ct, Body: mp(file("avatar", `..\..\..\windows\win.ini`, "x"))},
			want: want{"traversal", "", "filename", "avatar"}},
		{name: "plain filename behind filename*", req: Request{ContentType: ct, Body: mp(
			"Content-Disposition: form-data; name=\"f\"; filename=\"../../../etc/cron.d/x\"; filename*=UTF-8''safe.txt\r\n\r\nx")},
			want: want{"traversal", "", "filename", "f"}},
		{name: "encoded filename*", req: Request{ContentType: ct, Body: mp(
			"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''..%2F..%2F..%2Fetc%2Fcron.d%2Fx\r\n\r\nx")},
			want: want{"traversal", "", "filename", "f"}},
		{name: "filename other detectors off", req: Request{ContentType: ct, Body: mp(file("avatar", sqliPayload, "x"))}},
		{name: "file content skipped", req: Request{ContentType: ct, Body: mp(file("f", "a.txt", traversalPayload+"\n"+sqliPayload))}},
		{name: "quoted-printable field", req: Request{ContentType: ct, Body: mp(
			"Content-Disposition: form-data; name=\"p\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=2E=2E/=2E=2E/=2E=2E/etc/passwd")},
			want: want{"traversal", "", "multipart", "p"}},
		{name: "part without disposition", req: Request{ContentType: ct, Body: mp(field("a", "1"), "Content-Type: text/plain\r\n\r\n"+traversalPayload)},
			want: want{"traversal", "", "multipart", ""}},
		{name: "no boundary", req: Request{ContentType: "multipart/form-data", Body: []byte("x")}, wantErr: true},
		{name: "truncated", req: Request{ContentType: ct, Body: []byte("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc")}, wantErr: true},
		{name: "bad disposition", req: Request{ContentType: ct, Body: mp("Content-Disposition: ;;;\r\n\r\nx")}, wantErr: true},
		{name: "garbage", req: Request{ContentType: ct, Body: []byte("not multipart at all")}, wantErr: true},
	})
}

func TestInspectExclusionsAndOperators(t *testing.T) {
	js := func(s string) Request { return Request{ContentType: jsonType, Body: []byte(s)} }
	ex := func(field string, det ...string) Config {
		return Config{Exclusions: []Exclusion{{Field: field, Detectors: det}}}
	}
	runCases(t, []inspectCase{
		{name: "body field excluded", config: ex("body.sql"), req: js(`{"sql":"` + sqliPayload + `"}`)},
		{name: "body field excluded for one detector only", config: ex("body.sql", "sqli"),
			req:  js(`{"sql":"` + sqliPayload + `","x":1,"sql":"` + traversalPayload + `"}`),
			want: want{"traversal", "", "body", "sql"}},
		{name: "exclusion is case-sensitive in the body", config: ex("body.SQL"), req: js(`{"sql":"` + sqliPayload + `"}`),
			want: want{"sqli", "", "body", "sql"}},
		{name: "body ** any depth", config: ex("body.**"), req: js(`{"a":[{"b":{"$ne":1,"c":"` + sqliPayload + `"}}]}`)},
		{name: "bare body location", config: ex("body"), req: Request{ContentType: "text/plain", Body: []byte(sqliPayload)}},
		{name: "array index matches *", config: ex("body.items.*.note"),
			req: js(`{"items":[{"note":"ok"},{"note":"` + sqliPayload + `"}]}`)},
		{name: "* does not cover a sibling", config: ex("body.items.*.note"),
			req:  js(`{"items":[{"note":"ok"},{"other":"` + sqliPayload + `"}]}`),
			want: want{"sqli", "", "body", "items[1].other"}},
		{name: "** in the middle", config: ex("body.doc.**.text"),
			req: js(`{"doc":{"a":[{"b":{"text":"` + cmdiPayload + `"}}],"text":"` + cmdiPayload + `"}}`)},
		{name: "query exclusion", config: ex("query.q"), req: Request{RawQuery: "q=" + sqliPayload}},
		{name: "query exclusion other param", config: ex("query.q"), req: Request{RawQuery: "r=" + traversalPayload},
			want: want{"traversal", "", "query", "r"}},
		{name: "query bracket names split", config: ex("query.filters.**", "nosqli"),
			req: Request{RawQuery: "filters[title][$ne]=x&filters[year][$gt]=2000"}},
		{name: "query dotted names split", config: ex("query.filters.title.*", "nosqli"),
			req: Request{RawQuery: "filters.title[$ne]=x"}},
		{name: "path exclusion", config: ex("path.file", "traversal"),
			req: Request{Params: []route.Param{{Name: "file", Value: traversalPayload}}}},
		{name: "cookie exclusion", config: ex("cookie.prefs"),
			req: Request{Header: header("Cookie", "prefs="+sqliPayload)}},
		{name: "header exclusion any case",
			config: Config{Headers: []string{"X-Sql"}, Exclusions: []Exclusion{{Field: "header.x-sql"}}},
			req:    Request{Header: header("X-SQL", sqliPayload)}},
		{name: "form exclusion covers multipart", config: ex("form.comment"),
			req: Request{ContentType: "application/x-www-form-urlencoded", Body: []byte("comment=" + traversalPayload)}},
		{name: "form exclusion does not cover query", config: ex("form.comment"),
			req:  Request{RawQuery: "comment=" + traversalPayload},
			want: want{"traversal", "", "query", "comment"}},
	})
}

func TestInspectAllowOperators(t *testing.T) {
	js := func(s string) Request { return Request{ContentType: jsonType, Body: []byte(s)} }
	runCases(t, []inspectCase{
		{name: "allowed operator in json",
			config: Config{AllowOperators: []string{"$in", "$gt"}},
			req:    js(`{"tags":{"$in":["a","b"]},"age":{"$gt":18}}`)},
		{name: "allowed operator does not allow another",
			config: Config{AllowOperators: []string{"$in"}},
			req:    js(`{"tags":{"$in":["a"]},"pw":{"$ne":null}}`),
			want:   want{"nosqli", RuleOperator, "body_key", "pw.$ne"}},
		{name: "allowed operator in query names",
			config: Config{AllowOperators: []string{"$eq", "$in"}},
			req:    Request{RawQuery: "filters[title][$eq]=Dune&filters[year][$in][]=1999"}},
		{name: "allowed first operator does not cover a second",
			config: Config{AllowOperators: []string{"$eq"}},
			req:    Request{RawQuery: "filters[title][$eq][$ne]=Dune"},
			want:   want{"nosqli", RuleOperator, "query_name", "filters[title][$eq][$ne]"}},
		{name: "allowed operators in form names",
			config: Config{AllowOperators: []string{"$limit", "$sort"}},
			req:    Request{ContentType: "application/x-www-form-urlencoded", Body: []byte("$limit=10&$sort[createdAt]=-1")}},
		{name: "detector subset", config: Config{Detectors: []string{"traversal"}},
			req: Request{RawQuery: "q=" + sqliPayload + "&c=" + cmdiPayload}},
		{name: "detector subset finds its own", config: Config{Detectors: []string{"cmdi"}},
			req:  Request{RawQuery: "q=" + sqliPayload + "&c=" + cmdiPayload},
			want: want{"cmdi", "", "query", "c"}},
	})
}

func TestInspectMaxValues(t *testing.T) {
	runCases(t, []inspectCase{
		{name: "under the bound", config: Config{MaxValues: 4}, req: Request{RawQuery: "a=1&b=2"}},
		{name: "over the bound", config: Config{MaxValues: 3}, req: Request{RawQuery: "a=1&b=2"},
			want: want{DetectorInspect, RuleTooManyValues, "query", "b"}},
		{name: "json over the bound", config: Config{MaxValues: 5},
			req:  Request{ContentType: jsonType, Body: []byte(`{"a":"1","b":"2","c":"3"}`)},
			want: want{DetectorInspect, RuleTooManyValues, "body", "c"}},
		{name: "default bound", req: Request{RawQuery: strings.Repeat("a=1&", DefaultMaxValues/2+1)},
			want: want{DetectorInspect, RuleTooManyValues, "query_name", "a"}},
	})
}

func TestInspectFieldIsEscapedAndTruncated(t *testing.T) {
	in, _ := New(Config{})
	long := strings.Repeat("n", 300)
	cases := []struct {
		name, query, want string
	}{
		{"control bytes", "a%0Ab%1B[31m=" + traversalPayload, `a\u000ab\u001b[31m`},
		{"invalid utf-8", "a%FFb=" + traversalPayload, `a\xffb`},
		{"backslash", `a%5Cb=` + traversalPayload, `a\\b`},
		{"bidi override", "a%E2%80%AEb=" + traversalPayload, `a\u202eb`},
		{"long name", long + "=" + traversalPayload, long[:maxFieldBytes]},
		{"long escaped name", strings.Repeat("%01", 100) + "=" + traversalPayload, strings.Repeat(`\u0001`, maxFieldBytes/6)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, found, err := in.Inspect(&Request{RawQuery: tc.query})
			if err != nil || !found {
				t.Fatalf("found=%v err=%v", found, err)
			}
			if f.Field != tc.want {
				t.Fatalf("Field = %q, want %q", f.Field, tc.want)
			}
		})
	}
}

func TestInspectLongValueWindows(t *testing.T) {
	in, _ := New(Config{})
	for _, at := range []int{0, windowSize - 10, windowSize + 100, 3*windowSize - 7, 5 * windowSize} {
		pad := strings.Repeat("é", at/2) // two bytes each: windows must not split it
		body := []byte(pad + " " + traversalPayload + " " + pad)
		f, found, err := in.Inspect(&Request{ContentType: "text/plain", Body: body})
		if err != nil || !found || f.Detector != "traversal" {
			t.Fatalf("payload at %d: finding %+v found=%v err=%v", at, f, found, err)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name   string
		config Config
		substr string
	}{
		{"unknown detector", Config{Detectors: []string{"sqli", "xss"}}, `"xss"`},
		{"bad header name", Config{Headers: []string{"X Bad"}}, "headers[0]"},
		{"operator without $", Config{AllowOperators: []string{"eq"}}, "allow_operators[0]"},
		{"operator with junk", Config{AllowOperators: []string{"$in", "$e q"}}, "allow_operators[1]"},
		{"negative max values", Config{MaxValues: -1}, "max_values"},
		{"unknown location", Config{Exclusions: []Exclusion{{Field: "bodyy.a"}}}, "exclusions[0]"},
		{"empty segment", Config{Exclusions: []Exclusion{{Field: "body.a..b"}}}, "empty path segment"},
		{"empty path", Config{Exclusions: []Exclusion{{Field: "query."}}}, "empty path"},
		{"partial wildcard", Config{Exclusions: []Exclusion{{Field: "body.a*"}}}, "stand alone"},
		{"exclusion detector", Config{Exclusions: []Exclusion{{Field: "body.a"}, {Field: "body.b", Detectors: []string{"ssrf"}}}}, "exclusions[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.config)
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("err = %v, want one mentioning %s", err, tc.substr)
			}
		})
	}
}

func TestInspectConcurrentReuse(t *testing.T) {
	in, _ := New(Config{})
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				f, found, err := in.Inspect(&Request{ContentType: jsonType, Body: []byte(`{"a":{"b":"` + traversalPayload + `"}}`)})
				if err != nil || !found || f.Field != "a.b" {
					t.Errorf("finding %+v found=%v err=%v", f, found, err)
					return
				}
				if _, found, _ := in.Inspect(&Request{ContentType: jsonType, Body: []byte(`{"x":"ok"}`)}); found {
					t.Error("stale finding")
					return
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestFindingDoesNotAliasTheBody(t *testing.T) {
	in, _ := New(Config{})
	body := []byte("comment=" + traversalPayload)
	f, found, err := in.Inspect(&Request{ContentType: "application/x-www-form-urlencoded", Body: body})
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	for i := range body {
		body[i] = 'X' // the gateway may reuse its buffer
	}
	if f.Field != "comment" {
		t.Fatalf("Field changed with the body: %q", f.Field)
	}
}
