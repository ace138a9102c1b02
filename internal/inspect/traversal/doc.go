// Package traversal detects path traversal and local file inclusion in
// request values and multipart file names. It is one of the string
// detectors of the injection inspector (internal/inspect), which decodes
// each value once and calls Detect on it.
//
// The threat: a value used as (part of) a file path reads or includes a file
// outside the directory the application meant: "../../etc/passwd",
// "..\..\windows\win.ini", "....//....//etc/passwd" after a filter strips
// "../" once, "php://filter/convert.base64-encode/resource=index.php",
// "/proc/self/environ", "report.pdf\x00.png". Detect reports:
//   - traversal.dotdot: a ".." step that climbs above where the path starts.
//     Components are counted down the tree, so "reports/2024/../2023" stays
//     inside and passes while "../x" and "a/../../x" do not. Runs of more
//     dots followed by a separator ("....//"), Tomcat's "..;/", ".." before
//     a NUL and a path that starts after '=' or ':' ("file=../x") count too;
//     an ellipsis in prose ("wait... /", "with ..") does not. A ".." that
//     cancels a name longer than any file system allows (255 bytes, path
//     truncation tricks: "AAAA…/../x") counts even when it does not climb.
//   - traversal.sensitive: a path into a system location, by class: Unix
//     configuration, process, device and log trees (/etc, /proc, /sys, /dev,
//     /root, /boot, all of /usr and /var, also below a macOS volume root
//     /Volumes/<disk>), Windows system, IIS and AMP-stack directories
//     (C:\Windows, \winnt, \system32, \inetpub, repair, Program Files,
//     ProgramData, AppServ, XAMPP, WampServer, %SYSTEMROOT%, \\?\ device
//     paths), well-known secret and configuration files wherever they are
//     (boot.ini, win.ini, web.config, global.asa, .htaccess/.htpasswd,
//     WEB-INF/META-INF, id_rsa, authorized_keys, shell history and rc files,
//     .Xauthority, .git, .env, .aws, .kube, .npmrc, wp-config.php, php.ini,
//     web server logs), and an absolute path to a *.log file (log
//     poisoning). A Unix directory counts only when it starts an absolute
//     path, so https://example.com/etc/x passes; a name counts only whole, so
//     .gitignore and .github pass.
//   - traversal.wrapper: PHP stream wrappers and file URLs (php://, phar://,
//     zip://, expect://, glob://, compress.*://, file:/..., data:// and
//     data:text/plain carrying PHP).
//   - traversal.nul: a NUL byte in a path-like value (truncation).
//
// Before the rules run, what a lax decoder on the way to the file system
// might still read as a dot or a separator is normalized (normalize.go):
// slash look-alikes (U+2215, U+2216, private-use code points), overlong
// UTF-8 read without checking continuation bits (%c0%2e, %c1%1c), percent
// escapes with non-hex digits, spelled-out 0x2e/0x2f/0x5c, the NFKC
// compatibility forms of the dot ("…" is "..."); escapes whose '%' was
// stripped ("..2f", encoded.go); a stray '%' after a ".." is ignored. A
// value that is a single base64 token is also decoded and judged, as
// applications that take base64 file names decode them
// (L2V0Yy9wYXNzd2Q= is /etc/passwd); it is reported under the rule the
// decoded text triggers. Benign
// values (URLs, relative paths without "..", versions 1.2.3, dates, MIME
// types) contain none of these classes.
package traversal
