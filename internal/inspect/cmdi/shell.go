package cmdi

import "strings"

// command is a command word read from a value as a shell would read it.
type command struct {
	ok      bool                // a word was read
	end     int                 // index after the word
	binPath bool                // invoked by a path under a bin directory
	known   int                 // 0 unknown, 1 tier B, 2 tier A
	net     bool                // the word is "net", whose subcommand makes it a command
	subs    map[string]struct{} // the command's subcommands (net user, reg add)
	lower   bool                // the word was written in lower case
	numeric bool                // a bare number is a shell argument of this command
}

// maxWord bounds a command word; longer tokens are not commands.
const maxWord = 32

// readCommand reads the command word at v[i], after white space, $IFS,
// opening parentheses and braces, backticks and quotes. The word is
// normalized the way the shell would see it: quotes, backslashes, carets
// (cmd.exe) and empty expansions ($@, $*, $1..$9, ${x}) inside it are
// removed, a leading path is reduced to its base name and ".exe" dropped.
func readCommand(v string, i int) command {
	i = skipBlank(v, i)
	for i < len(v) && (v[i] == '(' || v[i] == '{' || v[i] == '`' || v[i] == '\'' || v[i] == '"' || v[i] == '!') {
		i = skipBlank(v, i+1)
	}
	var buf [maxWord]byte
	n := 0
	start := i
	lastSlash := -1
	upper := false
	for i < len(v) {
		c := v[i]
		switch {
		case c == '\'' || c == '"' || c == '^':
			i++
			continue
		case c == '\\':
			if i+1 < len(v) && (v[i+1] == 'n' || v[i+1] == 'r') && n > 0 {
				// A literal \n after a word is a newline escape, not an
				// escaped letter.
				goto done
			}
			if i+1 < len(v) && isWordByte(v[i+1]) {
				if i+2 < len(v) && isWordByte(v[i+2]) && n > 0 || isDrivePath(v, start) {
					// A Windows path separator (C:\Windows\cmd.exe).
					lastSlash = n
					n = 0
				}
				// Otherwise an escaped letter (\c\a\t is cat).
				i++
				continue
			}
		case c == ':' && n == 1 && lastSlash < 0 && i+1 < len(v) && (v[i+1] == '\\' || v[i+1] == '/'):
			// A drive letter: the path goes on.
			n = 0
			i++
			continue
		case c == '$':
			if k := emptyExpansion(v, i); k > 0 && n > 0 {
				i += k
				continue
			}
			goto done
		case c == '/':
			lastSlash = n
			n = 0
			i++
			continue
		case isWordByte(c):
			if n == maxWord {
				return command{}
			}
			if 'A' <= c && c <= 'Z' {
				upper = true
				c += 'a' - 'A'
			}
			buf[n] = c
			n++
			i++
			continue
		}
		break
	}
done:
	if n == 0 || n > 0 && buf[0] == '.' || buf[0] == '-' {
		return command{}
	}
	if n > 4 && string(buf[n-4:n]) == ".exe" {
		n -= 4
	}
	cmd := command{ok: true, end: i, lower: !upper, subs: subcommands[string(buf[:n])]}
	cmd.net = string(buf[:n]) == "net"
	if lastSlash >= 0 {
		cmd.binPath = binDir(v[start:i])
	}
	classify(&cmd, buf[:n], upper)
	return cmd
}

// classify sets the tier of a normalized command word.
func classify(cmd *command, word []byte, upper bool) {
	_, a := tierA[string(word)]
	_, b := tierB[string(word)]
	if a || b {
		_, cmd.numeric = numeric[string(word)]
	}
	if upper && (a || b) {
		// Only Windows commands, whose shell ignores case, may be written
		// in capitals; short ones ("SC", "REG") then need arguments, as
		// capitalised abbreviations are common text.
		if _, win := windowsNames[string(word)]; !win {
			a, b = false, false
		} else if a && len(word) < 5 {
			a, b = false, true
		}
	}
	switch {
	case a:
		cmd.known = 2
	case b:
		cmd.known = 1
	}
}

// binDir reports a path through a directory that holds executables.
func binDir(path string) bool {
	return containsFold(path, "bin/") || containsFold(path, "bin\\") || containsFold(path, "system32")
}

func isDrivePath(v string, i int) bool {
	return i+1 < len(v) && isAlpha(v[i]) && v[i+1] == ':'
}

// emptyExpansion returns the length of an expansion that is empty in a
// payload and splits a word without changing it: $@, $*, $0..$9, ${x}.
func emptyExpansion(v string, i int) int {
	if i+1 >= len(v) {
		return 0
	}
	switch c := v[i+1]; {
	case c == '@' || c == '*' || '0' <= c && c <= '9':
		return 2
	case c == '{':
		if k := strings.IndexByte(v[i:], '}'); k > 0 && k < 16 {
			return k + 1
		}
	}
	return 0
}

// delimited reports whether the word that ended at v[i] is followed by what
// ends a command word: the end, white space, a separator, a redirection, a
// closing parenthesis, a backtick, $IFS, a quote or a comment.
func delimited(v string, i int) bool {
	if i >= len(v) {
		return true
	}
	switch v[i] {
	case ' ', '\t', '\n', '\r', ';', '|', '&', '<', '>', ')', '`', '\'', '"', '#', '}', ',', 0:
		return true
	case '$':
		return strings.HasPrefix(v[i:], "$IFS") || strings.HasPrefix(v[i:], "${IFS}")
	case '\\':
		// A literal \n, or an escaped delimiter (\` inside a string).
		return i+1 < len(v) && (v[i+1] == 'n' || v[i+1] == 'r' || v[i+1] != '\\' && delimited(v, i+1))
	}
	return false
}

// shellArgs reports whether an argument after a command word (up to the
// next separator) looks like a shell argument: an option (-x, --x, /x for
// cmd.exe), a path, a number or address, a URL, a redirection, a variable or
// a quoted string.
func shellArgs(v string, i int, numbers bool) bool {
	for i < len(v) {
		i = skipBlank(v, i)
		if i >= len(v) || strings.IndexByte(";|&\n\r`", v[i]) >= 0 {
			return false
		}
		j := i
		for j < len(v) && v[j] != ' ' && v[j] != '\t' && strings.IndexByte(";|&\n\r`", v[j]) < 0 {
			j++
		}
		if shellToken(v[i:j], numbers) {
			return true
		}
		i = j
	}
	return false
}

func shellToken(t string, numbers bool) bool {
	switch c := t[0]; {
	case c == '-' || c == '/' || c == '\\' || c == '~' || c == '>' || c == '<' || c == '$' || c == '%' || c == '\'' || c == '"':
		return len(t) > 1 || c == '/'
	case isDigit(c):
		return numbers || strings.Count(t, ".") == 3 // or an IPv4 address
	case c == '.' && len(t) > 1 && (t[1] == '/' || t[1] == '.'):
		return true
	case len(t) >= 2 && isAlpha(c) && t[1] == ':':
		return true
	}
	return strings.Contains(t, "://") || strings.IndexByte(t, '/') > 0 && strings.IndexByte(t, '.') >= 0
}

// skipBlank skips spaces, tabs and $IFS spellings.
func skipBlank(v string, i int) int {
	for i < len(v) {
		switch {
		case v[i] == ' ' || v[i] == '\t':
			i++
		case strings.HasPrefix(v[i:], "${IFS}"):
			i += 6
		case strings.HasPrefix(v[i:], "$IFS"):
			i += 4
			if i+1 < len(v) && v[i] == '$' && isDigit(v[i+1]) {
				i += 2
			}
		default:
			return i
		}
	}
	return i
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
