package sanitize

import "bytes"

// stackRules detect runtime stack traces and panic messages.
func stackRules() []rule {
	rules := literals(StackTrace,
		"panic: runtime error:", // Go
		"/usr/local/go/src/",
		"http: panic serving",
		"Exception in thread \"",                        // Java
		"Traceback (most recent call last):",            // Python
		"at process.processTicksAndRejections",          // Node.js
		"--- End of stack trace from previous location", // .NET
		"--- End of inner exception stack trace ---",
	)
	return append(rules,
		rule{"at ", StackTrace, isFrameLine},
		rule{"panic: ", StackTrace, isGoPanicLine},
		rule{`File "`, StackTrace, isPythonFrame},
		rule{"Caused by: ", StackTrace, isCausedBy},
		rule{".go:", StackTrace, isGoFrame},
		rule{"goroutine ", StackTrace, isGoroutineHeader},
		rule{".rb:", StackTrace, isRubyFrame},
		rule{"Stack trace:", StackTrace, isPHPTrace},
		rule{"Fatal error", StackTrace, isPHPUncaught},
	)
}

// isFrameLine matches the frame lines of Java/Kotlin ("\tat"), .NET ("   at") and Node.js
// ("    at"). They are always indented, which keeps "at home" at the start of a support
// text from matching.
func isFrameLine(before, after []byte) bool {
	indent, ok := indentOf(before)
	if !ok || indent == 0 {
		return false
	}
	rest := lineHead(after, 1024)
	return isCallFrame(rest) || isNodeFrame(rest)
}

// isCallFrame matches "com.example.Foo.bar(Foo.java:42)" and
// "System.Data.SqlClient.SqlConnection.OnError(SqlException ex)": a qualified name
// followed directly by a parenthesized argument or location list.
func isCallFrame(rest []byte) bool {
	if len(rest) == 0 || !isIdentStart(rest[0]) {
		return false
	}
	dot := false
	for i, c := range rest {
		switch {
		case c == '(':
			return dot && bytes.IndexByte(rest[i:], ')') > 0
		case c == '.':
			dot = true
		case !isIdentByte(c):
			return false
		}
	}
	return false
}

// isNodeFrame matches "Object.<anonymous> (/app/index.js:10:5)", "/app/x.js:3:9" and
// "new Promise (<anonymous>)": a path ending in :line:column, or V8's markers.
func isNodeFrame(rest []byte) bool {
	if bytes.Contains(rest, []byte("(<anonymous>)")) || bytes.Contains(rest, []byte("(node:")) {
		return true
	}
	if bytes.IndexByte(rest, '/') < 0 && bytes.IndexByte(rest, '\\') < 0 {
		return false
	}
	for i := bytes.IndexByte(rest, ':'); i >= 0; {
		n := digitsAt(rest[i+1:])
		if n > 0 && i+1+n < len(rest) && rest[i+1+n] == ':' && digitsAt(rest[i+2+n:]) > 0 {
			return true
		}
		j := bytes.IndexByte(rest[i+1:], ':')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// isGoPanicLine matches "panic: ..." at column 0, where Go prints it, unlike "Don't
// panic: ..." in a sentence.
func isGoPanicLine(before, _ []byte) bool {
	indent, ok := indentOf(before)
	return ok && indent == 0
}

// isPythonFrame matches `File "/app/x.py", line 3, in handler` at a line start.
func isPythonFrame(before, after []byte) bool {
	if _, ok := indentOf(before); !ok {
		return false
	}
	rest := lineHead(after, 1024)
	i := bytes.Index(rest, []byte(`", line `))
	return i > 0 && digitsAt(rest[i+len(`", line `):]) > 0
}

// isCausedBy matches "Caused by: java.sql.SQLException: ..." at a line start: a dotted
// class name ending in Exception or Error, unlike "Caused by: heavy traffic".
func isCausedBy(before, after []byte) bool {
	if _, ok := indentOf(before); !ok {
		return false
	}
	rest := lineHead(after, 256)
	end := bytes.IndexAny(rest, ": \r")
	if end < 0 {
		end = len(rest)
	}
	name := rest[:end]
	return bytes.IndexByte(name, '.') > 0 &&
		(bytes.HasSuffix(name, []byte("Exception")) || bytes.HasSuffix(name, []byte("Error")))
}

// isGoFrame matches a Go frame's "/app/main.go:123 +0x1d".
func isGoFrame(_, after []byte) bool {
	n := digitsAt(after)
	return n > 0 && bytes.HasPrefix(after[n:], []byte(" +0x"))
}

// isGoroutineHeader matches "goroutine 17 [running]:" and its siblings ("[chan receive]").
func isGoroutineHeader(_, after []byte) bool {
	n := digitsAt(after)
	return n > 0 && bytes.HasPrefix(after[n:], []byte(" ["))
}

// isRubyFrame matches "/app/models/x.rb:12:in `foo'" (and Ruby 3.4's 'Foo#foo').
func isRubyFrame(_, after []byte) bool {
	n := digitsAt(after)
	return n > 0 && bytes.HasPrefix(after[n:], []byte(":in "))
}

// isPHPTrace matches "Stack trace:\n#0 /var/www/...".
func isPHPTrace(_, after []byte) bool {
	rest := bytes.TrimLeft(after[:min(len(after), 64)], " \t\r\n")
	return bytes.HasPrefix(rest, []byte("#0 "))
}

// isPHPUncaught matches "Fatal error: Uncaught ..." (PHP prints two spaces, or
// "</b>:  " in HTML, between the two).
func isPHPUncaught(_, after []byte) bool {
	return bytes.Contains(after[:min(len(after), 16)], []byte("Uncaught "))
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c == '<'
}

// isIdentByte accepts the bytes of JVM and CLR qualified names, including generics
// ("List`1", "Foo[T]"), lambdas ("<lambda>", "$1"), modules ("java.base/") and
// nested types ("Outer+Inner").
func isIdentByte(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '.' || c == '>' || c == '`' ||
		c == '[' || c == ']' || c == '/' || c == '+' || c == '-' || c == ','
}
