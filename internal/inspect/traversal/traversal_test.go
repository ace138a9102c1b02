package traversal

import (
	"strings"
	"testing"
)

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
		{"gitignore", ".gitignore", ""},
		{"github dir", "src/.github/workflows/ci.yml", ""},
		{"dockerignore", ".dockerignore", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rule, hit := Detect(tc.v)
			if hit != (tc.rule != "") || rule != tc.rule {
				t.Errorf("Detect(%q) = %q, %v; want %q", tc.v, rule, hit, tc.rule)
			}
		})
	}
}

// TestDetectClasses covers the classes added in round 2, each with benign
// look-alikes that must pass.
func TestDetectClasses(t *testing.T) {
	long := strings.Repeat("Q", 300)
	for _, tc := range []struct {
		class, name, v, rule string
	}{
		// NFKC compatibility forms of the dot.
		{"nfkc dots", "ellipsis", "\\…\\x", RuleDotDot},
		{"nfkc dots", "two dot leader", "‥/‥/etc/hosts", RuleDotDot},
		{"nfkc dots", "dot leaders", "․․/x", RuleDotDot},
		{"nfkc dots", "small full stop", "﹒﹒/x", RuleDotDot},
		{"nfkc dots", "small reverse solidus", "..﹨..﹨x", RuleDotDot},
		{"nfkc dots", "prose ellipsis", "Wait… what?", ""},
		{"nfkc dots", "prose ellipsis end", "and so on…", ""},
		// '%' that starts no escape, dropped by lax decoders.
		{"stray percent", "after dotdot", `%\..%\..%\x`, RuleDotDot},
		{"stray percent", "percent value", "50%/100%", ""},
		{"stray percent", "percent inside", "a/..%/b", ""},
		// Escapes whose '%' was stripped.
		{"stripped escape", "2f", "..2f..2fetc2fpasswd", RuleDotDot},
		{"stripped escape", "5C upper", "..5C..5Cwindows", RuleDotDot},
		{"stripped escape", "after separator", "x/..2f..2fy", RuleDotDot},
		{"stripped escape", "hex range", "0000..2FFF", ""},
		{"stripped escape", "version range", "1.0..2f", ""},
		// Base64-encoded paths.
		{"base64", "etc passwd", "L2V0Yy9wYXNzd2Q=", RuleSensitive},
		{"base64", "dotdot unpadded", "Li4vLi4veA", RuleDotDot},
		{"base64", "url-safe wrapper", "cGhwOi8vZmlsdGVyL3Jlc291cmNlPWluZGV4LnBocA", RuleWrapper},
		{"base64", "plain text", "aGVsbG8vd29ybGQ=", ""},
		{"base64", "word", "Barcelona2024", ""},
		{"base64", "binary", "AAECAwQFBgcICQoL", ""},
		{"base64", "token", "dXNlcjpwYXNzd29yZA==", ""},
		// A name longer than any file system allows, cancelled by "..".
		{"overlong name", "slash", long + "/../x", RuleDotDot},
		{"overlong name", "rooted backslash", `\` + long + `\..\`, RuleDotDot},
		{"overlong name", "short name", "QQQQ/../x", ""},
		{"overlong name", "long prose", strings.Repeat("so it goes ", 30) + "/../x", ""},
		{"overlong name", "long name no step", "/" + long + "/x", ""},
		// Unix system trees: all of /usr and /var.
		{"system trees", "usr local", "/usr/local/etc/php.conf", RuleSensitive},
		{"system trees", "usr ports", "/usr/ports/ftp/x/", RuleSensitive},
		{"system trees", "var lock", "/var/lock/x", RuleSensitive},
		{"system trees", "var file", "/var/mysql.log", RuleSensitive},
		{"system trees", "user route", "/user/profile", ""},
		{"system trees", "variables", "/variables/x", ""},
		{"system trees", "bare usr", "/usr", ""},
		{"system trees", "api path", "api/usr/x", ""},
		// macOS volume roots.
		{"volume root", "system disk", "/Volumes/Macintosh HD/usr/local/x", RuleSensitive},
		{"volume root", "etc below", "/Volumes/Data/etc/hosts", RuleSensitive},
		{"volume root", "volumes route", "/volumes/vol-1/usr", ""},
		// Windows install roots.
		{"windows roots", "program files", `C:\Program Files\`, RuleSensitive},
		{"windows roots", "x86", `d:/Program Files (x86)/x`, RuleSensitive},
		{"windows roots", "appserv", `c:\AppServ\MySQL`, RuleSensitive},
		{"windows roots", "xampp", `C:\xampp\php\x`, RuleSensitive},
		{"windows roots", "upload path", `C:\Documents and Settings\bob\Desktop\photo.jpg`, ""},
		{"windows roots", "users", `C:\Users\bob\report.pdf`, ""},
		{"windows roots", "prose", "programdata science", ""},
		// Home-directory secrets.
		{"home secrets", "xauthority", "/.Xauthority", RuleSensitive},
		{"home secrets", "git credentials", "~/.git-credentials", RuleSensitive},
		{"home secrets", "kube dir", "../.kube/config", RuleDotDot},
		{"home secrets", "kube config", "/home/x/.kube/config", RuleSensitive},
		{"home secrets", "npmrc", ".npmrc", RuleSensitive},
		{"home secrets", "npmrc lookalike", ".npmrc-template.md", ""},
		// Absolute paths to log files.
		{"log files", "logs", "/logs/ftpd.log", RuleSensitive},
		{"log files", "drive", `c:\logs\ex.log`, RuleSensitive},
		{"log files", "relative", "logs/app.log", ""},
		{"log files", "url", "https://example.com/logs/app.log", ""},
		{"log files", "changelog", "/docs/changelog", ""},
		{"log files", "dir only", "/x/.log", ""},
	} {
		t.Run(tc.class+"/"+tc.name, func(t *testing.T) {
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
		"…/", "..2f", "L2V0Yy9wYXNzd2Q=", "Li4vLi4veA", "/Volumes/x/usr/y", "/a.log",
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

// BenchmarkDetectToken measures base64-shaped clean values (ids, tokens,
// words), which are decoded and checked.
func BenchmarkDetectToken(b *testing.B) {
	tokens := []string{"Barcelona2024", "dXNlcjpwYXNzd29yZA==", "9f86d081884c7d659a2feaa0c55ad015", "aGVsbG8vd29ybGQ="}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Detect(tokens[i%len(tokens)])
	}
}

func TestEscapes(t *testing.T) {
	for v, want := range map[string]bool{
		"my avatar is at ../../../../etc/passwd":                    true,
		"see attachment: ....//....//....//etc/passwd":              true,
		"holiday pics/2023/../../../../../../etc/passwd":            true,
		`My CV final version..\..\..\..\windows\win.ini`:            true,
		"Check ../docs/setup.md for the steps, section 3":           false,
		"When I upload a file called ../README.md the preview":      false,
		"Just a heads up: ../../ in the import path means two up.":  false,
		"The test reads ../../testdata/golden.json; move it please": false,
		"The logs are in /var/log/nginx/access.log on the box":      false,
	} {
		if got := Escapes(v); got != want {
			t.Errorf("Escapes(%q) = %v, want %v", v, got, want)
		}
	}
}
