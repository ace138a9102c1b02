package route

import (
	"slices"
	"strings"
	"testing"
)

// FuzzMatch builds a table from fuzzed templates (dropping invalid and overlapping
// ones with Overlap, which NewTable must then accept) and checks Match against the
// brute-force reference on a fuzzed path.
func FuzzMatch(f *testing.F) {
	seeds := []struct {
		tmpls, path string
	}{
		{"/users/me\n/users/{id}\n/users/{id}/orders\n/admin/**", "/users/me"},
		{"/a/{x}/c\n/a/b/{y}\n/a/**", "/a/b/c"},
		{"/b/lit/deep\n/b/{p}/other\n/b/**", "/b/lit/other"},
		{"/\n/**\n/{a}", "/"},
		{"/a/\n/a\n/a/{b}", "/a/"},
		{"/x/{a}/{b}/{c}\n/x/y/{b}/z", "/x/y/q/z"},
		{"/{a\n/a//b\n/**/x", "//"},
	}
	for i, s := range seeds {
		f.Add(s.tmpls, s.path, uint8(i), uint8(i*3))
	}
	hosts := []string{"", "api.example.com", "*.example.com"}
	methodSets := [][]string{nil, {"GET"}, {"POST"}, {"GET", "POST"}, {"HEAD"}, {"DELETE", "GET"}}
	reqHosts := []string{"", "api.example.com:80", "WWW.example.com", "other.org"}
	reqMethods := []string{"GET", "HEAD", "POST", "DELETE", "PUT"}
	f.Fuzz(func(t *testing.T, tmpls, path string, hostSel, methodSel uint8) {
		var specs []Spec
		for i, line := range strings.Split(tmpls, "\n") {
			if i >= 32 {
				break
			}
			s := Spec{
				Host:    hosts[(i+int(hostSel))%len(hosts)],
				Methods: methodSets[(i*7+int(methodSel))%len(methodSets)],
				Path:    line,
			}
			if _, err := compile(s); err != nil || slices.ContainsFunc(specs, func(o Spec) bool { return Overlap(o, s) }) {
				continue
			}
			specs = append(specs, s)
		}
		tbl, err := NewTable(specs)
		if err != nil {
			t.Fatalf("NewTable after Overlap filtering: %v", err)
		}
		host := reqHosts[int(hostSel)%len(reqHosts)]
		method := reqMethods[int(methodSel)%len(reqMethods)]
		var m Match
		cp, err := Canonicalize(path)
		if err != nil {
			tbl.Match(host, method, path, &m) // must not panic on any input
			return
		}
		res, allow := tbl.Match(host, method, cp, &m)
		rres, ridx, rparams, rallow := refMatch(specs, host, method, cp)
		if res != rres || m.Index != ridx || !slices.Equal(allow, rallow) || len(m.Params)+len(rparams) > 0 && !slices.Equal(m.Params, rparams) {
			t.Fatalf("Match(%q %q %q) = %v %d %v %v; reference %v %d %v %v",
				host, method, cp, res, m.Index, m.Params, allow, rres, ridx, rparams, rallow)
		}
		if res == Found && !tbl.Template(m.Index).Matches(cp) {
			t.Fatalf("route %d (%s) does not match %q", m.Index, tbl.Template(m.Index), cp)
		}
	})
}
