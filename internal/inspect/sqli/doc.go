// Package sqli detects SQL injection in one decoded request value.
//
// The inspector (internal/inspect) calls Detect on every value it extracts
// from a request — query parameters, path parameters, cookies, chosen
// headers, JSON keys and values, form fields — after decoding each once with
// internal/inspect/decode, so Detect never decodes. A hit carries a stable
// rule id ("sqli.union", "sqli.tautology", "sqli.libinjection"...) for the
// audit event; the inspector turns it into a refusal or a log line per the
// route's policy.
//
// Detection has three layers, cheapest first:
//
//   - a pre-filter: a single token of letters, digits and id punctuation
//     (most values: ids, numbers, emails, dates) cannot hold SQL and returns
//     at once without allocating;
//   - structural rules over a small SQL lexer (lex.go) that normalises what
//     databases ignore (whitespace of every kind, '+', inline comments, MySQL
//     /*! */ comments, case) and reads the quotes a database or language
//     would (typographic quotes SQL Server best-fits to ' and ", \x27,
//     [bracketed] MSSQL names, 1e0UNION): UNION SELECT, SELECT with an SQL
//     select list, stacked statements (; DROP/INSERT/UPDATE/DELETE/EXEC/
//     DECLARE/SHUTDOWN/WAITFOR/GRANT/COPY), boolean tautologies where injected SQL begins
//     (' OR 'a'='a, 1 or 2>1, x' AND 1=1--), time, error, file and
//     out-of-band primitives (SLEEP, BENCHMARK, PG_SLEEP, WAITFOR DELAY,
//     DBMS_LOCK.SLEEP, EXTRACTVALUE, UPDATEXML, UTL_INADDR, LOAD_FILE,
//     xp_cmdshell), CHAR()/CHR() building, conditional oracles IF(1=1,...),
//     system catalogs, quote-then-comment (admin'--), ORDER BY n and
//     LIMIT n,m probes, CASE expressions, LIKE '%' wildcards, nested SQL
//     calls, MySQL's DO, @@variables, hex-encoded statements; short
//     string breakouts whose two quotes wrap an operator expression
//     (x' && 'y, 'OR', 1'*col IS \N OR '1, breakout.go); and, for payloads
//     mangled past every grammar (WAF-evasion mutations), a score that weighs
//     SQL vocabulary and operators against the plain words around them;
//   - libinjection (github.com/corazawaf/libinjection-go), asked last. Its
//     hits are dropped on shapes that are not SQL (benign.go): quoted search
//     terms, percentages joined by AND, ids and consent strings ending in
//     dashes (1---), URLs, HTML, a whole reporting query, inequalities
//     between numbers written as text (50 > 40 && 30 < 40).
//
// Every rule asks for SQL structure, not words: a bare keyword or a lone
// quote is not an attack, and prose with SQL words and apostrophes ("Select
// the items from your cart", "O'Brien", "Where'er it be") passes. Values
// that are SQL by design (a SQL-console or reporting API) need a per-route
// policy, not a detector exception.
package sqli
