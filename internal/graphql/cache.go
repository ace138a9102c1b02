package graphql

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// docCache holds validated documents by their text, up to a byte budget; when
// full it starts over (a flood of distinct documents cannot grow it, and
// steady traffic refills it at once). Cached documents are read-only: the
// validator annotated them before they were stored.
type docCache struct {
	mu     sync.RWMutex
	docs   map[string]*ast.QueryDocument
	bytes  int
	budget int
}

func (c *docCache) init(budget int) {
	c.budget = budget
	c.docs = map[string]*ast.QueryDocument{}
}

func (c *docCache) get(q string) *ast.QueryDocument {
	c.mu.RLock()
	d := c.docs[q]
	c.mu.RUnlock()
	return d
}

func (c *docCache) put(q string, d *ast.QueryDocument) {
	if len(q) > c.budget/16 {
		return
	}
	c.mu.Lock()
	if c.bytes+len(q) > c.budget {
		c.docs = map[string]*ast.QueryDocument{}
		c.bytes = 0
	}
	if _, ok := c.docs[q]; !ok {
		c.docs[q] = d
		c.bytes += len(q)
	}
	c.mu.Unlock()
}
