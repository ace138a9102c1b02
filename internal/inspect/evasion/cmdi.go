package evasion

import (
	"io"
	"math/rand/v2"
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

var cmdiClass = class{
	ops: []op{
		{"backslash", inWord(func(r *rand.Rand) string { return "\\" })},
		{"empty-quotes", inWord(func(r *rand.Rand) string { return pick(r, `""`, `''`) })},
		{"empty-expansion", inWord(func(r *rand.Rand) string { return pick(r, "${x:-}", "$@", "$*", "$9", "${9}", "${zz}") })},
		{"ifs", replaceByte(' ', func(r *rand.Rand) string { return pick(r, "${IFS}", "$IFS$9", "${IFS:0:1}") })},
		{"tab", replaceByte(' ', func(r *rand.Rand) string { return "\t" })},
		{"newline", replaceByte(';', func(r *rand.Rand) string { return "\n" })},
		{"brace", braceExpand},
		{"bin-path", binPath},
	},
	valid: func(seed string) bool {
		_, cmds := shellContext(seed)
		return len(cmds) > 0
	},
	same: func(seed, mutant string) bool {
		_, want := shellContext(seed)
		_, got := shellContext(mutant)
		if len(want) == 0 {
			return false
		}
		for _, w := range want {
			if !slices.ContainsFunc(got, func(g []string) bool { return slices.Equal(g, w) }) {
				return false
			}
		}
		return true
	},
}

func pick(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }

// inWord inserts what gen returns between two letters of v.
func inWord(gen func(*rand.Rand) string) func(*rand.Rand, string) (string, bool) {
	return func(r *rand.Rand, v string) (string, bool) {
		var at []int
		for i := 1; i < len(v); i++ {
			if isLetter(v[i-1]) && (isLetter(v[i]) || v[i] == '/') || v[i-1] == '/' && isLetter(v[i]) {
				at = append(at, i)
			}
		}
		if len(at) == 0 {
			return v, false
		}
		i := at[r.IntN(len(at))]
		return v[:i] + gen(r) + v[i:], true
	}
}

// replaceByte replaces one occurrence of b with what gen returns.
func replaceByte(b byte, gen func(*rand.Rand) string) func(*rand.Rand, string) (string, bool) {
	return func(r *rand.Rand, v string) (string, bool) {
		var at []int
		for i := 0; i < len(v); i++ {
			if v[i] == b {
				at = append(at, i)
			}
		}
		if len(at) == 0 {
			return v, false
		}
		i := at[r.IntN(len(at))]
		return v[:i] + gen(r) + v[i+1:], true
	}
}

// braceExpand rewrites a run of plain words "cat /etc/passwd" (after a
// separator or a substitution opener, up to the next one) as
// {cat,/etc/passwd}.
func braceExpand(r *rand.Rand, v string) (string, bool) {
	var starts []int
	for i := 0; i < len(v); i++ {
		if strings.IndexByte(";|&\n(`", v[i]) >= 0 {
			starts = append(starts, i+1)
		}
	}
	if len(starts) == 0 {
		return v, false
	}
	s := starts[r.IntN(len(starts))]
	for s < len(v) && v[s] == ' ' {
		s++
	}
	e := s
	for e < len(v) && strings.IndexByte(";|&\n)`", v[e]) < 0 {
		e++
	}
	words := strings.Fields(v[s:e])
	if len(words) < 2 {
		return v, false
	}
	for _, w := range words {
		if strings.ContainsAny(w, "{},'\"\\$*?[]<>#~=") {
			return v, false
		}
	}
	return v[:s] + "{" + strings.Join(words, ",") + "}" + tail(v, e), true
}

func tail(v string, e int) string {
	if e < len(v) && v[e] != ' ' {
		return v[e:]
	}
	return strings.TrimLeft(v[e:], " ")
}

// binPath puts a bin directory before a command word that follows a
// separator.
func binPath(r *rand.Rand, v string) (string, bool) {
	var at []int
	for i := 0; i+1 < len(v); i++ {
		if strings.IndexByte(";|&\n(`", v[i]) >= 0 {
			j := i + 1
			for j < len(v) && v[j] == ' ' {
				j++
			}
			if j < len(v) && isLetter(v[j]) {
				at = append(at, j)
			}
		}
	}
	if len(at) == 0 {
		return v, false
	}
	i := at[r.IntN(len(at))]
	return v[:i] + pick(r, "/bin/", "/usr/bin/") + v[i:], true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// shellContexts are the places a payload is put in: an unquoted argument,
// a single-quoted one, a double-quoted one.
var shellContexts = [][2]string{{"echo ", ""}, {"echo '", "'"}, {`echo "`, `"`}}

// shellContext returns the first context in which v runs a command besides
// the context's own echo, and the commands v runs there: each simple
// command's words as the shell expands them, the name reduced to its base
// name.
func shellContext(v string) (int, [][]string) {
	for i, c := range shellContexts {
		cmds, ok := shellCommands(c[0] + v + c[1])
		if ok && len(cmds) > 1 {
			return i, cmds[1:]
		}
	}
	return -1, nil
}

// shellEnv is the environment of the oracle's shell: the default IFS, and
// no other variable (every other expansion is empty).
var shellEnv = expand.ListEnviron("IFS= \t\n")

// shellCommands parses line as bash and returns its simple commands in
// source order, each as the words the shell would run.
func shellCommands(line string) ([][]string, bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(line), "")
	if err != nil {
		return nil, false
	}
	cfg := &expand.Config{Env: shellEnv,
		CmdSubst:  func(io.Writer, *syntax.CmdSubst) error { return nil },
		ProcSubst: func(*syntax.ProcSubst) (string, error) { return "/dev/fd/63", nil }}
	var out [][]string
	ok := true
	syntax.Walk(f, func(n syntax.Node) bool {
		call, isCall := n.(*syntax.CallExpr)
		if !isCall || len(call.Args) == 0 {
			return true
		}
		words, err := expand.Fields(cfg, call.Args...)
		if err != nil {
			ok = false
			return false
		}
		if len(words) > 0 {
			words[0] = path.Base(words[0])
			out = append(out, words)
		}
		return true
	})
	return out, ok
}
