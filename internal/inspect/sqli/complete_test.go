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

func BenchmarkComplete(b *testing.B) {
	v := "I typed ' or 1=1 into the search box to see what happens and got a 500 error page, thought you should know."
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		Complete(v)
	}
}
