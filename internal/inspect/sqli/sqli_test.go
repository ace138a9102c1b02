package sqli

import (
	"strings"
	"testing"
)

func TestDetectAttacks(t *testing.T) {
	cases := []struct{ name, in string }{
		{"union select", "-7 UNION SELECT name, pass FROM members"},
		// numeric-context tautologies without a comparison
		{"number or same number", "1 OR 1"},
		{"number pipes number", "3 || 2"},
		{"number or true", "1 OR true"},
		{"number or tilde zero", "1 OR~0"},
		{"number or bang zero", "7 or !0 LIMIT 1"},
		{"number or not false", "1 OR NOT FALSE#"},
		// line comments as blanks
		{"hash comment blank", "9 ORDER#x\nBY 26-- "},
		{"dash comment blank", "1 UNION-- x\nSELECT password FROM users"},
		{"waitfor hash blank", "');waitfor#x\ndelay '0:0:5'--"},
		{"union all with comment spacing", "9/**/uNiOn/**/aLl/**/sElEcT/**/1,2,3--"},
		{"union mysql version comment", "3 /*!40000 UNION*/ /*!40000 SELECT*/ 4,5"},
		{"union tabs and newlines", "5\tUNION\nSELECT\r\nnull,null"},
		{"union after paren", "2) union (select login from staff)"},
		{"union nbsp", "8\u00a0UNION\u00a0SELECT\u00a0version()"},
		{"quote or equal strings", "zz' OR 'k'='k"},
		{"quote and numbers comment", "bob' AND 7=7 -- "},
		{"number or greater", "12 or 9>3"},
		{"leading or x=x", " OR q=q"},
		{"quote or lone number comment", "' or 4 #"},
		{"paren or constant", "55) or (3=3"},
		{"quote like wildcard", "q' or login like 'adm%"},
		{"blind ascii substring", "41 and ascii(substring(user(),1,1))>80"},
		{"subquery compare", "6 and 2=(select count(*) from accounts)"},
		{"quote comment admin", "root'--"},
		{"quote paren hash", "guest')#"},
		{"quote block comment", "staff\"/*"},
		{"stacked drop", "10; DROP TABLE invoices--"},
		{"stacked insert", "x'; insert into admins values('eve','pw')--"},
		{"stacked update", "4'; update users set role='admin' where id=4--"},
		{"stacked shutdown", "1'; shutdown --"},
		{"stacked exec xp", "1; exec master..xp_cmdshell 'whoami'"},
		{"declare hex exec", "declare @q varchar(99) set @q=0x73656c656374 exec(@q)"},
		{"waitfor delay", "1'; WAITFOR DELAY '0:0:7'--"},
		{"sleep call", "7 and sleep(4)"},
		{"benchmark", "1 or benchmark(900000,sha1(2))#"},
		{"pg_sleep stacked", "3;select pg_sleep(6)--"},
		{"dbms_lock", "x' || dbms_lock.sleep(3) || '"},
		{"extractvalue", "1 and extractvalue(7,concat(0x5c,version()))"},
		{"updatexml", "2' and updatexml(3,concat(0x7e,user()),3)-- -"},
		{"utl_inaddr", "1 and 1=utl_inaddr.get_host_address(user)"},
		{"load_file", "0 union select load_file('/etc/hosts')"},
		{"into outfile", "1' into outfile '/tmp/x.php'--"},
		{"information_schema", "-2 union select table_name from information_schema.tables"},
		{"sysobjects from", "'; select name from sysobjects--"},
		{"order by probe", "1' ORDER BY 12--"},
		{"order by bare", "order by 3#"},
		{"group by probe", "5) group by 2,3--"},
		{"case when", "1 and (case when 4>3 then 1 else 0 end)=1"},
		{"if constant", "if(8=8,sleep(2),0)"},
		{"elt constant", "-5 or elt(31=31,1)"},
		{"char building", "1 union select char(114,111,111,116)"},
		{"chr concat", "x' and chr(65)||chr(66)='AB"},
		{"system variable", "1 and @@version>5"},
		{"select from dual", "select user from dual"},
		{"whole select cut off", "select * from accounts--"},
		{"hex encoded statement", "0x77616974666f722064656c61792027303a303a3527"},
		{"quote in comment", "7/*'*/ or 1=1"},
		{"executable version comment", "1/*!50000or*/ 1=1"},
		{"double quote tautology", `x" or "7"="7`},
		{"empty string auth", "' or ''='"},
		{"grant", "'; grant all on *.* to evil--"},
		{"copy from file", "'; copy loot from '/etc/passwd'--"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if rule, hit := Detect(in); !hit {
				t.Fatalf("Detect(%q) = no hit, want a hit", in)
			} else if !strings.HasPrefix(rule, "sqli.") {
				t.Fatalf("Detect(%q) rule %q lacks the sqli. prefix", in, rule)
			}
		})
	}
}

func TestDetectBenign(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"a choice of numbers", "1 or 2"},
		{"number or word", "5 or more"},
		{"hash then text", "Order #88123\nwas charged twice"},
		{"word", "checkout"},
		{"number", "184467"},
		{"uuid", "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
		{"email", "mary.o.neil+news@mail.example.org"},
		{"date", "2024-11-05T08:30:00Z"},
		{"apostrophe name", "Siobhan O'Sullivan"},
		{"typographic apostrophe", "O\u2019Donnell"},
		{"doubled apostrophe", "Padraig O''Malley"},
		{"escaped apostrophe", `Niamh O\'Hara`},
		{"prose select from", "Select the colours from the palette you like"},
		{"prose select number", "Select 3 items from the shelf"},
		{"prose or with numbers", "Bring 2 or 3 friends"},
		{"prose where", "Where'er you walk, cool gales shall fan the glade"},
		{"prose and is", "And so it is, or so it seems"},
		{"prose sleep parens", "Babies sleep (14 hours) a day"},
		{"prose drop", "Please don't drop the glass table"},
		{"prose union", "Meet at the Union Hall, then select a seat"},
		{"prose dash after quote", "She said 'fine' -- and left"},
		{"rock n roll", "Rock 'n' Roll Hall"},
		{"inch marks", `shelf 24" or 30" wide`},
		{"quoted search terms", `"red scarf" AND "wool"`},
		{"quoted keyword", `BLUE "LIKE" NEW`},
		{"percent and", "40% LINEN AND 60% COTTON"},
		{"consent string", "1---"},
		{"id ending in dashes", "Zk29Qp0LmX--"},
		{"url with quotes", `/shop/search?q="OR"&page=2`},
		{"absolute url", "https://example.net/a?b=select+1&c=or"},
		{"html", `Visit our <a href="/faq/">help centre</a>!`},
		{"hashtag after quote", "it's #1"},
		{"colour", "#ff8800"},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXNhbXBsZQ"},
		{"base64", "U29tZSBkYXRhIGhlcmU="},
		{"json text", `{"name":"kettle","price":25}`},
		{"search capitals", "VINTAGE UNION JACK DESK LAMP"},
		{"price filter", "price >= 10 and price <= 20"},
		{"wkt polygon", "POLYGON((30 10, 40 40, 20 40, 30 10))"},
		{"reporting query", "SELECT count(*) FROM payouts WHERE status = 'paid'"},
		{"ethereum address", "0x52908400098527886E0F7030069857D2E4169EE7"},
		{"css license comment", "/*! normalize.css v8 */"},
		{"code comment apostrophe", "/* don't touch */"},
		{"semicolon prose", "cats; dogs; select a pet you like"},
		{"is null prose", "Null and void, or so they said"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if rule, hit := Detect(c.in); hit {
				t.Fatalf("Detect(%q) = %q, want no hit", c.in, rule)
			}
		})
	}
}

func TestDetectZeroAllocClean(t *testing.T) {
	for _, v := range []string{"order-2024-000183", "Blue cotton shirt size M", "Siobhan O'Sullivan"} {
		if n := testing.AllocsPerRun(100, func() { Detect(v) }); n != 0 {
			t.Errorf("Detect(%q) allocates %.0f times, want 0", v, n)
		}
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"", "x", "1' or '1'='1", "1 union select 1,2--", "O'Brien", "/*!50000select*/",
		"0x73656c65637420312c32", "select * from t--", "a/*'*/b", "@@version", "' or ''='",
		"\u00a0", "\xc2", "/*", "--", "#", "1e", "0x", "if(1=1,1,0)", "char(1)||char(2)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r1, h1 := Detect(v)
		r2, h2 := Detect(v)
		if r1 != r2 || h1 != h2 {
			t.Fatalf("Detect(%q) not deterministic: (%q,%v) then (%q,%v)", v, r1, h1, r2, h2)
		}
		if h1 != (r1 != "") {
			t.Fatalf("Detect(%q) = (%q, %v): rule and hit disagree", v, r1, h1)
		}
	})
}

var sink bool

func BenchmarkDetectCleanShort(b *testing.B) {
	vals := []string{"order-2024-000183", "Blue cotton shirt size M", "mary.o.neil@mail.example.org", "184467"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, sink = Detect(vals[i%len(vals)])
	}
}

func BenchmarkDetectCleanProse(b *testing.B) {
	v := "I'd like to update my address, and select a new delivery slot from Monday or Tuesday if possible."
	b.ReportAllocs()
	for b.Loop() {
		_, sink = Detect(v)
	}
}

func BenchmarkDetectAttack(b *testing.B) {
	v := "1' AND 7=7 UNION ALL SELECT NULL,CONCAT(0x71,user(),0x71),NULL-- -"
	b.ReportAllocs()
	for b.Loop() {
		_, sink = Detect(v)
	}
}

// BenchmarkDetectBody inspects the 30 string values of a typical 1 KiB JSON
// body, the per-request budget the inspector shares among all detectors.
func BenchmarkDetectBody(b *testing.B) {
	vals := []string{
		"cus_9s8d7f6g5h", "Siobhan O'Sullivan", "siobhan@example.ie", "+353 1 555 0199",
		"12 Harbour View", "Apt 4", "Cork", "T12 X7Y2", "IE", "eur", "card", "4242",
		"12", "2027", "Gift for my brother's birthday", "pending", "2024-11-05T08:30:00Z",
		"sku_42_blue_m", "Blue cotton shirt, size M", "1", "29.99", "sku_17_mug",
		"Ceramic mug (350 ml)", "2", "9.50", "standard", "Leave at the door, please",
		"true", "web", "v2.4.1",
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			_, sink = Detect(v)
		}
	}
}
