package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest config file accepted: larger input is refused
// before parsing, so a hostile or runaway file cannot exhaust memory.
const MaxFileSize = 4 << 20

// parseDocument checks the raw bytes and parses exactly one YAML document.
// It returns the document's root node, or nil with diagnostics.
func (d *decoder) parseDocument(data []byte) *yaml.Node {
	switch {
	case len(data) > MaxFileSize:
		d.fileError(fmt.Sprintf("file is %d bytes; the limit is %d (4 MiB)", len(data), MaxFileSize))
		return nil
	case !utf8.Valid(data):
		d.fileError("file is not valid UTF-8")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.fileError(emptyMessage)
		} else {
			d.syntaxError(err, data)
		}
		return nil
	}
	var next yaml.Node
	if err := safeDecode(dec, &next); !errors.Is(err, io.EOF) {
		d.add(Error, max(next.Line, 1), next.Column, "", "the file holds more than one YAML document (---); put the whole config in one")
		return nil
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		d.fileError(emptyMessage)
		return nil
	}
	root := doc.Content[0]
	if !d.checkTree(root) {
		return nil
	}
	return root
}

const emptyMessage = "the file is empty: a config needs at least admin and apis (see docs/configuration.md)"

// safeDecode decodes one document, turning a parser panic into an error so
// that hostile input can never crash the caller.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml parser failed: %v", r)
		}
	}()
	return dec.Decode(n)
}

// syntaxError reports a YAML parse error at its line when the parser gave
// one ("yaml: line 3: did not find expected key"). The parser often names the
// line of the enclosing key; for the mistakes people make most (a tab in the
// indentation, an unquoted value with a colon) the offending line is found
// in the source and named, with what to do.
func (d *decoder) syntaxError(err error, src []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if line, col := tabIndent(src); line > 0 && strings.Contains(msg, "tab") {
		d.add(Error, line, col, "", "invalid YAML: a tab character in the indentation: YAML indents with spaces only")
		return
	}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, text, found := strings.Cut(rest, ": ")
		if line, convErr := strconv.Atoi(num); found && convErr == nil && line > 0 {
			if strings.Contains(text, "mapping values are not allowed") {
				if l := colonValueLine(src, line); l > 0 {
					d.add(Error, l, 0, "", "invalid YAML: a value containing \": \" or ending with \":\" must be quoted, e.g. store: \"sqlite::memory:\"")
					return
				}
			}
			d.add(Error, line, 0, "", "invalid YAML: "+text)
			return
		}
	}
	d.fileError("invalid YAML: " + msg)
}

// tabIndent returns the first line (and column) whose indentation holds a tab.
func tabIndent(src []byte) (int, int) {
	for i, l := range strings.Split(string(src), "\n") {
		for j, c := range l {
			if c == '\t' {
				return i + 1, j + 1
			}
			if c != ' ' {
				break
			}
		}
	}
	return 0, 0
}

// colonValueLine finds, from the parser's line on, the first line whose plain
// (unquoted) value has a colon the parser takes for a second mapping.
func colonValueLine(src []byte, from int) int {
	lines := strings.Split(string(src), "\n")
	for i := max(from-1, 0); i < len(lines) && i <= from+1; i++ {
		l := strings.TrimSpace(lines[i])
		l = strings.TrimPrefix(l, "- ")
		_, v, ok := strings.Cut(l, ": ")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || strings.HasPrefix(v, "\"") || strings.HasPrefix(v, "'") || strings.HasPrefix(v, "#") {
			continue
		}
		if strings.HasSuffix(v, ":") || strings.Contains(v, ": ") {
			return i + 1
		}
	}
	return 0
}

// checkTree refuses YAML features the config has no use for and that make
// files hard to review or dangerous to parse: anchors and aliases (billion
// laughs), merge keys, custom tags, non-scalar keys and duplicate keys.
func (d *decoder) checkTree(n *yaml.Node) bool {
	ok := true
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch {
		case n.Kind == yaml.AliasNode:
			d.add(Error, n.Line, n.Column, path, "aliases (*"+n.Value+") are not supported: write the value out")
			ok = false
			return
		case n.Anchor != "":
			d.add(Error, n.Line, n.Column, path, "anchors (&"+n.Anchor+") are not supported: write the value out")
			ok = false
		case !standardTag(n):
			d.add(Error, n.Line, n.Column, path, fmt.Sprintf("YAML tag %q is not supported", n.Tag))
			ok = false
		}
		switch n.Kind {
		case yaml.MappingNode:
			ok = d.checkKeys(n, path) && ok
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], joinPath(path, n.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, indexPath(path, i))
			}
		}
	}
	walk(n, "")
	return ok
}

// checkKeys refuses non-scalar, merge (<<) and duplicate keys in a mapping.
func (d *decoder) checkKeys(n *yaml.Node, path string) bool {
	ok := true
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		kpath := joinPath(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			d.add(Error, k.Line, k.Column, path, "mapping keys must be plain strings")
			ok = false
		case k.Tag == "!!merge":
			d.add(Error, k.Line, k.Column, path, "merge keys (<<) are not supported: write the fields out")
			ok = false
		default:
			if first, dup := seen[k.Value]; dup {
				d.add(Error, k.Line, k.Column, kpath, fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, first))
				ok = false
				continue
			}
			seen[k.Value] = k.Line
		}
	}
	return ok
}

// standardTag reports whether n carries one of YAML's core tags.
func standardTag(n *yaml.Node) bool {
	switch n.Tag {
	case "", "!!str", "!!int", "!!bool", "!!null", "!!float", "!!map", "!!seq", "!!merge", "!!timestamp":
		return true
	}
	return false
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }
