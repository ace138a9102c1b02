package cmdi

import "strings"

// Rule ids reported by Detect.
const (
	// RuleChain: a command separator (; | || & && newline) followed by a
	// command.
	RuleChain = "cmdi.chain"
	// RuleSubstitution: command substitution, $(cmd), `cmd`, <(cmd), or
	// brace expansion {cmd,arg}, of a command.
	RuleSubstitution = "cmdi.substitution"
	// RuleIFS: $IFS or ${IFS}, the shell's field separator used as a space.
	RuleIFS = "cmdi.ifs"
	// RuleLeading: the value opens with a separator and a command-shaped
	// word ("|nid", "; sysinfo"): it ends the argument it is placed in.
	RuleLeading = "cmdi.leading"
	// RuleCommandLine: the whole value is a command line: a command and
	// shell arguments ("cat /etc/passwd", "nc -lvvp 4444 -e /bin/sh"), or
	// an executable under a bin directory ("/usr/bin/id").
	RuleCommandLine = "cmdi.cmdline"
	// RuleCode: a call of a language's shell-out or eval function
	// (system('id'), exec("ls"), phpinfo()), PHP code tags or PHP complex
	// interpolation ({${...}}).
	RuleCode = "cmdi.code"
	// RuleShellshock: a value opening with the CVE-2014-6271
	// function-definition prefix "() {".
	RuleShellshock = "cmdi.shellshock"
	// RuleSSI: a server-side include directive (<!--#exec cmd=...).
	RuleSSI = "cmdi.ssi"
	// RuleTemplate: a server-side template expression that evaluates code
	// ({{7*7}}, ${7*7}, {{ f() }}, {{ ''.__class__ }}) or a template
	// statement tag ({% for x in y %}).
	RuleTemplate = "cmdi.template"
	// RuleReverseShell: /dev/tcp or /dev/udp redirection.
	RuleReverseShell = "cmdi.revshell"
	// RuleGlob: an executable path spelled with wildcards (/???/c?t).
	RuleGlob = "cmdi.glob"
)

// Pre-filter classes.
const (
	cSep   = 1 << iota // ; | & newline
	cSubst             // ` $
	cParen             // ( {
	cSlash             // / \
	cDash              // -
	cQuote             // ' "
	cAngle             // < >
	cDigit             // 0-9
	cQuery             // ? *
	cSpace             // ' ' '\t'
	cPlus              // '+', a space in form encoding
)

var classes = func() (t [256]uint16) {
	t[';'], t['|'], t['&'], t['\n'], t['\r'] = cSep, cSep, cSep, cSep, cSep
	t['`'], t['$'] = cSubst, cSubst
	t['('], t['{'] = cParen, cParen
	t['/'], t['\\'] = cSlash, cSlash
	t['-'] = cDash
	t['\''], t['"'] = cQuote, cQuote
	t['<'], t['>'] = cAngle, cAngle
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	t['?'], t['*'] = cQuery, cQuery
	t[' '], t['\t'] = cSpace, cSpace
	t['+'] = cPlus
	return t
}()

// Detect reports whether v, a decoded value, carries OS command injection.
// A separator, a pipe or an ampersand alone is not enough: a command must
// follow it. Values without shell metacharacters, slashes, dashes, quotes or
// spaces return after one scan without allocating.
func Detect(v string) (rule string, hit bool) { return detectValue(v, true) }

// DetectCommands is Detect without the shell-out call rule (RuleCode): a
// command line, substitution or other rule in v, for a caller that
// discounts calls such as exec('id') in prose but not what else v holds.
func DetectCommands(v string) (rule string, hit bool) { return detectValue(v, false) }

func detectValue(v string, code bool) (rule string, hit bool) {
	seen := classOf(v)
	if seen&^(cDigit|cPlus) == 0 {
		return "", false
	}
	if rule, hit = detect(v, seen, code); hit {
		return rule, hit
	}
	if shellHit(v, seen, code) {
		return RuleObfuscated, true
	}
	if seen&cPlus == 0 || !plusSpaced(v) {
		return "", false
	}
	// Form encoding writes a space as '+'. A payload that reaches the
	// application still encoded ("|+dir+c:/", a backend that decodes once
	// more, a shell that receives the raw query) is read as its sender wrote
	// it.
	w := strings.ReplaceAll(v, "+", " ")
	if rule, hit = detect(w, seen|cSpace, code); hit {
		return rule, hit
	}
	if shellHit(w, seen|cSpace, code) {
		return RuleObfuscated, true
	}
	return "", false
}

// shellHit reports a value spelled to hide a command from a reader that
// does not expand words, whose shell reading is command injection.
func shellHit(v string, seen uint16, code bool) bool {
	if seen&(cSlash|cQuote|cSubst|cParen) == 0 || !obfuscated(v) {
		return false
	}
	for _, r := range shellReadings(v) {
		if _, hit := detect(r, classOf(r), code); hit {
			return true
		}
	}
	return false
}

// shellshock reports the CVE-2014-6271 prefix "() {", blanks allowed.
func shellshock(v string) bool {
	t := strings.TrimLeft(v, " \t")
	if !strings.HasPrefix(t, "(") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if !strings.HasPrefix(t, ")") {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(t[1:], " \t"), "{")
}

// classOf returns the pre-filter classes of the bytes of v.
func classOf(v string) uint16 {
	var seen uint16
	for i := 0; i < len(v); i++ {
		seen |= classes[v[i]]
	}
	return seen
}

// plusSpaced reports a '+' where a form-encoded command line would have a
// space: next to a separator or a slash, or between a letter and a letter,
// slash, dash or quote ("|+dir", "dir+c:", "cat+/etc").
func plusSpaced(v string) bool {
	for i := strings.IndexByte(v, '+'); i >= 0; {
		if i+1 < len(v) && (classes[v[i+1]]&(cSep|cSlash|cDash|cQuote) != 0 || isAlpha(v[i+1])) {
			if i == 0 || classes[v[i-1]]&(cSep|cSubst) != 0 || isAlpha(v[i-1]) || v[i-1] == ':' {
				return true
			}
		}
		n := strings.IndexByte(v[i+1:], '+')
		if n < 0 {
			return false
		}
		i += 1 + n
	}
	return false
}

// detect runs the rules on v, whose byte classes are seen.
func detect(v string, seen uint16, withCode bool) (rule string, hit bool) {
	if seen&cSubst != 0 && ifs(v) {
		return RuleIFS, true
	}
	if shellshock(v) {
		return RuleShellshock, true
	}
	if seen&(cSep|cSlash|cQuote) != 0 {
		if leading(v) {
			return RuleLeading, true
		}
		if chain(v) {
			return RuleChain, true
		}
	}
	if seen&(cSubst|cParen|cAngle) != 0 && substitution(v) {
		return RuleSubstitution, true
	}
	if seen&cParen != 0 {
		if withCode && code(v) {
			return RuleCode, true
		}
		if template(v) {
			return RuleTemplate, true
		}
	}
	if withCode && seen&cAngle != 0 && strings.Contains(v, "<?") && (containsFold(v, "<?php") || strings.Contains(v, "<?=")) {
		return RuleCode, true
	}
	if strings.Contains(v, "!--#") && ssi(v) {
		return RuleSSI, true
	}
	if seen&cSlash != 0 {
		if strings.Contains(v, "/dev/tcp/") || strings.Contains(v, "/dev/udp/") {
			return RuleReverseShell, true
		}
		if seen&cQuery != 0 && glob(v) {
			return RuleGlob, true
		}
	}
	if seen&(cSpace|cSlash|cSep) != 0 && commandLine(v) {
		return RuleCommandLine, true
	}
	return "", false
}

// ifs finds $IFS or ${IFS}: no text but a shell payload spells the field
// separator variable.
func ifs(v string) bool {
	return strings.Contains(v, "${IFS}") || strings.Contains(v, "$IFS")
}

// ssi finds a server-side include directive, also with the '<' HTML-escaped.
func ssi(v string) bool {
	for i := strings.Index(v, "!--#"); i >= 0; {
		rest := v[i+4:]
		for _, d := range []string{"exec", "include", "echo", "printenv", "config", "set", "fsize", "flastmod"} {
			if hasPrefixFold(rest, d) {
				return true
			}
		}
		n := strings.Index(rest, "!--#")
		if n < 0 {
			return false
		}
		i += 4 + n
	}
	return false
}

// glob finds a path token with wildcard segments standing for a binary: a
// segment made only of '?' and '*' ("/???/") or two segments holding '?'.
// A '?' that starts a query string (followed by "name=" or a URL) ends the
// path instead.
func glob(v string) bool {
	for i := strings.IndexByte(v, '/'); i >= 0 && i < len(v); {
		j := i
		for j < len(v) && v[j] != ' ' && v[j] != '\t' && v[j] != '=' && v[j] != '&' {
			j++
		}
		tok := v[i:j]
		if q := strings.IndexByte(tok, '?'); q >= 0 && (j < len(v) && v[j] == '=' || strings.Contains(tok[q:], "://")) {
			// A path and its query string ("/track?id=", "/r?https://x"):
			// the '?' starts parameters, not a wildcard.
			tok = tok[:q]
		}
		if i >= 1 && v[i-1] == ':' {
			// A URL, whose '?' starts a query.
			i = j
			n := strings.IndexByte(v[j:], '/')
			if n < 0 {
				return false
			}
			i = j + n
			continue
		}
		wild, allWild := 0, false
		for _, seg := range strings.Split(tok, "/") {
			if strings.ContainsAny(seg, "?*") {
				wild++
				if strings.Trim(seg, "?*") == "" {
					allWild = true
				}
			}
		}
		if allWild && wild >= 1 && len(tok) > 2 || wild >= 2 {
			return true
		}
		n := strings.IndexByte(v[j:], '/')
		if n < 0 {
			return false
		}
		i = j + n
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
