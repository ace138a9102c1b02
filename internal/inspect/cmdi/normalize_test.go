package cmdi

import "testing"

// The shell reading catches what the adaptive attacker used, and
// never makes text with the same spellings look like a command.
func TestShellReading(t *testing.T) {
	for _, tc := range []struct {
		name, v string
		hit     bool
	}{
		{"backslash in word", `; w\hoami`, true},
		{"empty quotes", `; u""name -a`, true},
		{"empty expansion", `; ${x:-}uname -a`, true},
		{"dollar at and nine", `x && wh$@oa$9mi`, true},
		{"ifs slice", `; cat${IFS:0:1}/etc/passwd`, true},
		{"brace list", `;{cat,/etc/passwd}`, true},
		{"quotes in path", `x; /b""in/id`, true},
		{"substitution", `$(c\at${IFS}/et''c/passwd)`, true},
		{"backticks", "`w\\hoami`", true},
		{"after prose", `thanks for your help || s\leep 10`, true},
		{"single-quoted context", `'; c''at /etc/passwd; '`, true},
		{"shellshock with a tab", "()\t{ :;}; echo vulnerable", true},
		{"doubled apostrophes", "It''s the ''best'' option", false},
		{"windows path", `Open C:\Users\Public\report.xlsx and look at tab 2`, false},
		{"home variable", "Environment variables are expanded: ${HOME}/data", false},
		{"brace list in prose", "pick one of {red,green,blue} please", false},
		{"price", "it costs $5 or $9 at most", false},
		{"quoted separators", `he wrote "a; b" and ''c''`, false},
		{"unclosed quote", `don't "stop`, false},
	} {
		_, hit := Detect(tc.v)
		if hit != tc.hit {
			t.Errorf("%s: Detect(%q) hit = %v, want %v (readings %q)", tc.name, tc.v, hit, tc.hit, shellReadings(tc.v))
		}
	}
}

func TestObfuscatedPrefilter(t *testing.T) {
	for v, want := range map[string]bool{
		"plain words": false, "a/b/c": false, "x;y": false, `c\at`: true, `u""n`: true,
		"$@": false, "a$@b": true, "$9id": true, "$5 off": false, "${x}": true, "$IFS": true, "{a,b}": true, "{a, b}": false, "$(id)": false,
	} {
		if got := obfuscated(v); got != want {
			t.Errorf("obfuscated(%q) = %v, want %v", v, got, want)
		}
	}
}

// The parser runs only for values the pre-filter lets through and the
// rules as written miss: an obfuscated attack, and text with doubled
// apostrophes (what a clean value with those spellings costs).
func BenchmarkShellReading(b *testing.B) {
	for _, bc := range []struct{ name, v string }{
		{"attack", `; ${x:-}u""name -a`},
		{"text", "It''s the ''best'' option, isn''t it"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Detect(bc.v)
			}
		})
	}
}
