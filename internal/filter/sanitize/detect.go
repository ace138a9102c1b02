package sanitize

import "bytes"

// Leak names a kind of implementation detail found in an error body. Values are stable:
// they appear in logs, metrics and audit events.
type Leak string

// Kinds of leak Detect reports, in the order it reports them.
const (
	// StackTrace is a runtime stack trace or panic message (Go, Java/Kotlin, Python,
	// Node.js, .NET, Ruby, PHP).
	StackTrace Leak = "stack_trace"
	// SQLError is database error text (MySQL, PostgreSQL, Oracle, SQL Server, SQLite,
	// and the common driver and ORM exception names).
	SQLError Leak = "sql_error"
	// DebugPage is a framework's development error page (Django, Werkzeug, Laravel,
	// Rails, ASP.NET, Spring Boot, Express, Symfony).
	DebugPage Leak = "debug_page"
	// InternalPath is a server file-system path: a known install or deploy root
	// (/var/www/, site-packages/, node_modules/, C:\inetpub\) or an absolute source file
	// reference with a line number.
	InternalPath Leak = "internal_path"
)

// MaxScan is how many leading bytes of a body Detect examines. Traces start near the top
// of an error body; the bound keeps the cost per response fixed.
const MaxScan = 64 << 10

// Detect reports what leaks in an error body of any content type (JSON, HTML, text), each
// kind at most once, in the order of the Leak constants; nil when nothing leaks. It
// examines at most the first MaxScan bytes and never modifies body.
func Detect(body []byte) []Leak {
	if len(body) > MaxScan {
		body = body[:MaxScan]
	}
	found := index.scan(normalize(body))
	var leaks []Leak
	for i, kind := range order {
		if found&(1<<i) != 0 {
			leaks = append(leaks, kind)
		}
	}
	return leaks
}

// lines calls f with each line of t (without its '\n') and its leading whitespace
// removed, and the width of that whitespace, until f returns true.
func lines(t []byte, f func(line []byte, indent int) bool) bool {
	for len(t) > 0 {
		line := t
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			line, t = t[:i], t[i+1:]
		} else {
			t = nil
		}
		trimmed := bytes.TrimLeft(line, " \t\r")
		if f(trimmed, len(line)-len(trimmed)) {
			return true
		}
	}
	return false
}

// lineTail returns the end of before's last line, at most limit bytes.
func lineTail(before []byte, limit int) []byte {
	start := max(0, len(before)-limit)
	if j := bytes.LastIndexByte(before[start:], '\n'); j >= 0 {
		start += j + 1
	}
	return before[start:]
}

// lineHead returns the start of after's first line, at most limit bytes.
func lineHead(after []byte, limit int) []byte {
	after = after[:min(len(after), limit)]
	if j := bytes.IndexByte(after, '\n'); j >= 0 {
		return after[:j]
	}
	return after
}

// indentOf reports whether before ends with a line's leading whitespace (or is all
// whitespace), and that whitespace's width. It walks back at most 256 bytes.
func indentOf(before []byte) (int, bool) {
	n := 0
	for i := len(before) - 1; i >= 0 && n < 256; i-- {
		switch before[i] {
		case ' ', '\t', '\r':
			n++
		case '\n':
			return n, true
		default:
			return 0, false
		}
	}
	return n, n < 256
}

// digitsAt returns how many ASCII digits start b.
func digitsAt(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}
