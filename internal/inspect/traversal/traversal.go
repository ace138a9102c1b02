package traversal

import "strings"

// Rule ids reported by Detect.
const (
	// RuleDotDot: a ".." path segment (any run of two or more dots between
	// separators, "..;/", or ".." ending the value after a separator).
	RuleDotDot = "traversal.dotdot"
	// RuleSensitive: a path into a system location (/etc, /proc, /var/log,
	// C:\Windows, WEB-INF, ~/.ssh, ...) or a well-known secret or
	// configuration file (boot.ini, web.config, .htpasswd, id_rsa, ...).
	RuleSensitive = "traversal.sensitive"
	// RuleWrapper: a stream wrapper or file URL (php://, file:/, phar://,
	// zip://, expect://, data:// ...) that makes an include read or run
	// something other than the intended file.
	RuleWrapper = "traversal.wrapper"
	// RuleNUL: a NUL byte in a path-like value, which truncates the path in
	// C-string APIs ("../../etc/passwd\x00.png" passes a suffix check).
	RuleNUL = "traversal.nul"
)

// Byte classes for the pre-filter.
const (
	cDot    = 1 << iota // '.'
	cSep                // '/', '\\'
	cColon              // ':'
	cNUL                // 0x00
	cHigh               // a non-ASCII byte (look-alike separators, broken escapes)
	cPct                // '%' (Windows environment variables, undecodable escapes)
	cHex                // '0' ("0x2f" spelled-out escapes)
	cNotB64             // a byte that cannot be part of a base64 token
)

var classes = func() (t [256]uint8) {
	for c := 0; c < 0x100; c++ {
		if b64Value[c] == 0xFF && c != '=' {
			t[c] = cNotB64
		}
	}
	t['.'] |= cDot
	t['/'] |= cSep
	t['\\'] |= cSep
	t[':'] |= cColon
	t[0] |= cNUL
	for c := 0x80; c < 0x100; c++ {
		t[c] |= cHigh
	}
	t['%'] |= cPct
	t['0'] |= cHex
	return t
}()

// scan returns the classes of the bytes of v.
func scan(v string) uint8 {
	var seen uint8
	for i := 0; i < len(v); i++ {
		seen |= classes[v[i]]
	}
	return seen
}

// Detect reports whether v, a decoded value, carries path traversal or local
// file inclusion. A value that is one base64 token is also judged decoded.
// Values without any of the bytes these attacks need ('.', '/', '\\', ':',
// '%', NUL, non-ASCII) and not base64-shaped return after one scan without
// allocating.
func Detect(v string) (rule string, hit bool) {
	seen := scan(v)
	if seen&^cNotB64 != 0 {
		if rule, hit := detect(v, seen); hit {
			return rule, true
		}
	}
	if seen&cNotB64 == 0 && len(v) >= minB64 {
		if t, ok := base64Text(v); ok {
			return detect(t, scan(t))
		}
	}
	return "", false
}

// detect applies the rules to v, whose byte classes are seen.
func detect(v string, seen uint8) (rule string, hit bool) {
	if seen&(cHigh|cPct|cHex) != 0 {
		if n, changed := normalize(v); changed {
			v = n
			seen = scan(v)
		}
	}
	if seen&cDot != 0 {
		if n, changed := unstrip(v); changed {
			v = n
			seen |= cSep
		}
		if dotDot(v) {
			return RuleDotDot, true
		}
	}
	if seen&cColon != 0 && wrapper(v) {
		return RuleWrapper, true
	}
	if seen&cNUL != 0 && seen&(cDot|cSep) != 0 {
		return RuleNUL, true
	}
	if seen&(cDot|cSep|cColon|cPct) != 0 && !webURL(v) && sensitive(v, seen) {
		return RuleSensitive, true
	}
	return "", false
}

// webURL reports an http(s) URL: it names a remote resource, not a local
// file, so only its dot-dot steps (checked above) matter here.
func webURL(v string) bool {
	return (hasPrefixFold(v, "https://") || hasPrefixFold(v, "http://")) && strings.IndexByte(v, '\\') < 0
}

// sepLen returns the length of the path separator at v[i], or 0.
func sepLen(v string, i int) int {
	if v[i] == '/' || v[i] == '\\' {
		return 1
	}
	return 0
}

// sepBefore reports whether a separator ends just before v[i].
func sepBefore(v string, i int) bool {
	return i > 0 && (v[i-1] == '/' || v[i-1] == '\\')
}

// dotDot finds a parent-directory step that climbs above where the path
// starts: components are counted down a directory tree, a ".." component
// (or a longer run of dots followed by a separator, "....//" being what a
// filter that removes "../" once turns into "../"; also "..;" as Tomcat
// reads it, and ".." before a NUL) goes one up, and the value is flagged
// when it goes above its start. "reports/2024/../2023" stays inside and
// passes; "../x", "a/../../x", "x=..\\y" do not. A dot run glued to the end
// of a word is an ellipsis, not a component.
func dotDot(v string) bool {
	if !strings.Contains(v, "..") {
		return false
	}
	depth := 0
	long := false // the previous component is longer than any file name
	for i := 0; i <= len(v); {
		j := i
		for j < len(v) && sepLen(v, j) == 0 {
			j++
		}
		comp := v[i:j]
		followed := j < len(v)
		switch parent(comp, followed) {
		case stepUp:
			depth--
			if depth < 0 || long {
				return true
			}
		case freshUp:
			// "file=../x": flagged when a name follows the separator, so
			// that prose ("with ..") and markup (href="../">) pass.
			if k := j + 1; followed && k < len(v) && nameStart(v[k]) {
				return true
			}
		case stepDown:
			depth++
		}
		if comp != "" && comp != "." {
			long = overlongName(comp)
		}
		if j == len(v) {
			break
		}
		i = j + 1
	}
	return false
}

// nameMax is the longest file name Linux (NAME_MAX), NTFS and the other
// common file systems allow, in bytes.
const nameMax = 255

// overlongName reports a component no file system can hold: longer than
// nameMax, without white space (prose is not a path). A ".." after it
// is path truncation or normalization trickery: the step cancels a
// directory that cannot exist, so "AAAA…(300)/../x" is flagged though it
// does not climb.
func overlongName(comp string) bool {
	if len(comp) <= nameMax {
		return false
	}
	return strings.IndexAny(comp, " \t\r\n") < 0
}

// nameStart reports a byte that can begin a file or directory name, or a
// further traversal step.
func nameStart(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '~' || c == '$' || c == '%' || c == '{' || c == '/' || c == '\\'
}

type step int

const (
	stepNone step = iota // empty or "."
	stepDown             // a name
	stepUp               // ".."
	freshUp              // a new path starts inside the component and goes up: "file=.."
)

// parent classifies one path component; followed says a separator follows.
func parent(comp string, followed bool) step {
	if comp == "" || comp == "." {
		return stepNone
	}
	// Trailing ';' parameters, NULs and stray '%' (after decoding, a '%'
	// that starts no escape, which lax decoders drop) do not change the
	// component.
	end := len(comp)
	if k := strings.IndexAny(comp, ";\x00%"); k >= 0 {
		end = k
	}
	d := end
	for d > 0 && comp[d-1] == '.' {
		d--
	}
	dots := end - d
	if dots < 2 || dots > 2 && !followed && end == len(comp) {
		return stepDown
	}
	if d == 0 {
		return stepUp
	}
	switch comp[d-1] {
	case '=', ':', ' ', '\'', '"', '(', ',', '<', '>', '|', ';':
		return freshUp
	}
	return stepDown
}

// wrapper finds a PHP stream wrapper or a file URL at the start of the value
// or after a non-alphanumeric byte.
func wrapper(v string) bool {
	for i := strings.IndexByte(v, ':'); i >= 0; {
		s := i - 1
		for s >= 0 && (isAlnum(v[s]) || v[s] == '.') {
			s--
		}
		scheme := v[s+1 : i]
		rest := v[i+1:]
		if isWrapper(scheme, rest) {
			return true
		}
		n := strings.IndexByte(rest, ':')
		if n < 0 {
			return false
		}
		i += 1 + n
	}
	return false
}

// Stream wrappers that make include/fopen read an archive, a compressed
// stream, a remote shell or a glob instead of the intended file.
var slashWrappers = []string{
	"php", "phar", "zip", "expect", "glob", "rar", "ogg", "zlib",
	"compress.zlib", "compress.bzip2", "ssh2.shell", "ssh2.exec", "ssh2.sftp",
}

// isWrapper judges one "scheme:rest".
func isWrapper(scheme, rest string) bool {
	if len(scheme) < 3 || len(scheme) > 16 {
		return false
	}
	switch scheme[0] | 0x20 {
	case 'p', 'z', 'e', 'g', 'r', 'o', 'c', 's', 'f', 'j', 'n', 'd':
	default:
		return false
	}
	slashes := strings.HasPrefix(rest, "//")
	for _, w := range slashWrappers {
		if strings.EqualFold(scheme, w) {
			return slashes
		}
	}
	switch {
	case strings.EqualFold(scheme, "file"):
		// file:/etc/passwd, file:///c:/..., file:c:\..., file:..\..
		if rest == "" {
			return false
		}
		c := rest[0]
		return c == '/' || c == '\\' || c == '.' || isDrive(rest)
	case strings.EqualFold(scheme, "jar"), strings.EqualFold(scheme, "netdoc"):
		return hasPrefixFold(rest, "file:") || slashes
	case strings.EqualFold(scheme, "data"):
		// PHP's data:// wrapper, or data:text/plain carrying PHP code.
		return slashes || hasPrefixFold(rest, "text/plain") &&
			(strings.Contains(rest, "<?") || strings.Contains(rest, "PD9"))
	}
	return false
}

// isDrive reports a Windows drive prefix: a letter, ':' and a separator or
// the path itself.
func isDrive(s string) bool {
	return len(s) >= 2 && isAlpha(s[0]) && s[1] == ':'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isAlnum(c byte) bool { return isAlpha(c) || '0' <= c && c <= '9' }

// Escapes reports whether v, joined to a directory the way an application
// joins a name to its upload or template directory and resolved lexically,
// climbs out of that directory. The encodings and strip-bypass spellings
// Detect reads are undone first; '/' and '\' both separate, a segment of
// two or more dots (or "..;") climbs one level. For a value that reads as
// natural language this is the complete traversal: text before the path
// ("my avatar is at ../../../../etc/passwd") is one more directory level,
// and a path mentioned mid-sentence ("Check ../docs/setup.md for the
// steps", "the logs are in /var/log/nginx") opens nothing outside it.
func Escapes(v string) bool {
	if n, changed := normalize(v); changed {
		v = n
	}
	if n, changed := unstrip(v); changed {
		v = n
	}
	depth := 0
	for i := 0; i <= len(v); {
		j := i
		for j < len(v) && v[j] != '/' && v[j] != '\\' {
			j++
		}
		switch seg := strings.TrimSuffix(v[i:j], ";"); {
		case seg == "" || seg == ".":
		case strings.Trim(seg, ".") == "":
			if depth--; depth < 0 {
				return true
			}
		default:
			depth++
		}
		i = j + 1
	}
	return false
}
