package sqli

import "testing"

func TestComplete(t *testing.T) {
	for v, want := range map[string]bool{
		"I typed ' or 1=1 into the search box to see what happens and got a 500 error page, thought you should know.": false,
		"The report page shows 'SELECT * FROM invoices' in the error message instead of my invoices, please fix.":     false,
		"Great service, thanks!' OR '1'='1' -- ":                                  true,
		"Dear support, my name is Bob' OR username LIKE '%admin%' -- bye for now": true,
		"please check my ticket 4412 UNION SELECT credit_card, cvv FROM payments": true,
		"my order number is 1234 OR 1=1":                                          true,
		"thanks'; DROP TABLE orders; and have a nice day my friend":               true,
		"Nice shoes, size 42') OR ('a'='a":                                        true,
	} {
		if got := Complete(v); got != want {
			t.Errorf("Complete(%q) = %v, want %v", v, got, want)
		}
	}
}

// A WHERE of constants that nothing continues reads nothing and cannot
// replace the statement's own WHERE: not complete in prose. The same clause
// with a column, a call, a subquery, a continuation, a comment or a stacked
// statement is.
func TestCompleteConstantWhere(t *testing.T) {
	for v, want := range map[string]bool{
		"What's the difference between 1=1 and TRUE in a WHERE clause generator? Some ORMs emit WHERE 1=1 AND ...": false,
		"Nice catch on the `WHERE 1=1` builder, but now the empty-filter case returns all tenants' rows.":          false,
		"our query builder always starts with WHERE 1=1":                                                           false,
		"the old report used WHERE (1 = 1) for some reason, no idea why":                                           false,
		// the same shapes that would work
		"Great service, thanks!' WHERE 1=1 -- ":                                                  true,
		"Great service, thanks!' WHERE 1=1 OR 'a'='a":                                            true,
		"Great service, thanks!' WHERE 1=1 AND password > 'm":                                    true,
		"Great service, thanks!' WHERE 1=1; DROP TABLE users":                                    true,
		"Great service, thanks!' WHERE 1=1 UNION SELECT password FROM users":                     true,
		"Great service, thanks!' WHERE 1=1 RETURNING password":                                   true,
		"Great service, thanks!' WHERE 1=(SELECT COUNT(*) FROM users)":                           true,
		"Great service, thanks!' WHERE 1=1 AND SLEEP(5) AND 'a'='a":                              true,
		"Great service, thanks!' WHERE password > 'm":                                            true,
		"Great service, thanks!' WHERE `role` = `role` OR 'a'='a":                                true,
		"Great service, thanks!' HAVING 1=1 AND 'a'='a":                                          true,
		"the export fails with: You have an error in your SQL syntax near 'WHERE id=' at line 1": true, // a column
	} {
		if got := Complete(v); got != want {
			t.Errorf("Complete(%q) = %v, want %v", v, got, want)
		}
		if rule, hit := Detect(v); !hit {
			t.Errorf("Detect(%q) = %q, false: the case tests nothing", v, rule)
		}
	}
}

func BenchmarkComplete(b *testing.B) {
	v := "I typed ' or 1=1 into the search box to see what happens and got a 500 error page, thought you should know."
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		Complete(v)
	}
}
