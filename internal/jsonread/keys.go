package jsonread

import (
	"bytes"
	"cmp"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/bulwark-gw/bulwark/internal/jsonstr"
)

// keyEntry is one member of the object being checked: its folded key,
// k.fold[from:to], and that key's hash (large objects only).
type keyEntry struct {
	h        uint64
	from, to int32
	node     int32
}

// keyScratch is the scratch of the duplicate-key check, pooled: a document
// without duplicates costs no allocation once the pool is warm. It holds the
// folded keys of the one object being checked.
type keyScratch struct {
	list []keyEntry
	fold []byte
}

var keyScratches = sync.Pool{New: func() any {
	return &keyScratch{list: make([]keyEntry, 0, 64), fold: make([]byte, 0, 1024)}
}}

// maxPooledKeys bounds the list a pooled keyScratch keeps.
const maxPooledKeys = 1 << 16

// keySeed keys the hash of folded keys: unknown to clients, so they cannot
// aim many keys at one hash (collisions are compared exactly anyway; they
// would only cost time).
var keySeed = maphash.MakeSeed()

// pairwiseKeys is the size up to which an object's keys are compared pair by
// pair; larger objects are sorted by hash, so a huge object costs n log n.
const pairwiseKeys = 16

// duplicates checks the object obj, just closed, for two keys of one folded
// form; the error names the later one. nodes are the values so far.
func (p *parser) duplicates(nodes []node, obj int) error {
	ix := p.ix
	ix.nodes = nodes // for Key and Pointer
	dup, found, ok := asciiDuplicate(p.d, nodes, obj)
	if !ok {
		dup, found = p.foldedDuplicate(obj)
	}
	if found {
		return &DuplicateKeyError{Pointer: ix.Pointer(dup), Offset: int(nodes[dup].kq)}
	}
	return nil
}

// foldedDuplicate reports whether two members of the object obj in p.ix
// have keys of one folded form, and the later one: it folds them all into
// the scratch and compares them there.
func (p *parser) foldedDuplicate(obj int) (int, bool) {
	if p.keys == nil {
		p.keys = keyScratches.Get().(*keyScratch) // returned by Parse (releaseKeys)
	}
	k, ix := p.keys, p.ix
	k.list, k.fold = k.list[:0], k.fold[:0]
	for c := obj + 1; c < int(ix.nodes[obj].next); c = int(ix.nodes[c].next) {
		from := len(k.fold)
		k.fold = jsonstr.AppendFoldedText(k.fold, ix.Key(c))
		k.list = append(k.list, keyEntry{from: int32(from), to: int32(len(k.fold)), node: int32(c)})
	}
	return k.duplicate()
}

// asciiDuplicate is foldedDuplicate for the common object, without
// folding: one of at most pairwiseKeys members, each with a key written in
// plain ASCII (keyASCII), compared by jsonstr.SameFoldedASCII pair by pair
// in the order duplicate compares them; the later one of the first pair
// found is returned, as duplicate returns it. ok is false when the object is
// not of that kind.
func asciiDuplicate(d []byte, nodes []node, obj int) (dup int, found, ok bool) {
	var members [pairwiseKeys]int32
	n := 0
	for c := obj + 1; c < int(nodes[obj].next); c = int(nodes[c].next) {
		if n == len(members) || nodes[c].flags&keyASCII == 0 {
			return 0, false, false
		}
		members[n] = int32(c)
		n++
	}
	for j := 1; j < n; j++ {
		b := &nodes[members[j]]
		for _, i := range members[:j] {
			a := &nodes[i]
			if a.k1-a.k0 == b.k1-b.k0 && jsonstr.SameFoldedASCII(d[a.k0:a.k1], d[b.k0:b.k1]) { // lengths first: no slicing for most pairs
				return int(members[j]), true, true
			}
		}
	}
	return 0, false, true
}

// duplicate reports whether two of the listed members have keys of one
// folded form, and the later one. It may reorder the list.
func (k *keyScratch) duplicate() (int, bool) {
	keys := k.list
	if len(keys) <= pairwiseKeys {
		for j := 1; j < len(keys); j++ {
			for i := range j {
				if k.same(keys[i], keys[j]) {
					return int(keys[j].node), true
				}
			}
		}
		return 0, false
	}
	for i := range keys {
		keys[i].h = maphash.Bytes(keySeed, k.fold[keys[i].from:keys[i].to])
	}
	slices.SortFunc(keys, func(a, b keyEntry) int { return cmp.Compare(a.h, b.h) })
	for i := range keys {
		for j := i + 1; j < len(keys) && keys[j].h == keys[i].h; j++ {
			if k.same(keys[i], keys[j]) {
				return int(max(keys[i].node, keys[j].node)), true // the later one: sorting lost the order
			}
		}
	}
	return 0, false
}

// same compares two folded keys.
func (k *keyScratch) same(a, b keyEntry) bool {
	return a.to-a.from == b.to-b.from && bytes.Equal(k.fold[a.from:a.to], k.fold[b.from:b.to])
}

// releaseKeys returns the duplicate-key scratch, if the parse took one.
func (p *parser) releaseKeys() {
	if p.keys != nil && cap(p.keys.list) <= maxPooledKeys && cap(p.keys.fold) <= maxPooledKeys*16 {
		keyScratches.Put(p.keys)
	}
	p.keys = nil
}
