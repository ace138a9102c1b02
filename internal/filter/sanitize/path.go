package sanitize

import "bytes"

// pathRules detect server file-system paths: install and deploy roots, and absolute
// source file references with a line number.
func pathRules() []rule {
	rules := literals(InternalPath,
		"/usr/local/go/src/",
		"/go/pkg/mod/",
		"/usr/lib/python",
		"/usr/local/lib/python",
		"/site-packages/",
		"/dist-packages/",
		"/node_modules/",
		"/var/www/",
		"/WEB-INF/",
		`C:\inetpub\`,
		`C:\Users\`,
		`C:\Windows\Microsoft.NET\`,
	)
	// Line references in the formats runtimes print: "x.go:12", `x.py", line 3`,
	// "x.php on line 7", "x.cs:line 42". ":" is listed once per digit so that the index
	// skips the colons of JSON objects cheaply.
	for d := '0'; d <= '9'; d++ {
		rules = append(rules, rule{":" + string(d), InternalPath, isSourceRef})
	}
	return append(rules,
		rule{`", line `, InternalPath, isSourceRefDigits},
		rule{" on line ", InternalPath, isSourceRefDigits},
		rule{":line ", InternalPath, isSourceRefDigits},
	)
}

// sourceExts are the source file extensions isSourceRef accepts.
var sourceExts = []string{
	".go", ".py", ".rb", ".php", ".js", ".mjs", ".cjs", ".ts", ".java", ".kt", ".scala",
	".cs", ".vb", ".ex", ".exs", ".rs", ".c", ".cpp",
}

// isSourceRef reports whether before ends with an absolute path to a source file.
func isSourceRef(before, _ []byte) bool {
	if len(before) == 0 || !isLetter(before[len(before)-1]) {
		return false // the common case in JSON: `"id":1`
	}
	ext := false
	for _, e := range sourceExts {
		if bytes.HasSuffix(before, []byte(e)) {
			ext = true
			break
		}
	}
	return ext && isAbsPath(pathToken(before))
}

// isSourceRefDigits is isSourceRef for formats whose line number follows the marker.
func isSourceRefDigits(before, after []byte) bool {
	return digitsAt(after) > 0 && isSourceRef(before, after)
}

// pathToken returns the token that ends t: the bytes after the last separator.
func pathToken(t []byte) []byte {
	start := max(0, len(t)-512)
	if i := bytes.LastIndexAny(t[start:], " \t\r\n\"'`()<>[]{},="); i >= 0 {
		start += i + 1
	}
	return t[start:]
}

// isAbsPath reports whether tok is an absolute Unix or Windows path, not a URL.
func isAbsPath(tok []byte) bool {
	abs := len(tok) > 1 && tok[0] == '/' ||
		len(tok) > 3 && isLetter(tok[0]) && tok[1] == ':' && (tok[2] == '\\' || tok[2] == '/')
	return abs && !bytes.Contains(tok, []byte("://"))
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
