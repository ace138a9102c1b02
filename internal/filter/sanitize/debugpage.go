package sanitize

import "bytes"

// debugRules detect framework development error pages, which show source, settings and
// environment to whoever triggers an error.
func debugRules() []rule {
	rules := literals(DebugPage,
		"seeing this error because you have DEBUG = True", // Django
		"because you have <code>DEBUG = True</code>",
		"in your Django settings file",
		"Werkzeug Debugger", // Flask / Werkzeug
		"The debugger caught an exception",
		"Whoops! There was an error",                                                      // Laravel / Whoops
		"Action Controller: Exception caught",                                             // Rails
		"An unhandled exception occurred during the execution of the current web request", // ASP.NET
		"An unhandled exception occurred while processing the request",                    // ASP.NET Core
		"Version Information: Microsoft .NET Framework",
		"Whitelabel Error Page", // Spring Boot
		"Symfony Exception",     // Symfony
		`Symfony\Component\ErrorHandler\`,
	)
	return append(rules,
		rule{"Server Error in '", DebugPage, isASPNetServerError},
		rule{`Illuminate\`, DebugPage, isIlluminate},
		rule{"<pre>", DebugPage, isExpressPre},
	)
}

// isASPNetServerError matches the YSOD heading "Server Error in '/' Application" for any
// application path.
func isASPNetServerError(_, after []byte) bool {
	return bytes.Contains(lineHead(after, 256), []byte("' Application"))
}

// isIlluminate matches a Laravel class name such as `Illuminate\Database\QueryException`.
func isIlluminate(_, after []byte) bool {
	return len(after) > 0 && after[0] >= 'A' && after[0] <= 'Z'
}

// isExpressPre matches Express's development error page, `<pre>TypeError: x<br>
// &nbsp; &nbsp;at ...</pre>` (normalized to line breaks and spaces), but not the
// production page `<pre>Internal Server Error</pre>`.
func isExpressPre(_, after []byte) bool {
	name := 0
	for name < len(after) && name < 64 && isWordByte(after[name]) {
		name++
	}
	if name == len(after) || after[name] != ':' || !bytes.HasSuffix(after[:name], []byte("Error")) {
		return false
	}
	// The block ends at "</pre>" or any other tag: its <br> tags are already line breaks.
	rest := after[name:min(len(after), 2048)]
	if end := bytes.IndexByte(rest, '<'); end >= 0 {
		rest = rest[:end]
	}
	return lines(rest, func(line []byte, indent int) bool {
		return indent > 0 && bytes.HasPrefix(line, []byte("at "))
	})
}
