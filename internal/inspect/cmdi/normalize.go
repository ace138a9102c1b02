package cmdi

import (
	"io"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// Rule ids of findings on the shell's reading of a value.
const (
	// RuleObfuscated: a value spelled to hide a command (c\at, u""name,
	// ${x:-}id, cat${IFS:0:1}/etc/passwd, {cat,/etc/passwd}) that, read
	// the way a shell reads it, is command injection.
	RuleObfuscated = "cmdi.obfuscated"
)

// obfuscated is the cheap pre-filter of the shell reading: it reports
// the spellings a shell removes or expands inside a word and text does not
// use — a backslash before a letter or slash, an empty quote pair, an
// expansion that is empty or a blank (${...}, $IFS, and $@ $* $0-$9 inside a
// word: "$5" is money), or a brace
// list without blanks ({a,b}). Values without them are read by Detect as
// they are, and the parser never runs.
func obfuscated(v string) bool {
	for i := 0; i+1 < len(v); i++ {
		switch c, d := v[i], v[i+1]; c {
		case '\\':
			if isAlpha(d) || d == '/' {
				return true
			}
		case '\'', '"':
			if d == c {
				return true
			}
		case '$':
			if d == '{' || d == 'I' {
				return true
			}
			// $@ $* $0-$9 split a word only inside one: "ca$@t", "$9id";
			// "$5 or $9" is money.
			if (d == '@' || d == '*' || isDigit(d)) && (i > 0 && inWord(v[i-1]) || i+2 < len(v) && inWord(v[i+2])) {
				return true
			}
		case '{':
			if braceList(v[i+1:]) {
				return true
			}
		}
	}
	return false
}

func inWord(c byte) bool { return isAlpha(c) || c == '/' || c == '\'' || c == '"' || c == '\\' }

// braceList reports "a,b}" with no blank: the rest of a brace expansion.
func braceList(v string) bool {
	comma := false
	for i := 0; i < len(v) && i < 256; i++ {
		switch v[i] {
		case ',':
			comma = true
		case '}':
			return comma
		case ' ', '\t', '\n', '{', '"', ':':
			return false
		}
	}
	return false
}

// shellContexts are where a value lands in a command line: an unquoted
// argument, a single-quoted one and a double-quoted one. The leading word
// makes a value that opens with a separator parse.
var shellContexts = [...][2]string{{"x ", ""}, {"x '", "'"}, {`x "`, `"`}}

// maxShellValue bounds the values read with the parser.
const maxShellValue = 4096

// shellReadings returns v as a shell would run it in each context in
// which it parses: every simple command's words expanded (quote and
// backslash removal, empty and $IFS expansions split into words, brace
// expansion), joined by blanks, the statements and pipelines kept as the
// shell's printer writes them and command substitutions as $(...).
func shellReadings(v string) []string {
	if len(v) > maxShellValue {
		return nil
	}
	var out []string
	for _, c := range shellContexts {
		if s, ok := shellReading(c[0] + v + c[1]); ok {
			// without the context's own command word
			out = append(out, strings.TrimLeft(strings.TrimPrefix(s, "x"), " "))
		}
	}
	return out
}

// shellEnv has the default IFS and no other variable: every other
// expansion is empty, as it is when the payload runs in a fresh shell.
var shellEnv = expand.ListEnviron("IFS= \t\n")

func shellReading(line string) (string, bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(line), "")
	if err != nil {
		return "", false
	}
	var calls []*syntax.CallExpr
	syntax.Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 {
			calls = append(calls, c)
		}
		return true
	})
	// Inner commands first (a substitution is walked after the command
	// holding it), so that a substitution prints its expanded commands.
	var subst []string
	pr := syntax.NewPrinter(syntax.SingleLine(true))
	cfg := &expand.Config{Env: shellEnv,
		CmdSubst: func(w io.Writer, cs *syntax.CmdSubst) error {
			var b strings.Builder
			for _, st := range cs.Stmts {
				if b.Len() > 0 {
					b.WriteString("; ")
				}
				if err := pr.Print(&b, st); err != nil {
					return err
				}
			}
			if cs.Backquotes {
				subst = append(subst, "`"+b.String()+"`")
			} else {
				subst = append(subst, "$("+b.String()+")")
			}
			_, err := io.WriteString(w, substMark+strconv.Itoa(len(subst)-1)+substMark)
			return err
		},
		ProcSubst: func(*syntax.ProcSubst) (string, error) { return "/dev/fd/63", nil },
	}
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		fields, err := expand.Fields(cfg, c.Args...)
		if err != nil {
			return "", false
		}
		words := make([]*syntax.Word, 0, len(fields))
		for _, fl := range fields {
			words = append(words, &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: shellField(fl, subst)}}})
		}
		if len(words) == 0 {
			words = append(words, &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: ""}}})
		}
		c.Args = words
	}
	var b strings.Builder
	if err := pr.Print(&b, f); err != nil {
		return "", false
	}
	return strings.TrimSuffix(b.String(), "\n"), true
}

// substMark brackets the number of a command substitution in an expanded
// word (a private-use character: the expander keeps it, text has none
// next to a number).
const substMark = "\uE000"

// shellField writes one expanded word: a substitution as it was written
// ($(...) or backticks) around its expanded commands, a word holding blanks or separators quoted (it is one argument,
// not a command line), any other word as it is.
func shellField(fl string, subst []string) string {
	if strings.Contains(fl, substMark) {
		parts := strings.Split(fl, substMark)
		var b strings.Builder
		for i, p := range parts {
			if i%2 == 0 {
				b.WriteString(p)
				continue
			}
			if n, err := strconv.Atoi(p); err == nil && n < len(subst) {
				b.WriteString(subst[n])
			}
		}
		return b.String()
	}
	if strings.ContainsAny(fl, " \t\n;|&<>`$()'\"\\") {
		if q, err := syntax.Quote(fl, syntax.LangBash); err == nil {
			return q
		}
	}
	return fl
}
