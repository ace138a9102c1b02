package sanitize

import "bytes"

// rule is one detector: a fixed prefix, and for shapes a check of the bytes around it.
// A rule without check matches on its prefix alone.
type rule struct {
	prefix string
	leak   Leak
	// check, when set, confirms a match given the text before the prefix and after it.
	check func(before, after []byte) bool
}

// literals returns one rule per fixed marker.
func literals(leak Leak, markers ...string) []rule {
	rules := make([]rule, len(markers))
	for i, m := range markers {
		rules[i] = rule{prefix: m, leak: leak}
	}
	return rules
}

// ruleIndex lets one pass over a body try every rule: a table keyed by the two bytes at
// each position names the (usually empty) group of rules whose prefix starts with them,
// so almost every position costs one lookup. Built once at start-up, never modified.
type ruleIndex struct {
	slot   [1 << 16]uint8 // pair of bytes -> 1 + index in groups; 0: no rule
	groups [][]indexedRule
}

type indexedRule struct {
	rule
	set leakSet
}

var index = buildIndex(stackRules(), sqlRules(), debugRules(), pathRules())

// buildIndex indexes rules by their first two bytes. Prefixes shorter than two bytes,
// and pairs beyond the 255th distinct one, are dropped; TestIndexComplete guards both.
func buildIndex(lists ...[]rule) *ruleIndex {
	idx := &ruleIndex{}
	for _, list := range lists {
		for _, r := range list {
			if len(r.prefix) < 2 {
				continue
			}
			k := pairKey(r.prefix[0], r.prefix[1])
			if idx.slot[k] == 0 {
				if len(idx.groups) == 255 {
					continue
				}
				idx.groups = append(idx.groups, nil)
				idx.slot[k] = uint8(len(idx.groups))
			}
			g := int(idx.slot[k]) - 1
			idx.groups[g] = append(idx.groups[g], indexedRule{rule: r, set: bit(r.leak)})
		}
	}
	return idx
}

func pairKey(a, b byte) uint16 { return uint16(a)<<8 | uint16(b) }

// leakSet is a set of Leak kinds, bit i standing for order[i].
type leakSet uint8

// order lists the kinds in the order Detect reports them.
var order = [...]Leak{StackTrace, SQLError, DebugPage, InternalPath}

const allLeaks leakSet = 1<<len(order) - 1

func bit(l Leak) leakSet {
	for i, o := range order {
		if o == l {
			return 1 << i
		}
	}
	return 0
}

// scan returns the kinds of leak found in t, in one pass over it. It stops early once
// every kind is found.
func (idx *ruleIndex) scan(t []byte) leakSet {
	var found leakSet
	for i := 0; i+1 < len(t) && found != allLeaks; i++ {
		g := idx.slot[pairKey(t[i], t[i+1])]
		if g == 0 {
			continue
		}
		for _, r := range idx.groups[g-1] {
			if found&r.set != 0 || !bytes.HasPrefix(t[i:], []byte(r.prefix)) {
				continue
			}
			if r.check == nil || r.check(t[:i], t[i+len(r.prefix):]) {
				found |= r.set
			}
		}
	}
	return found
}
