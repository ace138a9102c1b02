package inspect

import "testing"

func TestEvasiveEncodings(t *testing.T) {
	trav := want{"traversal", RuleEvasiveEncoding, "query", "f"}
	runCases(t, []inspectCase{
		{name: "overlong slash", req: Request{RawQuery: "f=..%c0%af..%c0%afetc%c0%afpasswd"}, want: want{"traversal", "", "query", "f"}},
		{name: "overlong read as a letter", req: Request{RawQuery: "f=..%c1%af..%c1%afetc%c1%afpasswd"}, want: trav},
		{name: "six byte form", req: Request{RawQuery: "f=%fc%80%80%80%80%ae%fc%80%80%80%80%ae"}, want: trav},
		{name: "double percent", req: Request{RawQuery: "f=..%%32%%66etc%%32%%66passwd"}, want: trav},
		{name: "in a JSON string", req: Request{ContentType: jsonType, Body: []byte(`{"f":"..%c1%af..%c1%afboot.ini"}`)},
			want: want{"traversal", RuleEvasiveEncoding, "body", "f"}},
		{name: "accents and percent signs pass", req: Request{RawQuery: "f=" + "caf%C3%A9+50%25+off"}},
		{name: "excluded", config: Config{Exclusions: []Exclusion{{Field: "query.f", Detectors: []string{"traversal"}}}},
			req: Request{RawQuery: "f=..%c1%afetc"}},
		{name: "traversal off", config: Config{Detectors: []string{"sqli"}}, req: Request{RawQuery: "f=..%c1%afetc"}},
	})
}
