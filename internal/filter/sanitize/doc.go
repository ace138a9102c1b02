// Package sanitize finds implementation details that leak through upstream error
// responses: stack traces, SQL error text, framework debug pages and server file paths.
//
// Place in the pipeline: a response filter, after the upstream answered and before the
// response is written, calls Detect on error bodies (decoded with package codec when
// compressed). When Detect reports a leak, the filter replaces the body with the
// gateway's generic problem (RFC 9457) and writes Excerpt of the original, truncated and
// escaped, to the diagnostic log only; the client never sees it.
//
// The threat it answers is reconnaissance (OWASP API8:2023, security misconfiguration;
// CWE-209, error messages containing sensitive information): a trace names the language,
// framework, versions, file layout and query shapes an attacker needs next, and SQL error
// text turns blind injection into error-based injection.
//
// # How it decides
//
// Detection is a fixed list of rules, each a case-sensitive prefix and, for shapes such as
// "Foo.java:42", a small bounded check of the bytes around it. One pass over the body,
// through an index of the prefixes' first two bytes, tries them all; there are no regular
// expressions, and every check looks at most a few KiB around its prefix, so a hostile
// body cannot make it slow. It looks at most at the first MaxScan bytes. Before matching, JSON string escapes (\n, \t,
// \", \\, \/, \u00XX) and common HTML entities and <br> tags are undone, so a trace
// inside a JSON "stack" field or an HTML page is found like a plain-text one.
//
// Markers were chosen to be specific: each names a runtime's own wording ("Traceback
// (most recent call last):"), a frame shape (an indented "at pkg.Type.method(File.java:42)")
// or an error class ("SQLSTATE["), never an ordinary word, so that business errors such as
// {"error":"order not found"} or "Please select a product" pass untouched. Detect can
// still miss a trace it has no marker for, or one that starts after MaxScan bytes; it is
// a safety net behind upstreams configured not to leak, not a replacement for that.
package sanitize
