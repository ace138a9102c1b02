package cmdi

import "strings"

// commandLine reports a value that is, as a whole, a command line: an
// executable under a bin directory; or a known command followed by
// shell-looking arguments (an option, a path, a number, a redirection, a
// quoted string; "which"/"whereis" followed by a command name; a command
// followed by one of its subcommands, "net user", "netsh firewall", "reg
// add") with no word of prose among them; or a command ended by a
// separator ("id;"). Plain words after a command are prose ("curl recipes",
// "bash birthday party"). A single bare word ("id", "ls") is not flagged: it cannot be told
// from data. "ls -la is a command" is prose and passes.
func commandLine(v string) bool {
	i := 0
	for i < len(v) && (v[i] == ' ' || v[i] == '\'' || v[i] == '"') {
		i++
	}
	c := readCommand(v, i)
	if !c.ok || !delimited(v, c.end) {
		return false
	}
	if c.binPath {
		return true
	}
	if c.known == 2 && c.end < len(v) && strings.IndexByte(";|&", v[c.end]) >= 0 {
		// "id;", "ls|": a command ended by a separator.
		return true
	}
	rest := skipBlank(v, c.end)
	if rest == len(v) || c.known == 0 {
		return false
	}
	switch {
	case c.net:
		// "net" is a word; "net user" is a command.
		if !(c.lower && subcommand(v, c)) {
			return false
		}
	default:
		if !shellArgs(v, c.end, c.numeric) && !lookup(v, i, c) && !(c.lower && subcommand(v, c)) {
			return false
		}
	}
	return !prose(v[rest:])
}

// lookup: "which curl", "whereis nc": a tier-B locator followed by a known
// command name.
func lookup(v string, start int, c command) bool {
	w := v[start:c.end]
	if w != "which" && w != "whereis" {
		return false
	}
	n := readCommand(v, c.end)
	return n.known > 0 && delimited(v, n.end)
}

// proseWords are function words of English and Spanish (the languages of
// the benign corpora and of most prose sent to APIs): a command line
// contains none of them as a whole token.
var proseWords = wordSet("a", "an", "the", "is", "are", "was", "were", "be", "been", "to",
	"of", "and", "or", "in", "on", "at", "for", "with", "by", "from", "as", "it", "its", "this",
	"that", "these", "those", "not", "but", "if", "so", "i", "you", "he", "she", "we", "they",
	"my", "your", "our", "can", "will", "would", "should", "how", "what", "why", "when",
	"where", "do", "does", "did", "have", "has", "just", "also", "only", "all", "some", "use",
	"using", "run", "command", "please", "me", "about", "into", "than", "then", "there",
	"de", "la", "el", "los", "las", "y", "en", "con", "por", "para", "del", "un", "una", "es",
	"que", "se", "no")

// maxCommandTokens bounds a command line; longer text is prose.
const maxCommandTokens = 16

// prose reports whether s (the arguments) holds a function word, or too
// many tokens for a command line. Words inside an unquoted Windows path
// with spaces ("C:\Documents and Settings\*", "C:\Program Files\x") are
// part of the path, not prose.
func prose(s string) bool {
	tokens := 0
	pathEnd := 0
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if j > i {
			tokens++
			if tokens > maxCommandTokens {
				return true
			}
			if i >= pathEnd && windowsPath(s[i:j]) {
				pathEnd = spacedPathEnd(s, j)
			}
			if j-i <= 8 && i >= pathEnd {
				var buf [8]byte
				for k := i; k < j; k++ {
					buf[k-i] = s[k] | 0x20
				}
				if _, ok := proseWords[string(buf[:j-i])]; ok {
					return true
				}
			}
		}
		i = j
	}
	return false
}

// windowsPath reports a token that starts an absolute Windows path (C:\x).
func windowsPath(t string) bool {
	return len(t) > 3 && isAlpha(t[0]) && t[1] == ':' && t[2] == '\\'
}

// maxPathWords bounds the words of a directory name with spaces.
const maxPathWords = 4

// spacedPathEnd returns the end of the path that goes on after the token
// ending at s[i] when one of the next few tokens carries a backslash (the
// rest of the path): "C:\Documents" "and" "Settings\*". Otherwise it is i.
func spacedPathEnd(s string, i int) int {
	for n := 0; n < maxPathWords && i < len(s); n++ {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if strings.IndexByte(s[i:j], '\\') >= 0 {
			return j
		}
		i = j
	}
	return 0
}
