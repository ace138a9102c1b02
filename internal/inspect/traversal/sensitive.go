package traversal

import "strings"

// The sensitive locations are stated by class, from how Unix, Windows and
// Java/.NET/PHP servers lay out their files, not from payload lists.

// systemDirs are directories of a Unix system whose files an application
// never serves: configuration (/etc), process and kernel state (/proc,
// /sys), devices (/dev), the administrator's home (/root), the boot loader
// (/boot), the installed system and its local additions (/usr: binaries,
// libraries, /usr/local/etc, ports and package trees), and the variable
// state of the system (/var: logs for log poisoning, mail, spools, locks,
// databases, the web roots of other sites). They
// count when they start an absolute path (after a root separator, a dot-dot
// chain or a drive) and something follows them.
var systemDirs = []string{
	"etc", "proc", "sys", "dev", "root", "boot", "private/etc", "private/var",
	"usr", "var",
}

// etcFiles are files of /etc named in stripped-separator form ("etcpasswd")
// and in relative form ("etc/passwd").
var etcFiles = []string{
	"passwd", "shadow", "group", "hosts", "issue", "hostname", "sudoers",
	"crontab", "fstab", "master.passwd", "resolv.conf", "motd", "network",
	"httpd", "apache", "nginx", "mysql", "ssh", "security", "php",
}

// windowsDirs are system directories of a Windows installation and of IIS,
// and the install roots of the Windows AMP stacks (AppServ, XAMPP, WampServer)
// whose MySQL, Apache and PHP configuration sits below them.
var windowsDirs = []string{
	"windows", "winnt", "system32", "inetpub", "repair",
	"program files", "program files (x86)", "programdata",
	"appserv", "xampp", "wamp", "wamp64",
}

// secretNames are files and directories that hold secrets or server
// configuration wherever they are: Windows boot/ini files, IIS and ASP.NET
// configuration, Apache per-directory files, Java's WEB-INF/META-INF, key,
// credential and history files of home directories (shell, X11, package
// registries, cloud tools), version-control and cloud credentials, PHP
// configuration. A name counts when it ends there (end of the value, a
// separator, ...): ".git/config" and ".ssh" do, ".gitignore" and ".github"
// do not.
var secretNames = []string{
	"ntuser.dat", "unattend.xml", "sysprep.inf",
	"web.config", "applicationhost.config",
	".htaccess", ".htpasswd",
	"tomcat-users.xml",
	".ssh", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "authorized_keys", "known_hosts",
	".bash_history", ".zsh_history", ".sh_history", ".mysql_history", ".psql_history",
	".python_history", ".node_repl_history", ".lesshst", ".viminfo",
	".bashrc", ".profile", ".bash_profile", ".cshrc", ".login", ".logout", ".forward",
	".rhosts", ".shosts", ".passwd", "master.passwd",
	".xauthority", ".gnupg",
	".git", ".git-credentials", ".svn", ".aws", ".env", ".netrc", ".pgpass", ".docker",
	".kube", ".npmrc", ".pypirc", ".s3cfg", ".boto",
	"wp-config.php", "php.ini", "httpd.conf", "my.cnf",
	// Web server logs, the target of log poisoning.
	"access_log", "error_log", "access.log", "error.log",
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
	if distinctiveName(v) || logPath(v) {
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
		if s[0] == first && hasPrefixFold(rest, s) && ends(rest[len(s):]) {
			return true
		}
	}
	switch first {
	case 'e', 'p', 's', 'd', 'r', 'b', 'u', 'v', 'w', 'i', 'a', 'x':
	default:
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
	for i > 0 && (v[i-1] == '/' || v[i-1] == '\\') {
		i--
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
	return !isAlnum(c) && c != '-' && c != '_' || volumeRoot(v[:i])
}

// volumeRoot reports a macOS volume mount point, "/Volumes/<name>": every
// mounted disk, the system disk included, is a whole file system below it.
func volumeRoot(s string) bool {
	if len(s) < 10 || sepLen(s, 0) == 0 || !hasPrefixFold(s[1:], "volumes") || sepLen(s, 8) == 0 {
		return false
	}
	name := s[9:]
	return name != "" && strings.IndexAny(name, "/\\") < 0
}

// logPath reports an absolute path to a log file ("/logs/ftpd.log",
// "c:\\logs\\x.log"): the target of log poisoning, where a request first
// writes PHP into a log and then includes it.
func logPath(v string) bool {
	if len(v) < 6 || !hasSuffixFold(v, ".log") {
		return false
	}
	if sepLen(v, 0) == 0 && !(isDrive(v) && len(v) > 2 && sepLen(v, 2) > 0) {
		return false
	}
	k := strings.LastIndexAny(v, "/\\")
	return k >= 0 && len(v)-k > len(".log")+1
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
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
