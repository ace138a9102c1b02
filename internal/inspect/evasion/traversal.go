package evasion

import (
	"math/rand/v2"
	"net/url"
	"path"
	"strings"
)

var traversalClass = class{
	ops: []op{
		{"dot-segment", replaceString("/", func(r *rand.Rand) string { return pick(r, "/./", "/././") })},
		{"double-slash", replaceString("/", func(r *rand.Rand) string { return "//" })},
		{"encode-dot", replaceString(".", func(r *rand.Rand) string { return pick(r, "%2e", "%2E") })},
		{"encode-slash", replaceString("/", func(r *rand.Rand) string { return pick(r, "%2f", "%2F") })},
		{"backslash", func(r *rand.Rand, v string) (string, bool) {
			if !strings.Contains(v, `\`) {
				return v, false // only where the seed targets a Windows path
			}
			return replaceString("/", func(*rand.Rand) string { return `\` })(r, v)
		}},
	},
	valid: func(seed string) bool {
		p, ok := resolveTraversal(seed)
		return ok && !strings.HasPrefix(p, traversalBase+"/")
	},
	same: func(seed, mutant string) bool {
		a, ok := resolveTraversal(seed)
		if !ok {
			return false
		}
		b, ok := resolveTraversal(mutant)
		return ok && a == b
	},
}

// traversalBase is the directory the application joins names to.
const traversalBase = "/srv/app/files"

// resolveTraversal is what the application opens: v decoded once, its
// backslashes read as separators (a Windows server), joined to the base
// directory unless absolute, and cleaned.
func resolveTraversal(v string) (string, bool) {
	d, err := url.PathUnescape(v)
	if err != nil || strings.ContainsRune(d, 0) {
		return "", false
	}
	d = strings.ReplaceAll(d, `\`, "/")
	if strings.HasPrefix(d, "/") {
		return path.Clean(d), true
	}
	return path.Join(traversalBase, d), true
}

func replaceString(old string, gen func(*rand.Rand) string) func(*rand.Rand, string) (string, bool) {
	return func(r *rand.Rand, v string) (string, bool) {
		n := strings.Count(v, old)
		if n == 0 {
			return v, false
		}
		k := r.IntN(n)
		i := 0
		for ; k > 0; k-- {
			i += strings.Index(v[i:], old) + len(old)
		}
		i += strings.Index(v[i:], old)
		return v[:i] + gen(r) + v[i+len(old):], true
	}
}
