package traversal

import "testing"

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, v, rule string
	}{
		{"dotdot", "../../etc/passwd", RuleDotDot},
		{"backslash", `..\..\windows\win.ini`, RuleDotDot},
		{"mixed", `..\/..\/x`, RuleDotDot},
		{"double dots", "....//....//x", RuleDotDot},
		{"tomcat", "..;/..;/manager/html", RuleDotDot},
		{"climb after names", "a/../../x", RuleDotDot},
		{"after equals", "file=../x", RuleDotDot},
		{"bare dotdot", "..", RuleDotDot},
		{"trailing inside", "/srv/app/..", ""},
		{"nul after dotdot", "..\x00/x", RuleDotDot},
		{"slash look-alike", "..\u2215..\u2215x", RuleDotDot},
		{"private use sep", "..\uefc8..\uefc8x", RuleDotDot},
		{"lax overlong", "\xc0.\xc0./x", RuleDotDot},
		{"spelled hex", "0x2e0x2e0x2fx", RuleDotDot},
		{"etc passwd", "/etc/passwd", RuleSensitive},
		{"proc", "/proc/self/environ", RuleSensitive},
		{"var log", "/var/log/apache2/access.log", RuleSensitive},
		{"windows", `C:\Windows\System32\drivers\etc\hosts`, RuleSensitive},
		{"windows slash", "c:/windows/win.ini", RuleSensitive},
		{"boot ini", "boot.ini", RuleSensitive},
		{"stripped", "c:windowswin.ini", RuleSensitive},
		{"web-inf", "WEB-INF/web.xml", RuleSensitive},
		{"ssh key", "/home/bob/.ssh/id_rsa", RuleSensitive},
		{"htaccess", "uploads/.htaccess", RuleSensitive},
		{"web config", "web.config", RuleSensitive},
		{"etc relative", "etc/shadow", RuleSensitive},
		{"systemroot", `%SYSTEMROOT%\repair\SAM`, RuleSensitive},
		{"php filter", "php://filter/convert.base64-encode/resource=index.php", RuleWrapper},
		{"php input", "PHP://input", RuleWrapper},
		{"file url", "file:///etc/passwd", RuleWrapper},
		{"file drive", "file:c:/boot.ini", RuleWrapper},
		{"phar", "phar://uploads/x.jpg/shell", RuleWrapper},
		{"expect", "expect://id", RuleWrapper},
		{"data php", "data:text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOyA/Pg==", RuleWrapper},
		{"data slashes", "data://text/plain,<?php phpinfo()?>", RuleWrapper},
		{"nul", "report.pdf\x00.png", RuleNUL},
		// benign
		{"url", "https://example.com/a/b?x=1", ""},
		{"url etc", "https://example.com/etc/info", ""},
		{"relative", "reports/2024/q1.csv", ""},
		{"relative with dotdot inside", "reports/2024/../2023/summary.csv", ""},
		{"url dotdot inside", "https://example.com/a/b/../c", ""},
		{"version", "1.2.3", ""},
		{"ellipsis", "Wait... what?", ""},
		{"ellipsis end", "I like my jeans with ..", ""},
		{"ellipsis slash", "and so on.../", ""},
		{"date", "2024/05/01", ""},
		{"mime", "application/vnd.api+json", ""},
		{"html link", `<a href="../">up</a>`, ""},
		{"image data uri", "data:image/png;base64,iVBORw0KGgo=", ""},
		{"file word", "file: report.pdf", ""},
		{"time", "10:30", ""},
		{"email", "o'brien@example.com", ""},
		{"home route", "/home", ""},
		{"well-known", "/.well-known/openid-configuration", ""},
		{"percent", "50% off", ""},
		{"latin1", "caf\xe9", ""},
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
		"../../etc/passwd", `..\x`, "....//", "..;/", "php://filter", "file:///", "c:/windows/win.ini",
		"\xc0\xae\xc0\xae/", "0x2e0x2e0x2f", "%c1%pc", "\u2215", "\xfc\x80\x80\x80\x80\xae", "",
		"/", ".", "..", "%", "\x00", "WEB-INF", "data:text/plain,", "a:b",
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

func BenchmarkDetectPathClean(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Detect("https://example.com/a/b?x=1")
	}
}

func BenchmarkDetectAttack(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Detect("....//....//etc/passwd")
	}
}
