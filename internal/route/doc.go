// Package route is the second stage of a request's way through Bulwark: after
// hygiene has decided the one canonical path, it finds the route the request belongs
// to, by host, method and path template, and extracts the path parameters later
// guards (ownership, rate-limit keys) rely on.
//
// # Threat
//
// Path confusion: a gateway and its upstream that read the same request line
// differently ("/admin/..%2Fpublic", "/ADMIN", "//admin", "/admin;x", "%2e%2e")
// let a caller reach a route the gateway thinks is another one. [Canonicalize]
// decodes once, resolves dot segments, collapses duplicate slashes and refuses every
// ambiguous encoding; the gateway matches on that canonical path and sends exactly it
// (re-escaped with [EscapePath]) upstream, so both sides see the same thing.
//
// Ambiguous routing: two routes that could both claim a request "equally well" are a
// configuration error ([Overlap], [NewTable]), never a silent first-wins.
//
// # Canonical path
//
//   - percent-decoded exactly once: "%252e" becomes the literal "%2e", never ".";
//   - dot segments resolved after decoding (RFC 3986 §5.2.4), so "%2e%2e" is "..";
//     ".." above the root is refused, not clamped;
//   - empty segments ("//") are collapsed before dot resolution, so ".." always
//     removes the previous non-empty segment;
//   - case is preserved: "/Admin" and "/admin" are different paths, and template
//     literals compare case-sensitively;
//   - a trailing slash is preserved ("/a/" stays "/a/"); matching treats "/a/" and
//     "/a" alike;
//   - refused (errors wrap [ErrInvalidPath]): encoded "/" or "\", a literal "\",
//     NUL, any control character (C0, DEL, C1), malformed escapes, invalid UTF-8
//     (including overlong forms such as %C0%AE), a path not starting with "/",
//     paths longer than [MaxPathLen] either as received or once re-escaped, and a
//     segment another parser reads as a dot segment or separator: "..;x", ".;",
//     ";x" (path parameters), "...", ".. " (Windows trimming), and segments whose
//     NFKC form is one of those or holds "/" or "\" ("．．", "‥", "／").
//
// # Precedence
//
// Hosts: an exact host ("api.example.com", compared case-insensitively, port and a
// trailing dot ignored) beats a wildcard ("*.example.com", which matches exactly one
// extra label, as in TLS certificates), which beats a route without a host.
//
// Paths are compared segment by segment from the left. At each segment a literal
// beats a {param}, which beats "**"; at the end of the path a template that ends
// there beats one whose "**" matches zero segments. The first difference from the
// left decides: "/a/b/{y}" beats "/a/{x}/c" for "/a/b/c". The matcher backtracks: if
// the literal branch fails deeper (or has no route for the method), the {param}
// branch is tried, then "**".
//
// Methods are part of the match: a request goes to the most specific route whose
// path and method both match. HEAD is served by a GET route at the same template when
// no route there declares HEAD. When the path matches only routes of other methods
// the result is [MethodNotAllowed] with the sorted Allow list.
//
// Two routes overlap ([Overlap]) when their host patterns are equal, they share a
// method, and their templates have the same shape (same literals, params and "**" at
// the same positions; param names do not matter). Under the precedence above, only
// such routes can claim the same request equally well; [NewTable] refuses them.
//
// # Performance
//
// [Table.Match] walks a segment trie per host group without regular expressions; it
// does not allocate for a static route or for the 405 path of a single template, and
// reuses the Params capacity of the caller's [Match].
package route
