package graphql

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
)

// mayOverlap reports whether gqlparser's OverlappingFieldsCanBeMerged rule
// could find anything in doc, a document the other rules validated (so each
// field knows its parent type and definition). The rule compares only fields
// that share a response name in one selection set, as the set collects them
// through inline fragments and fragment spreads; a pair of the same field of
// the same type, without arguments and without a selection set, can never
// conflict. When no set holds any other pair, the rule — the most expensive
// of them, about a third of validation — is skipped; otherwise it runs as
// always. work bounds the collection (fragments spread in many sets): past
// it, the answer is yes.
func mayOverlap(doc *ast.QueryDocument, work int) bool {
	var seen [16]*ast.Field
	var spread [8]string
	var sets [32]ast.SelectionSet
	c := overlapScan{doc: doc, work: work, seen: seen[:0], spread: spread[:0], sets: sets[:0]}
	if len(doc.Fragments) > 8 {
		c.frags = make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
		for _, f := range doc.Fragments {
			c.frags[f.Name] = f
		}
	}
	for _, op := range doc.Operations {
		c.sets = append(c.sets, op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.sets = append(c.sets, f.SelectionSet)
	}
	for len(c.sets) > 0 {
		set := c.sets[len(c.sets)-1]
		c.sets = c.sets[:len(c.sets)-1]
		c.seen, c.spread = c.seen[:0], c.spread[:0]
		if c.big {
			clear(c.byName)
			c.big = false
		}
		if c.collect(set, true) {
			return true
		}
	}
	return false
}

type overlapScan struct {
	doc    *ast.QueryDocument
	frags  map[string]*ast.FragmentDefinition // by name, when there are many
	seen   []*ast.Field                       // first field of each response name, in the set being collected
	byName map[string]*ast.Field              // the same, once the set collects many
	big    bool                               // byName is in use
	spread []string                           // fragments already collected into it
	sets   []ast.SelectionSet                 // selection sets still to check
	work   int
}

// collect adds set's fields to c.seen, through inline fragments and spreads;
// own says set is the one being checked (its nested sets are queued).
func (c *overlapScan) collect(set ast.SelectionSet, own bool) bool {
	for _, sel := range set {
		if c.work--; c.work < 0 {
			return true
		}
		switch x := sel.(type) {
		case *ast.Field:
			if own && len(x.SelectionSet) > 0 {
				c.sets = append(c.sets, x.SelectionSet)
			}
			if prev := c.first(x); prev != nil && !sameLeaf(prev, x) {
				return true
			}
		case *ast.InlineFragment:
			if own {
				c.sets = append(c.sets, x.SelectionSet)
			}
			if c.collect(x.SelectionSet, false) {
				return true
			}
		case *ast.FragmentSpread:
			f := c.fragment(x.Name)
			if f == nil || slices.Contains(c.spread, x.Name) {
				continue // the same fragment twice: the same fields
			}
			c.spread = append(c.spread, x.Name)
			if c.collect(f.SelectionSet, false) {
				return true
			}
		}
	}
	return false
}

// first returns the field collected before under f's response name, or
// records f and returns nil. Sets are small: a list, then a map past 16.
func (c *overlapScan) first(f *ast.Field) *ast.Field {
	name := responseName(f)
	if !c.big {
		for _, g := range c.seen {
			if responseName(g) == name {
				return g
			}
		}
		c.seen = append(c.seen, f)
		if len(c.seen) > 16 {
			if c.byName == nil {
				c.byName = make(map[string]*ast.Field, 64)
			}
			for _, g := range c.seen { // distinct names
				c.byName[responseName(g)] = g
			}
			c.big = true
		}
		return nil
	}
	if g := c.byName[name]; g != nil {
		return g
	}
	c.byName[name] = f
	return nil
}

func responseName(f *ast.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}

func (c *overlapScan) fragment(name string) *ast.FragmentDefinition {
	if c.frags != nil {
		return c.frags[name]
	}
	return c.doc.Fragments.ForName(name)
}

// sameLeaf says a and b are the same scalar field of the same type, with no
// arguments: merging them cannot conflict.
func sameLeaf(a, b *ast.Field) bool {
	return a.Name == b.Name && a.ObjectDefinition != nil && a.ObjectDefinition == b.ObjectDefinition &&
		len(a.Arguments) == 0 && len(b.Arguments) == 0 && len(a.SelectionSet) == 0 && len(b.SelectionSet) == 0
}
