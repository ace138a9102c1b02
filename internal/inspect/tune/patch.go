package tune

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Apply writes the proposals into a config file's YAML: each one becomes an
// item of its route's inspect.exclude (created when absent), with a comment
// giving its count, rules and example fields; an operator proposal is an
// item with operators (no detectors), and operators seen in a later round
// join the field's item. Everything else in the file — comments, order,
// ${env:...} references — is kept. An exclusion the route already has is not
// added twice. A proposal whose API or route is not in the file is an
// error: the audit log is from another config.
func Apply(src []byte, ps []Proposal) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the config is not a YAML mapping")
	}
	root := doc.Content[0]
	for _, p := range ps {
		rt, err := findRoute(root, p.API, p.Route)
		if err != nil {
			return nil, err
		}
		inspect := mapValue(rt, "inspect", yaml.MappingNode)
		blockStyle(rt, "inspect", inspect)
		exclude := mapValue(inspect, "exclude", yaml.SequenceNode)
		blockStyle(inspect, "exclude", exclude)
		if hasExclusion(exclude, p.Field, p.Detector) {
			continue
		}
		if len(p.Operators) > 0 && addOperators(exclude, p) {
			continue
		}
		item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(p.Operators) > 0 {
			item.Content = append(item.Content, scalar("field"), scalar(p.Field), scalar("operators"), flowList(p.Operators))
		} else {
			item.Content = append(item.Content, scalar("field"), scalar(p.Field), scalar("detectors"), flowList([]string{p.Detector}))
		}
		item.HeadComment = comment(p)
		exclude.Content = append(exclude.Content, item)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

func comment(p Proposal) string {
	c := fmt.Sprintf("bulwark tune: %d finding(s) of %s, e.g. %s", p.Count, strings.Join(p.Rules, ", "), strings.Join(p.Examples, ", "))
	if len(p.Operators) > 0 {
		c += "\nonly these operators, only on this field; the NoSQL detector still runs here"
	}
	if p.Wide != "" {
		c += "\nWARNING: " + p.Wide
	}
	return c
}

// blockStyle writes a flow collection ({mode: monitor}) in block style, so
// that items can be added below it; a comment at the end of its line moves
// to its key.
func blockStyle(m *yaml.Node, key string, v *yaml.Node) {
	if v.Style&yaml.FlowStyle == 0 {
		return
	}
	v.Style = 0
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Value == key && m.Content[i+1] == v {
			for _, c := range []*string{&v.LineComment, &v.FootComment} {
				if *c != "" && k.LineComment == "" {
					k.LineComment, *c = *c, ""
				}
			}
		}
	}
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func flowList(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, scalar(s))
	}
	return n
}

// addOperators adds p's operators to the field's existing operator item
// (a later round's), reporting whether there was one.
func addOperators(seq *yaml.Node, p Proposal) bool {
	for _, it := range seq.Content {
		f, ops := lookup(it, "field"), lookup(it, "operators")
		if f == nil || f.Value != p.Field || ops == nil || ops.Kind != yaml.SequenceNode {
			continue
		}
		for _, op := range p.Operators {
			if !slices.ContainsFunc(ops.Content, func(n *yaml.Node) bool { return n.Value == op }) {
				ops.Content = append(ops.Content, scalar(op))
			}
		}
		return true
	}
	return false
}

// findRoute finds apis[name=api].routes[name or match = route].
func findRoute(root *yaml.Node, api, route string) (*yaml.Node, error) {
	apis := lookup(root, "apis")
	if apis == nil || apis.Kind != yaml.SequenceNode {
		return nil, errors.New("the config has no apis list")
	}
	for _, a := range apis.Content {
		if n := lookup(a, "name"); n == nil || n.Value != api {
			continue
		}
		routes := lookup(a, "routes")
		if routes == nil || routes.Kind != yaml.SequenceNode {
			break
		}
		for _, r := range routes.Content {
			name, match := lookup(r, "name"), lookup(r, "match")
			if name != nil && name.Value == route || name == nil && match != nil && match.Value == route {
				return r, nil
			}
		}
		return nil, fmt.Errorf("api %q has no route %q in this config", api, route)
	}
	return nil, fmt.Errorf("no api %q in this config", api)
}

// lookup returns the value of key in mapping m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapValue returns the value of key in m, adding an empty node of kind when
// absent.
func mapValue(m *yaml.Node, key string, kind yaml.Kind) *yaml.Node {
	if v := lookup(m, key); v != nil {
		return v
	}
	tag := "!!map"
	if kind == yaml.SequenceNode {
		tag = "!!seq"
	}
	v := &yaml.Node{Kind: kind, Tag: tag}
	m.Content = append(m.Content, scalar(key), v)
	return v
}

func hasExclusion(seq *yaml.Node, field, det string) bool {
	for _, it := range seq.Content {
		f := lookup(it, "field")
		if f == nil || f.Value != field || lookup(it, "operators") != nil {
			continue // an operator item turns no detector off
		}
		d := lookup(it, "detectors")
		if d == nil || len(d.Content) == 0 {
			return true // all detectors already off there
		}
		for _, x := range d.Content {
			if x.Value == det {
				return true
			}
		}
	}
	return false
}
