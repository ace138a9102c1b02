package text

import "testing"

func TestProse(t *testing.T) {
	for v, want := range map[string]bool{
		"I typed ' or 1=1 into the search box to see what happens and got a 500 error page, thought you should know.": true,
		"Sehr gute Qualität, aber die Anleitung ist nur auf Englisch – schade.":                                       true,
		"Владимир Иванович Петров живёт в Москве уже много лет":                                                       true,
		"' OR 1=1 -- ":                       false,
		"1 UNION SELECT 1,2,3":               false,
		"Great service, thanks!' OR '1'='1'": true, // judged by sqli.Complete
		"../../../../etc/passwd":             false,
		// SQL keywords are words too: what stands in prose is decided by
		// each detector's complete-structure check, not by this test
		"SELECT id, name FROM users WHERE id = 1 AND name = 'x'": true,
		"; cat /etc/passwd": false,
		"O'Brien":           false,
		"a b c d e f":       false,
		// a code span is one token, not a word
		"Does `find /var/log -type f -mtime +30 -delete` need sudo in the cron job?": true,
		"Is `if [ -f ../.env ]; then source ../.env; fi` a bad idea in a Makefile?":  true,
		"Example: `SELECT id, title FROM posts WHERE published LIMIT 10;`":           false,
		"the `id` is":                 false,
		"a lone ` backtick is text":   true,
		"`rm -rf /` `ls -la` `id` ok": false,
	} {
		if got := Prose(v); got != want {
			t.Errorf("Prose(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestProseNoAlloc(t *testing.T) {
	v := "The logs are in /var/log/nginx/access.log on the staging box, I checked them this morning."
	if n := testing.AllocsPerRun(100, func() { Prose(v) }); n != 0 {
		t.Fatalf("Prose allocates %v times", n)
	}
}

func BenchmarkProse(b *testing.B) {
	v := "I typed ' or 1=1 into the search box to see what happens and got a 500 error page, thought you should know."
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		Prose(v)
	}
}
