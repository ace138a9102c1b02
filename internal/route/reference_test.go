package route

import (
	"slices"
	"strings"
)

// refMatch is a brute-force matcher implementing the documented precedence
// directly over the specs; the trie in Table must agree with it.
func refMatch(specs []Spec, host, method, path string) (res Result, idx int, params []Param, allow []string) {
	type cand struct {
		idx   int
		c     compiled
		hrank int
		ranks []int
	}
	h := requestHost(host)
	var cands []cand
	for i, s := range specs {
		c, err := compile(s)
		if err != nil {
			continue
		}
		hr := refHostRank(c.host, h)
		if hr < 0 || !c.tmpl.Matches(path) {
			continue
		}
		cands = append(cands, cand{idx: i, c: c, hrank: hr, ranks: refRanks(c.tmpl)})
	}
	best := -1
	for k, cd := range cands {
		if !refServes(specs, cd.c, method) {
			continue
		}
		if best < 0 || cd.hrank < cands[best].hrank ||
			cd.hrank == cands[best].hrank && slices.Compare(cd.ranks, cands[best].ranks) < 0 {
			best = k
		}
	}
	if best >= 0 {
		return Found, cands[best].idx, refParams(cands[best].c.tmpl, path), nil
	}
	if len(cands) == 0 {
		return NotFound, -1, nil, nil
	}
	for _, cd := range cands {
		allow = append(allow, cd.c.methods...)
	}
	if slices.Contains(allow, "GET") {
		allow = append(allow, "HEAD")
	}
	slices.Sort(allow)
	return MethodNotAllowed, -1, nil, slices.Compact(allow)
}

func refHostRank(p hostPattern, h string) int {
	switch {
	case p.any:
		return 2
	case p.wildcard:
		if i := strings.IndexByte(h, '.'); i > 0 && h[i+1:] == p.name {
			return 1
		}
		return -1
	case p.name == h:
		return 0
	}
	return -1
}

func refRanks(t *Template) []int {
	r := make([]int, len(t.segs))
	for i, s := range t.segs {
		r[i] = int(s.kind)
	}
	return r
}

// refServes reports whether route c serves method, HEAD falling back to GET when
// no route of the same host pattern and shape declares HEAD.
func refServes(specs []Spec, c compiled, method string) bool {
	if c.methods == nil || slices.Contains(c.methods, method) {
		return true
	}
	if method != "HEAD" || !slices.Contains(c.methods, "GET") {
		return false
	}
	for _, s := range specs {
		o, err := compile(s)
		if err == nil && o.host == c.host && sameShape(o.tmpl, c.tmpl) && slices.Contains(o.methods, "HEAD") {
			return false
		}
	}
	return true
}

func refParams(t *Template, path string) []Param {
	var out []Param
	pos := 1
	for _, s := range t.segs {
		if s.kind == segGlob || pos >= len(path) {
			break
		}
		seg, next := nextSegment(path, pos)
		if s.kind == segParam {
			out = append(out, Param{Name: s.text, Value: seg})
		}
		pos = next
	}
	return out
}
