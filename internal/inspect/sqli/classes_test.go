package sqli

import "testing"

// TestDetectClasses pins each attack class to the rule that catches it and
// pairs it with benign look-alikes that must pass.
func TestDetectClasses(t *testing.T) {
	cases := []struct {
		class, name, in, rule string // rule "" means no hit
	}{
		// string breakout: X' <operator expression> 'Y
		{"breakout", "and symbols outward", "k' && 'z", "sqli.tautology"},
		{"breakout", "minus inward", "Q '-' R", "sqli.breakout"},
		{"breakout", "lone operator", "'%'", "sqli.breakout"},
		{"breakout", "word operator", "'XOR'", "sqli.breakout"},
		{"breakout", "not regexp inward", "m 'NOT REGEXP' n", "sqli.breakout"},
		{"breakout", "concat plus", "x'+'y", "sqli.breakout"},
		{"breakout", "mysql null expression", "7'*col IS \\N OR '7", "sqli.breakout"},
		{"breakout", "between and like", "3' between 2 and 4 or 0x62 like 'b", "sqli.breakout"},
		{"breakout", "niladic times zero", "z' / current_date XOR '0", "sqli.breakout"},
		{"breakout", "double quote outward", `bb" - "cc`, "sqli.breakout"},
		{"breakout", "benign hyphenated code", "'fr-CA'", ""},
		{"breakout", "benign date", "'2031-02-03'", ""},
		{"breakout", "benign feet", "5' - 6'", ""},
		{"breakout", "benign contraction", "can't - won't", ""},
		{"breakout", "benign rock n roll", "Rock 'n' Roll", ""},
		{"breakout", "benign quoted symbol search", `"&"`, ""},
		{"breakout", "benign quoted symbol phrase", `BIG "&" TALL`, ""},
		{"breakout", "benign double quoted word", `"NOT" SORRY`, ""},
		{"breakout", "benign key hint", "Press '+' to zoom in", ""},
		{"breakout", "benign slashes", "'and/or'", ""},

		// typographic and escaped quotes
		{"quotes", "smart quote tautology", "‘ or ’9’=’9", "sqli.tautology"},
		{"quotes", "modifier apostrophe", "xʼ or ʼaʼ=ʼa", "sqli.tautology"},
		{"quotes", "hex escaped quote union", `\x27 union select 5`, "sqli.union"},
		{"quotes", "benign smart apostrophe", "Don’t forget the ‘small’ print", ""},
		{"quotes", "benign smart quotes or", "“yes” or “no”", ""},

		// lexing: MSSQL brackets, numbers glued to keywords
		{"lex", "bracket catalog", `SELECT"name"FROM[sysobjects]`, "sqli.select"},
		{"lex", "oracle float suffix", "2dUNION SELECT 3", "sqli.union"},
		{"lex", "mysql dot exponent", "1.e1UNION SELECT 4", "sqli.union"},
		{"lex", "benign brackets", "tags[from] = [new]", ""},
		{"lex", "benign file names", "report1.exe and v2.example", ""},
		{"lex", "benign size suffix", "4d union of states", ""},

		// CASE expressions
		{"case", "simple case", "case 3 when 4 then 4 end", "sqli.case"},
		{"case", "searched case literal", "case when 'q' then 7 end", "sqli.case"},
		{"case", "case true", "CASE WHEN TRUE THEN 1 END", "sqli.case"},
		{"case", "benign prose", "In case 3 when you can then call us", ""},

		// SOUNDS LIKE, DO, LIMIT, wildcard LIKE
		{"sounds", "sounds like", "7 OR 8 SOUNDS LIKE 8", "sqli.tautology"},
		{"do", "do statement", "3;DO (2=2)", "sqli.stacked"},
		{"do", "benign do", "milk; do bring bread", ""},
		{"limit", "limit probe comment", "limit 2,1--", "sqli.orderby"},
		{"limit", "limit after call", "8 user() LIMIT 0,1", "sqli.orderby"},
		{"limit", "benign limit", "limit 5", ""},
		{"limit", "benign speed", "speed 30 limit 50", ""},
		{"like", "wildcard like", " LIKE '%%'", "sqli.tautology"},
		{"like", "or wildcard like", "5 or title like '_%'", "sqli.tautology"},
		{"like", "benign like", "I like '%' signs", ""},

		// nested SQL function calls
		{"nested", "repeat right char", "call x(repeat(right(char(77),0),9999999))", "sqli.function"},

		// whole SELECT cut by a dangling clause, MSSQL TOP subquery
		{"select", "dangling where", "select 2 from t where", "sqli.select"},
		{"select", "dangling and", "select 'k' from t and", "sqli.select"},
		{"select", "top subquery", "x' (select top 2", "sqli.select"},
		{"select", "benign report", "select name from users where id = 3", ""},
		{"select", "benign top", "Pick (select top 3) items", ""},

		// number inequalities written as text
		{"inequalities", "benign bounds", "70 > 60 && 20 < 60", ""},
		{"inequalities", "benign words", "3 <= 4 and 9 >= 8", ""},
		{"inequalities", "self tautology", "4>3 and 2=2", "sqli.tautology"},
		{"inequalities", "leading connective", "9 or 4>3", "sqli.tautology"},
	}
	for _, c := range cases {
		t.Run(c.class+"/"+c.name, func(t *testing.T) {
			rule, hit := Detect(c.in)
			switch {
			case c.rule == "" && hit:
				t.Fatalf("Detect(%q) = %q, want no hit", c.in, rule)
			case c.rule != "" && rule != c.rule:
				t.Fatalf("Detect(%q) = (%q, %v), want %q", c.in, rule, hit, c.rule)
			}
		})
	}
}
