package filter

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/filter/shape"
	"github.com/bulwark-gw/bulwark/internal/openapi"
)

// addViews lets callers holding a view's roles see its extra fields.
func addViews(t *shape.Tree, views []View) error {
	for _, v := range views {
		extra, err := shape.FromPaths(v.Allow)
		if err != nil {
			return fmt.Errorf("response.views: %w", err)
		}
		mergeTree(t, extra, v.Roles)
	}
	return nil
}

// mergeTree adds src's fields to dst, restricted to roles where dst lacks them.
func mergeTree(dst, src *shape.Tree, roles []string) {
	if src.Open {
		dst.Open = true
		return
	}
	if dst.Props == nil && len(src.Props) > 0 {
		dst.Props = map[string]*shape.Tree{}
	}
	for name, sub := range src.Props {
		if have, ok := dst.Props[name]; ok {
			mergeTree(have, sub, roles)
			continue
		}
		cp := *sub
		cp.Roles = append([]string(nil), roles...)
		dst.Props[name] = &cp
	}
	if src.Items != nil {
		if dst.Items == nil {
			cp := *src.Items
			dst.Items = &cp
		} else {
			mergeTree(dst.Items, src.Items, roles)
		}
	}
}

// treeFor returns the tree for a status (cached for a document); declared is
// false when the document declares no schema for the status.
func (g *Guard) treeFor(status int) (t *shape.Tree, declared bool) {
	if g.doc == nil {
		return g.allow, true
	}
	if c, ok := g.contract.Load(status); ok {
		return c.(contractTree).t, c.(contractTree).declared
	}
	c := contractTree{}
	if f := g.doc.ResponseFields(g.op.method, g.op.path, status); f != nil {
		c.t, c.declared = fieldsTree(f), true
		_ = addViews(c.t, g.o.Views) // paths were checked at build
		c.t.Seal()                   // complete before it is shared
	}
	g.contract.Store(status, c)
	return c.t, c.declared
}

// fieldsTree converts the document's declared properties; x-bulwark-roles on a
// property makes it visible to those roles only.
func fieldsTree(f *openapi.Fields) *shape.Tree {
	t := &shape.Tree{Open: f.Open}
	if len(f.Props) > 0 {
		t.Props = make(map[string]*shape.Tree, len(f.Props))
		for name, sub := range f.Props {
			st := fieldsTree(sub)
			if roles, ok := sub.Extensions["x-bulwark-roles"].([]any); ok {
				for _, r := range roles {
					if s, ok := r.(string); ok {
						st.Roles = append(st.Roles, s)
					}
				}
			}
			t.Props[name] = st
		}
	}
	if f.Items != nil {
		t.Items = fieldsTree(f.Items)
	}
	return t
}
