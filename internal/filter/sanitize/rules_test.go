package sanitize

import (
	"bytes"
	"testing"
)

func allRules() []rule {
	var all []rule
	for _, list := range [][]rule{stackRules(), sqlRules(), debugRules(), pathRules()} {
		all = append(all, list...)
	}
	return all
}

// TestIndexComplete checks that buildIndex dropped no rule: every prefix has two bytes
// and every rule is in the group of its first two bytes.
func TestIndexComplete(t *testing.T) {
	rules := allRules()
	indexed := 0
	for _, g := range index.groups {
		indexed += len(g)
	}
	if indexed != len(rules) {
		t.Fatalf("index holds %d rules, want %d", indexed, len(rules))
	}
	for _, r := range rules {
		if len(r.prefix) < 2 {
			t.Errorf("prefix %q is shorter than two bytes", r.prefix)
			continue
		}
		if bit(r.leak) == 0 {
			t.Errorf("prefix %q has unknown leak %q", r.prefix, r.leak)
		}
		if Detect([]byte(r.prefix)) == nil && r.check == nil {
			t.Errorf("literal %q alone is not detected", r.prefix)
		}
	}
}

// naiveScan is the obvious, slow form of ruleIndex.scan: every rule at every position.
func naiveScan(t []byte) leakSet {
	var found leakSet
	for _, r := range allRules() {
		for i := 0; i+len(r.prefix) <= len(t); i++ {
			if bytes.HasPrefix(t[i:], []byte(r.prefix)) &&
				(r.check == nil || r.check(t[:i], t[i+len(r.prefix):])) {
				found |= bit(r.leak)
				break
			}
		}
	}
	return found
}
