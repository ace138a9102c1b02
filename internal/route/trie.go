package route

import "slices"

// smallFanout is the number of literal children below which a node scans a slice
// instead of hashing into a map.
const smallFanout = 8

// node is one trie position; its depth is the number of path segments consumed.
type node struct {
	litKeys  []string // literal children, scanned when few
	litNodes []*node
	litMap   map[string]*node // literal children, when many
	param    *node            // {param} child
	end      *endpoint        // templates ending here
	glob     *endpoint        // templates ending in ** here
}

// endpoint holds the routes of one template shape in one host group.
type endpoint struct {
	methods  []string // explicit methods, sorted
	routes   []int    // route index per methods entry
	anyRoute int      // route for any method, or -1
	get      int      // GET route when no route here declares HEAD, or -1
	allow    []string // Allow list for 405, precomputed
}

func newEndpoint() *endpoint { return &endpoint{anyRoute: -1, get: -1} }

// lookup returns the route serving method, or -1.
func (e *endpoint) lookup(method string) int {
	for i, m := range e.methods {
		if m == method {
			return e.routes[i]
		}
	}
	if method == "HEAD" && e.get >= 0 {
		return e.get
	}
	return e.anyRoute
}

// add registers route idx for methods (nil = any), or returns the index of a
// route already here that shares a method.
func (e *endpoint) add(idx int, methods []string) (conflict int, ok bool) {
	if e.anyRoute >= 0 {
		return e.anyRoute, false
	}
	if methods == nil {
		if len(e.routes) > 0 {
			return e.routes[0], false
		}
		e.anyRoute = idx
		return 0, true
	}
	for _, m := range methods {
		if i, found := slices.BinarySearch(e.methods, m); found {
			return e.routes[i], false
		}
	}
	for _, m := range methods {
		i, _ := slices.BinarySearch(e.methods, m)
		e.methods = slices.Insert(e.methods, i, m)
		e.routes = slices.Insert(e.routes, i, idx)
	}
	return 0, true
}

// finish precomputes the HEAD fallback and the Allow list.
func (e *endpoint) finish() {
	allow := slices.Clone(e.methods)
	if i, ok := slices.BinarySearch(e.methods, "GET"); ok {
		if _, head := slices.BinarySearch(e.methods, "HEAD"); !head {
			e.get = e.routes[i]
			allow = append(allow, "HEAD")
			slices.Sort(allow)
		}
	}
	e.allow = allow
}

// child returns the literal child for seg, or nil.
func (n *node) child(seg string) *node {
	if n.litMap != nil {
		return n.litMap[seg]
	}
	for i, k := range n.litKeys {
		if k == seg {
			return n.litNodes[i]
		}
	}
	return nil
}

// insert walks (creating) the nodes for t and returns the endpoint its routes use.
func (n *node) insert(t *Template) *endpoint {
	for _, s := range t.segs {
		switch s.kind {
		case segGlob:
			if n.glob == nil {
				n.glob = newEndpoint()
			}
			return n.glob
		case segParam:
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		default:
			c := n.child(s.text)
			if c == nil {
				c = &node{}
				n.litKeys = append(n.litKeys, s.text)
				n.litNodes = append(n.litNodes, c)
			}
			n = c
		}
	}
	if n.end == nil {
		n.end = newEndpoint()
	}
	return n.end
}

// finish freezes the subtree: maps for wide fan-out, precomputed endpoints.
func (n *node) finish() {
	if len(n.litKeys) > smallFanout {
		n.litMap = make(map[string]*node, len(n.litKeys))
		for i, k := range n.litKeys {
			n.litMap[k] = n.litNodes[i]
		}
		n.litKeys, n.litNodes = nil, nil
	}
	for _, c := range n.litNodes {
		c.finish()
	}
	for _, c := range n.litMap {
		c.finish()
	}
	if n.param != nil {
		n.param.finish()
	}
	if n.end != nil {
		n.end.finish()
	}
	if n.glob != nil {
		n.glob.finish()
	}
}
