package traversal

import "strings"

// The sensitive locations are stated by class, from how Unix, Windows and
// Java/.NET/PHP servers lay out their files, not from payload lists.

// systemDirs are directories of a Unix system whose files an application
// never serves: configuration (/etc, /usr/local/etc), process and kernel
// state (/proc, /sys), devices (/dev), the administrator's home (/root),
// the boot loader (/boot), control-panel and spool trees. They
// count when they start an absolute path (after a root separator, a dot-dot
// chain or a drive) and something follows them.
var systemDirs = []string{
	"etc", "proc", "sys", "dev", "root", "boot", "private/etc", "private/var",
	"usr/etc", "usr/local/etc", "usr/local/apache", "usr/local/cpanel", "usr/spool",
	"usr/lib/security", "usr/adm",
}

// varDirs are the /var subdirectories that hold logs (log poisoning), mail,
// spools, databases and the web root of other sites.
var varDirs = []string{"log", "www", "mail", "spool", "run", "lib", "backups", "adm", "db", "apache", "cpanel", "cron"}

// etcFiles are files of /etc named in stripped-separator form ("etcpasswd")
// and in relative form ("etc/passwd").
var etcFiles = []string{
	"passwd", "shadow", "group", "hosts", "issue", "hostname", "sudoers",
	"crontab", "fstab", "master.passwd", "resolv.conf", "motd", "network",
	"httpd", "apache", "nginx", "mysql", "ssh", "security", "php",
}

// windowsDirs are system directories of a Windows installation and of IIS.
var windowsDirs = []string{"windows", "winnt", "system32", "inetpub", "repair"}

// secretNames are files and directories that hold secrets or server
// configuration wherever they are: Windows boot/ini files, IIS and ASP.NET
// configuration, Apache per-directory files, Java's WEB-INF/META-INF, key and
// history files in home directories, version-control and cloud credentials,
// PHP configuration. dir marks a directory: anything below it counts too.
var secretNames = []struct {
	name string
	dir  bool
}{
	{"ntuser.dat", false}, {"unattend.xml", false}, {"sysprep.inf", false},
	{"web.config", false}, {"applicationhost.config", false},
	{".htaccess", false}, {".htpasswd", false},
	{"tomcat-users.xml", false},
	{".ssh", true}, {"id_rsa", false}, {"id_dsa", false}, {"id_ecdsa", false},
	{"id_ed25519", false}, {"authorized_keys", false},
	{".bash_history", false}, {".zsh_history", false}, {".mysql_history", false},
	{".bashrc", false}, {".profile", false}, {".bash_profile", false}, {".cshrc", false},
	{".login", false}, {".logout", false}, {".sh_history", false}, {".forward", false},
	{".rhosts", false}, {".shosts", false}, {".passwd", false}, {"master.passwd", false},
	{".git", true}, {".svn", true}, {".aws", true}, {".env", false},
	{".netrc", false}, {".pgpass", false}, {".docker", true},
	{"wp-config.php", false}, {"php.ini", false}, {"httpd.conf", false},
	{"my.cnf", false},
	// Web server logs, the target of log poisoning.
	{"access_log", false}, {"error_log", false}, {"access.log", false}, {"error.log", false},
}

// distinctiveName finds names that no ordinary text contains anywhere in the
// value, so that a filter that strips separators ("c:windowswin.ini",
// "....web-infweb.xml") does not hide them: the Windows boot and ini files
// and IIS's global.asa (followed by the end of the name), and Java's WEB-INF
// and META-INF directories. It looks only where a '.' or '-' is.
func distinctiveName(v string) bool {
	for i := 0; i+4 <= len(v); i++ {
		switch v[i] {
		case '.':
			ext := v[i+1 : i+4]
			var names []string
			switch {
			case strings.EqualFold(ext, "ini"):
				names = []string{"boot", "win", "system"}
			case strings.EqualFold(ext, "asa"):
				names = []string{"global"}
			default:
				continue
			}
			if !ends(v[i+4:]) {
				continue
			}
			for _, n := range names {
				if i >= len(n) && strings.EqualFold(v[i-len(n):i], n) {
					return true
				}
			}
		case '-':
			if strings.EqualFold(v[i+1:i+4], "inf") &&
				(i >= 3 && strings.EqualFold(v[i-3:i], "web") || i >= 4 && strings.EqualFold(v[i-4:i], "meta")) {
				return true
			}
		}
	}
	return false
}

// windowsVars are environment variables that expand to Windows system
// locations.
var windowsVars = []string{"%systemroot%", "%windir%", "%systemdrive%", "%comspec%"}

// sensitive checks every path component of v: at the start, after each
// separator, after a run of two or more dots (a filter that strips the
// separators leaves "....etcpasswd") and after a drive letter.
func sensitive(v string, seen uint8) bool {
	if seen&cPct != 0 {
		for _, w := range windowsVars {
			if containsFold(v, w) {
				return true
			}
		}
	}
	if strings.HasPrefix(v, `\\?\`) || strings.HasPrefix(v, `\\.\`) {
		return true
	}
	if distinctiveName(v) {
		return true
	}
	for p := 0; p < len(v); {
		if component(v, p) {
			return true
		}
		// Advance to the next component start.
		q := p
		for q < len(v) {
			if n := sepLen(v, q); n > 0 {
				q += n
				break
			}
			if v[q] == '.' && q+1 < len(v) && v[q+1] == '.' {
				for q < len(v) && v[q] == '.' {
					q++
				}
				break
			}
			if v[q] == ':' && q > 0 && isAlpha(v[q-1]) && (q == 1 || !isAlnum(v[q-2])) {
				q++
				break
			}
			q++
		}
		if q == p {
			q++
		}
		p = q
	}
	return false
}

// component judges the path component starting at v[p].
func component(v string, p int) bool {
	rest := v[p:]
	if rest == "" {
		return false
	}
	first := rest[0] | 0x20
	if !isAlpha(rest[0]) && rest[0] != '.' && rest[0] != '%' {
		return false
	}
	for _, s := range secretNames {
		if s.name[0] == first && hasPrefixFold(rest, s.name) && (s.dir || ends(rest[len(s.name):])) {
			return true
		}
	}
	if first != 'e' && first != 'p' && first != 's' && first != 'd' && first != 'r' &&
		first != 'b' && first != 'u' && first != 'v' && first != 'w' && first != 'i' {
		return false // no system directory starts with another letter
	}
	root := rooted(v, p)
	if etcPath(rest, root) {
		return true
	}
	if !root {
		return false
	}
	for _, d := range systemDirs {
		if hasPrefixFold(rest, d) {
			after := rest[len(d):]
			if n := leadingSep(after); n > 0 && n < len(after) {
				return true
			}
		}
	}
	if hasPrefixFold(rest, "var") {
		if n := leadingSep(rest[3:]); n > 0 {
			sub := rest[3+n:]
			for _, d := range varDirs {
				if hasPrefixFold(sub, d) && ends(sub[len(d):]) {
					return true
				}
			}
		}
	}
	for _, d := range windowsDirs {
		if hasPrefixFold(rest, d) && ends(rest[len(d):]) {
			return true
		}
	}
	return false
}

// etcPath: etc in stripped or relative form ("etcpasswd", "....etcpasswd",
// "etc/passwd"), or anything below a rooted /etc.
func etcPath(rest string, root bool) bool {
	if !hasPrefixFold(rest, "etc") {
		return false
	}
	after := rest[3:]
	if n := leadingSep(after); n > 0 {
		if root && n < len(after) {
			return true
		}
		after = after[n:]
	}
	for _, f := range etcFiles {
		if hasPrefixFold(after, f) && ends(after[len(f):]) {
			return true
		}
	}
	return false
}

// rooted reports whether the component at v[p] starts an absolute path: it
// follows a separator that is not inside a URL or word (the byte before the
// separator run is not alphanumeric), a dot-dot chain, or a drive letter.
func rooted(v string, p int) bool {
	if p == 0 {
		return false
	}
	i := p
	seps := 0
	for i > 0 {
		if i >= 3 && v[i-3] == 0xE2 && sepLen(v, i-3) == 3 {
			i -= 3
		} else if v[i-1] == '/' || v[i-1] == '\\' {
			i--
		} else {
			break
		}
		seps++
	}
	if seps == 0 {
		// Directly after dots ("....etc") or a drive ("c:windows").
		return v[p-1] == '.' || v[p-1] == ':'
	}
	if i == 0 {
		return true
	}
	c := v[i-1]
	if c == ':' {
		// A drive (c:\), or file:/ — but not a URL authority (http://host/).
		return i >= 2 && isAlpha(v[i-2]) && (i == 2 || !isAlnum(v[i-3])) || seps != 2
	}
	return !isAlnum(c) && c != '-' && c != '_'
}

// ends reports whether a name stops where s begins: at the end of the value,
// a separator or a byte that cannot continue a file name.
func ends(s string) bool {
	if s == "" || leadingSep(s) > 0 {
		return true
	}
	switch s[0] {
	case 0, ';', '?', '#', '%', ' ', '"', '\'', ')', '&', ',', '>', '<', '|', '\t', '\r', '\n':
		return true
	}
	return false
}

func leadingSep(s string) int {
	n := 0
	for n < len(s) {
		k := sepLen(s, n)
		if k == 0 {
			break
		}
		n += k
	}
	return n
}

func containsFold(s, sub string) bool { return indexFold(s, sub) >= 0 }

// indexFold is a case-insensitive strings.Index for an ASCII sub.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
