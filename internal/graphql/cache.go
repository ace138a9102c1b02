package graphql

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// compiled is a parsed, measured and validated document. It is read-only
// once stored: the validator annotated it before.
type compiled struct {
	doc   *ast.QueryDocument
	stats docStats
}

// docCache holds compiled documents by their text within a memory budget,
// as two generations: new documents go into the current one; when it is full
// it becomes the previous one and the one before is dropped; a hit in the
// previous generation moves the document back into the current one. That is
// a least-recently-used cache at the granularity of a generation: a flood of
// distinct documents evicts only what it outlives, and costs one map lookup
// per request, not a list update.
//
// A Guard owns its cache and a reload builds a new Guard, so a reloaded
// schema never serves a document validated against the old one.
type docCache struct {
	mu        sync.RWMutex
	cur, prev map[string]*compiled
	bytes     int // the current generation's estimated memory
	budget    int // per generation
}

// docCost estimates a compiled document's memory from its text: the AST and
// the validator's annotations take about sixteen times the text.
func docCost(q string) int { return 512 + 16*len(q) }

func (c *docCache) init(budget int) {
	c.budget = budget
	c.cur = map[string]*compiled{}
}

func (c *docCache) get(q string) *compiled {
	c.mu.RLock()
	e := c.cur[q]
	if e == nil && c.prev != nil {
		e = c.prev[q]
		if e != nil {
			c.mu.RUnlock()
			c.put(q, e)
			return e
		}
	}
	c.mu.RUnlock()
	return e
}

func (c *docCache) put(q string, e *compiled) {
	cost := docCost(q)
	if cost > c.budget/16 {
		return
	}
	c.mu.Lock()
	if _, ok := c.cur[q]; !ok {
		if c.bytes+cost > c.budget {
			c.prev, c.cur, c.bytes = c.cur, make(map[string]*compiled, len(c.cur)), 0
		}
		c.cur[q] = e
		c.bytes += cost
	}
	c.mu.Unlock()
}

// len is the number of documents held (both generations; a document moved
// back counts twice until the older generation goes).
func (c *docCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur) + len(c.prev)
}
