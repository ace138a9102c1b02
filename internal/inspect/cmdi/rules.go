package cmdi

import "strings"

// chain finds a separator (; | || & && CR LF, or a literal \n) followed by
// a command: any tier-A command, an executable under a bin directory, "net"
// with a subcommand, or a tier-B command with shell arguments. Pipes in a
// Markdown table row and '&' of an HTML entity are not separators.
func chain(v string) bool {
	table := markdownTable(v)
	for i := 0; i < len(v); i++ {
		next := 0
		switch v[i] {
		case ';', '\n', '\r':
			next = i + 1
		case '|':
			if table {
				continue
			}
			next = i + 1
		case '&':
			if entity(v, i) {
				continue
			}
			next = i + 1
		case '\\':
			if i+1 < len(v) && (v[i+1] == 'n' || v[i+1] == 'r') {
				next = i + 2
			} else {
				continue
			}
		default:
			continue
		}
		for next < len(v) && (v[next] == '|' || v[next] == '&' || v[next] == ';') {
			next++
		}
		if isCommand(v, readCommand(v, next)) {
			return true
		}
		i = next - 1
	}
	return false
}

// isCommand judges a word read after a separator or inside a substitution.
func isCommand(v string, c command) bool {
	if !c.ok || !delimited(v, c.end) {
		return false
	}
	switch {
	case c.known == 2, c.binPath:
		return true
	case c.net:
		// "net", an ordinary word, is a command only with its subcommand.
		return subcommand(v, c)
	case c.known == 1 && c.lower && subcommand(v, c):
		return true
	case c.known == 1:
		return shellArgs(v, c.end, c.numeric)
	}
	return false
}

// subcommand reports that the word after c is one of its subcommands
// ("net user", "netsh firewall", "reg add").
func subcommand(v string, c command) bool {
	if c.subs == nil {
		return false
	}
	i := skipBlank(v, c.end)
	j := i
	for j < len(v) && isAlpha(v[j]) {
		j++
	}
	if j == i || j-i > 12 {
		return false
	}
	var buf [12]byte
	for k := i; k < j; k++ {
		buf[k-i] = v[k] | 0x20
	}
	_, ok := c.subs[string(buf[:j-i])]
	return ok
}

// markdownTable reports a value whose lines look like Markdown table rows:
// starting and ending with '|', with space-padded cells.
func markdownTable(v string) bool {
	t := strings.TrimSpace(v)
	return len(t) > 2 && t[0] == '|' && t[len(t)-1] == '|' && strings.Count(t, "|") >= 3 && strings.Contains(t, " | ")
}

// entity reports an HTML character reference (&amp; &#39; &nbsp;) at v[i].
func entity(v string, i int) bool {
	j := i + 1
	if j < len(v) && v[j] == '#' {
		j++
	}
	k := j
	for k < len(v) && k-j < 10 && (isAlpha(v[k]) || isDigit(v[k])) {
		k++
	}
	return k > j && k < len(v) && v[k] == ';'
}

// leading finds a value that opens, after quotes and spaces that close the
// argument it is placed in, with a separator and a lower-case word: the
// value ends one command and starts another, whatever its name. After a
// closing quote alone, a tier-A command is needed.
func leading(v string) bool {
	if markdownTable(v) {
		return false
	}
	i := 0
	quoted := false
	for i < len(v) && (v[i] == ' ' || v[i] == '\'' || v[i] == '"') {
		quoted = quoted || v[i] != ' '
		i++
	}
	if i == len(v) {
		return false
	}
	switch {
	case v[i] == ';' && i+1 < len(v) && v[i+1] == ';':
		// ";;" is not a separator outside a case statement.
		return false
	case v[i] == ';' || v[i] == '|' || v[i] == '&' || v[i] == '\n' || v[i] == '\r':
		i++
	case v[i] == '\\' && i+1 < len(v) && v[i+1] == 'n':
		i += 2
	default:
		if !quoted {
			return false
		}
		c := readCommand(v, i)
		return c.known == 2 && delimited(v, c.end)
	}
	for i < len(v) && (v[i] == '|' || v[i] == '&' || v[i] == ';') {
		i++
	}
	if i < len(v) && v[i] == '/' {
		c := readCommand(v, i)
		return c.binPath && delimited(v, c.end)
	}
	i = skipBlank(v, i)
	j := i
	for j < len(v) && ('a' <= v[j] && v[j] <= 'z' || j > i && (isDigit(v[j]) || v[j] == '_')) {
		j++
	}
	if j-i < 2 || !delimited(v, j) {
		return false
	}
	// "& more info" reads as prose; a word followed by more words must be
	// a command, or one of the tier-B commands payloads use with anything.
	if k := skipBlank(v, j); k < len(v) && isAlpha(v[k]) {
		c := readCommand(v, i)
		if _, ok := payloadB[v[i:j]]; ok && c.known > 0 {
			return true
		}
		return isCommand(v, c)
	}
	return true
}

// substitution finds $(cmd), <(cmd), >(cmd), `cmd` and {cmd,arg} around a
// known command. A backtick pair preceded by a space inside prose is
// Markdown code, not a substitution.
func substitution(v string) bool {
	for i := 0; i+1 < len(v); i++ {
		switch v[i] {
		case '$', '<', '>':
			if v[i+1] == '(' && (i+2 >= len(v) || v[i+2] != '(') && isCommand(v, readCommand(v, i+2)) {
				return true
			}
		case '`':
			k := strings.IndexByte(v[i+1:], '`')
			if k < 0 {
				return false
			}
			p := i - 1
			for p >= 0 && (v[p] == '\'' || v[p] == '"') {
				p--
			}
			if p < 0 || v[p] != ' ' && v[p] != '\t' {
				if c := readCommand(v, i+1); c.ok && (c.known > 0 || c.binPath) && c.end <= i+1+k && delimited(v, c.end) {
					return true
				}
			}
			i += k + 1
		case '{':
			if c := readCommand(v, i+1); c.known > 0 && c.end < len(v) && v[c.end] == ',' {
				return true
			}
		}
	}
	return false
}

// shellOut are functions that run a command or evaluate code: PHP's
// system family, eval and assert, Node's child_process calls, Python's os
// and subprocess, Perl's and Ruby's exec/system, PHP's info probes.
var shellOut = wordSet("system", "exec", "shell_exec", "passthru", "popen", "proc_open",
	"pcntl_exec", "eval", "assert", "execsync", "spawnsync", "spawn", "os.system", "os.popen",
	"subprocess.call", "subprocess.popen", "subprocess.run", "subprocess.check_output",
	"phpinfo", "phpversion", "create_function", "call_user_func")

// code finds a call of a shell-out function whose argument is a string, a
// variable or a backtick, or an argument-less phpinfo(); and PHP's complex
// interpolation {${...}} and ${@...}.
func code(v string) bool {
	if strings.Contains(v, "{${") || strings.Contains(v, "${@") {
		return true
	}
	// PHP superglobals read in injected code: {$_GET["cmd"]}.
	for _, g := range []string{"$_GET[", "$_POST[", "$_REQUEST[", "$_COOKIE[", "$_SERVER["} {
		if strings.Contains(v, g) {
			return true
		}
	}
	for i := strings.IndexByte(v, '('); i >= 0; {
		s := i
		for s > 0 && (isWordByte(v[s-1]) && v[s-1] != '-') {
			s--
		}
		if n := i - s; n > 0 && n <= 24 {
			var buf [24]byte
			for k := s; k < i; k++ {
				c := v[k]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf[k-s] = c
			}
			if _, ok := shellOut[string(buf[:n])]; ok {
				j := i + 1
				for j < len(v) && v[j] == ' ' {
					j++
				}
				if j < len(v) && strings.IndexByte("'\"`$", v[j]) >= 0 ||
					j < len(v) && v[j] == ')' && (string(buf[:n]) == "phpinfo" || string(buf[:n]) == "phpversion") {
					return true
				}
			}
		}
		n := strings.IndexByte(v[i+1:], '(')
		if n < 0 {
			return false
		}
		i += 1 + n
	}
	return false
}

// template finds server-side template expressions that compute: {{7*7}},
// ${7*7}, #{7*7}, <%= 7*7 %>, and {{ ... }} holding a call or a Python
// dunder attribute; statement tags ({% for %}); and ${jndi:...} (Log4Shell).
func template(v string) bool {
	if containsFold(v, "${jndi:") || statementTag(v) {
		return true
	}
	for _, open := range []string{"{{", "${", "#{", "<%="} {
		for i := strings.Index(v, open); i >= 0; {
			body := v[i+len(open):]
			end := strings.IndexAny(body, "}%")
			if end < 0 {
				break
			}
			body = body[:end]
			if arithmetic(body) || open == "{{" && (strings.Contains(body, "__") || callIn(body)) {
				return true
			}
			n := strings.Index(v[i+len(open):], open)
			if n < 0 {
				break
			}
			i += len(open) + n
		}
	}
	return false
}

// arithmetic reports "N op N" with literal numbers, the probe of template
// injection.
func arithmetic(s string) bool {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	j := i
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j == len(s) || strings.IndexByte("+-*/", s[j]) < 0 {
		return false
	}
	j++
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j < len(s) && isDigit(s[j])
}

// callIn reports an identifier directly followed by '('.
func callIn(s string) bool {
	for i := strings.IndexByte(s, '('); i > 0; {
		if isWordByte(s[i-1]) {
			return true
		}
		n := strings.IndexByte(s[i+1:], '(')
		if n < 0 {
			return false
		}
		i += 1 + n
	}
	return false
}

// statementWords open the statement tags of Jinja2, Twig, Django, Nunjucks
// and Liquid that run logic or reach files: loops, conditions, assignments,
// imports and includes, macros.
var statementWords = wordSet("for", "if", "set", "import", "from", "include", "extends",
	"macro", "call", "with", "do", "load", "exec", "debug", "assign", "capture", "render",
	"embed", "block", "filter", "eval", "php")

// statementTag finds a closed template statement tag, "{% for x in y %}",
// "{%- set a = b -%}": template source in a value is template injection.
// Text has no "{%" directly followed by one of these words.
func statementTag(v string) bool {
	for i := strings.Index(v, "{%"); i >= 0; {
		j := i + 2
		if j < len(v) && (v[j] == '-' || v[j] == '+' || v[j] == '~') {
			j++
		}
		j = skipBlank(v, j)
		k := j
		for k < len(v) && isAlpha(v[k]) && k-j < 8 {
			k++
		}
		if k > j && k < len(v) && (v[k] == ' ' || v[k] == '%' || v[k] == '-') {
			var buf [8]byte
			for n := j; n < k; n++ {
				buf[n-j] = v[n] | 0x20
			}
			if _, ok := statementWords[string(buf[:k-j])]; ok && strings.Contains(v[k:], "%}") {
				return true
			}
		}
		n := strings.Index(v[i+2:], "{%")
		if n < 0 {
			return false
		}
		i += 2 + n
	}
	return false
}
