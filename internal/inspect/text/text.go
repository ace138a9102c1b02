// Package text tells values that read as natural language from values that
// read as identifiers, numbers, paths or code, for the injection inspector's
// context-aware scoring: a detector finding in prose stands only when it is
// a complete injection (see internal/inspect's doc).
package text

import (
	"unicode"
	"unicode/utf8"
)

// Minimums of Prose.
const (
	minWords = 4 // words of letters
	minShare = 6 // tenths of the whitespace-separated tokens that are words
)

// Prose reports whether v reads as natural language: at least four words of
// two or more letters (any script; an apostrophe or hyphen inside and
// punctuation after allowed), making up at least 60% of its
// whitespace-separated tokens. A Markdown code span — a backtick to the
// next backtick on the same line — is one token however many blanks it
// holds, and not a word: a command or a statement quoted in a sentence is
// one constituent of it, as a quoted name is, so a long quotation does not
// outweigh the sentence around it ("Does `find /var/log -type f -mtime +30
// -delete` need sudo in the cron job?" is prose; what the quotation holds
// is still judged by every detector). One pass, no allocation.
func Prose(v string) bool {
	tokens, words := 0, 0
	for i := 0; i < len(v); {
		for i < len(v) && isBlank(v[i]) {
			i++
		}
		if i >= len(v) {
			break
		}
		j := i
		for j < len(v) && !isBlank(v[j]) {
			if v[j] == '`' {
				j = spanEnd(v, j)
				continue
			}
			j++
		}
		tokens++
		if word(v[i:j]) {
			words++
		}
		i = j
	}
	return words >= minWords && words*10 >= tokens*minShare
}

// spanEnd returns the index after the code span opening with the backtick
// at v[i]: after the next backtick on the same line, or i+1 when there is
// none (a lone backtick is an ordinary character).
func spanEnd(v string, i int) int {
	for j := i + 1; j < len(v) && v[j] != '\n' && v[j] != '\r'; j++ {
		if v[j] == '`' {
			return j + 1
		}
	}
	return i + 1
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// word reports a token of letters with at most one apostrophe or hyphen
// inside ("don't", "e-mail") and sentence punctuation after ("know.",
// "Hi,"), an optional opening parenthesis or quote before.
func word(t string) bool {
	for len(t) > 0 && (t[0] == '(' || t[0] == '"' || t[0] == '\'') {
		t = t[1:]
	}
	for len(t) > 0 {
		c := t[len(t)-1]
		if c == '.' || c == ',' || c == '!' || c == '?' || c == ':' || c == ';' || c == ')' || c == '"' || c == '\'' {
			t = t[:len(t)-1]
			continue
		}
		break
	}
	letters, inner := 0, 0
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case (r == '\'' || r == '’' || r == '-') && letters > 0 && i+n < len(t):
			inner++
		default:
			return false
		}
		i += n
	}
	return letters >= 2 && inner <= 1
}
