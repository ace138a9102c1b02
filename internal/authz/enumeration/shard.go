package enumeration

import (
	"strings"
	"sync"
	"time"
)

// pairKey identifies a tracked pair.
type pairKey struct{ principal, route string }

// shard is one lock's share of the tracked pairs, with a recency list for
// eviction: when full, the least recently active pair is dropped.
type shard struct {
	mu         sync.Mutex
	pairs      map[pairKey]*entry
	head, tail *entry // most and least recently active
	limit      int
}

func (s *shard) init(limit int) {
	s.pairs = make(map[pairKey]*entry)
	s.limit = limit
}

// get returns the pair's entry, marked most recently active, creating it (and
// evicting the least recently active pair when full) if needed.
func (s *shard) get(k pairKey, now time.Time) *entry {
	if e := s.pairs[k]; e != nil {
		s.touch(e)
		return e
	}
	if len(s.pairs) >= s.limit && s.tail != nil {
		old := s.tail
		s.unlink(old)
		delete(s.pairs, old.key)
	}
	// Clone so a long-lived entry does not pin the request that created it.
	k = pairKey{strings.Clone(k.principal), strings.Clone(k.route)}
	e := &entry{key: k, start: now}
	s.pairs[k] = e
	s.pushFront(e)
	return e
}

// touch marks e most recently active.
func (s *shard) touch(e *entry) {
	if s.head != e {
		s.unlink(e)
		s.pushFront(e)
	}
}

func (s *shard) pushFront(e *entry) {
	e.prev, e.next = nil, s.head
	if s.head != nil {
		s.head.prev = e
	}
	s.head = e
	if s.tail == nil {
		s.tail = e
	}
}

func (s *shard) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
