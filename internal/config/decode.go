package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// position is a node's place in the file.
type position struct{ line, col int }

// decoder walks a yaml.Node tree against the schema structs, collecting every
// problem instead of stopping at the first. It also records where each field
// path sits in the file, so later validation can point at it.
type decoder struct {
	file  string
	res   resolver
	diags Diagnostics
	pos   map[string]position // field path → node position
	raw   map[string]string   // field path → value before expansion, for values with references
	bad   map[string]bool     // field paths that failed to decode

	dropped    int  // diagnostics past maxDiagnostics
	droppedErr bool // one of them was an error
}

// nodeDecoder is implemented by schema types with more than one YAML form
// (the upstream's string shorthand or object).
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

// maxDiagnostics bounds the report: past it, a hostile or badly broken file
// would only produce noise (and memory use).
const maxDiagnostics = 1000

func (d *decoder) add(sev Severity, line, col int, path, msg string) {
	if len(d.diags) >= maxDiagnostics {
		d.dropped++
		d.droppedErr = d.droppedErr || sev == Error
		return
	}
	d.diags = append(d.diags, Diagnostic{File: d.file, Line: line, Col: col, Path: path, Severity: sev, Message: msg})
}

// finish appends a note about dropped diagnostics and sorts them.
func (d *decoder) finish() Diagnostics {
	if d.dropped > 0 {
		sev := Warning
		if d.droppedErr {
			sev = Error
		}
		d.diags = append(d.diags, Diagnostic{File: d.file, Severity: sev,
			Message: fmt.Sprintf("%d more problems not shown; fix the first %d and check again", d.dropped, maxDiagnostics)})
	}
	sortDiagnostics(d.diags)
	return d.diags
}

func (d *decoder) fileError(msg string) { d.add(Error, 0, 0, "", msg) }

// errorf reports an error at the node of path (or its nearest decoded
// parent), unless path or a parent already failed to decode: validation of a
// value that could not be read would only repeat the problem.
func (d *decoder) errorf(path, format string, args ...any) {
	for q := path; ; q = parentPath(q) {
		if d.bad[q] {
			return
		}
		if q == "" {
			break
		}
	}
	p := d.at(path)
	d.add(Error, p.line, p.col, path, fmt.Sprintf(format, args...))
}

// warnf reports a warning at the node of path.
func (d *decoder) warnf(path, format string, args ...any) {
	p := d.at(path)
	d.add(Warning, p.line, p.col, path, fmt.Sprintf(format, args...))
}

func (d *decoder) nodeError(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.add(Error, n.Line, n.Column, path, fmt.Sprintf(format, args...))
}

// at returns the position of path, falling back to its closest parent that
// was in the file (a missing required field is reported at its parent).
func (d *decoder) at(path string) position {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		if path == "" {
			return position{1, 1}
		}
		path = parentPath(path)
	}
}

// has reports whether path was present in the file.
func (d *decoder) has(path string) bool {
	_, ok := d.pos[path]
	return ok
}

// line returns the line of path.
func (d *decoder) line(path string) int { return d.at(path).line }

// rawValue returns the text of a string field as written, before reference
// expansion.
func (d *decoder) rawValue(path, expanded string) string {
	if r, ok := d.raw[path]; ok {
		return r
	}
	return expanded
}

// decode fills v from n. A null node leaves v untouched (the field counts as
// absent).
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	d.pos[path] = position{n.Line, n.Column}
	if isNull(n) {
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, path, v.Elem())
		return
	}
	addr := v.Addr().Interface()
	if u, ok := addr.(nodeDecoder); ok {
		u.decodeNode(d, n, path)
		return
	}
	if s, ok := addr.(scalarDecoder); ok {
		d.decodeCustom(n, path, s)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	case reflect.Slice:
		d.decodeSlice(n, path, v)
	case reflect.Map:
		d.decodeMap(n, path, v)
	case reflect.String:
		d.decodeString(n, path, v)
	case reflect.Bool:
		d.decodeBool(n, path, v)
	case reflect.Int, reflect.Int64:
		d.decodeInt(n, path, v)
	default:
		d.nodeError(n, path, "internal error: no decoder for %s", v.Type())
	}
}

// scalar returns the expanded value of a scalar node, reporting reference
// problems. ok is false when the value is unusable.
func (d *decoder) scalar(n *yaml.Node, path, expected string) (e expansion, ok bool) {
	if n.Kind != yaml.ScalarNode {
		d.nodeError(n, path, "expected %s, got %s", expected, describe(n))
		return e, false
	}
	e = d.res.expand(n.Value)
	for _, msg := range e.errs {
		d.nodeError(n, path, "%s", msg)
	}
	if e.refs > 0 {
		d.raw[path] = n.Value
	}
	return e, len(e.errs) == 0
}

func (d *decoder) decodeCustom(n *yaml.Node, path string, s scalarDecoder) {
	e, ok := d.scalar(n, path, s.expected())
	if !ok {
		return
	}
	if err := s.decodeScalar(e.value); err != nil {
		d.nodeError(n, path, "%v", err)
	}
}

func (d *decoder) decodeString(n *yaml.Node, path string, v reflect.Value) {
	e, ok := d.scalar(n, path, "a string")
	if !ok {
		return
	}
	if v.Type() == reflect.TypeFor[Secret]() && e.refs == 0 && e.value != "" {
		d.add(Warning, n.Line, n.Column, path, literalSecret)
	}
	v.SetString(e.value)
}

const literalSecret = "literal secret in the config file: use ${env:NAME} or ${file:PATH} instead"

func (d *decoder) decodeBool(n *yaml.Node, path string, v reflect.Value) {
	e, ok := d.scalar(n, path, "true or false")
	if !ok {
		return
	}
	b, err := strconv.ParseBool(e.value)
	if err != nil || (n.ShortTag() != "!!bool" && e.refs == 0) {
		d.nodeError(n, path, "expected true or false, got %q", n.Value)
		return
	}
	v.SetBool(b)
}

func (d *decoder) decodeInt(n *yaml.Node, path string, v reflect.Value) {
	e, ok := d.scalar(n, path, "an integer")
	if !ok {
		return
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(e.value, "_", ""), 0, 64)
	if err != nil || (n.ShortTag() != "!!int" && e.refs == 0) || v.OverflowInt(i) {
		d.nodeError(n, path, "expected an integer, got %q", n.Value)
		return
	}
	v.SetInt(i)
}

func (d *decoder) decodeSlice(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.nodeError(n, path, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		d.decode(c, indexPath(path, i), s.Index(i))
	}
	v.Set(s)
}

// decodeMap decodes a mapping with string keys (header names, kinds) into a map.
// Duplicate keys were already refused when the document was read.
func (d *decoder) decodeMap(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode || v.Type().Key().Kind() != reflect.String {
		d.nodeError(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.nodeError(k, path, "expected a plain key, got %s", describe(k))
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, path+"."+k.Value, elem)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

// decodeStruct decodes a mapping into a struct by its yaml tags; a key with
// no field is an error naming the allowed fields.
func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.nodeError(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	names := fieldNames(v.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		idx, ok := fieldIndex(names, k.Value)
		kpath := joinPath(path, k.Value)
		if !ok || k.Kind != yaml.ScalarNode {
			d.nodeError(k, kpath, "unknown field %q (allowed: %s)", k.Value, allowed(names))
			continue
		}
		d.decode(val, kpath, v.Field(idx))
	}
}

// fieldNames lists a struct's yaml field names in declaration order; the
// index in the list is the field index.
func fieldNames(t reflect.Type) []string {
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
	}
	return names
}

func fieldIndex(names []string, key string) (int, bool) {
	for i, n := range names {
		if n == key && n != "" && n != "-" {
			return i, true
		}
	}
	return 0, false
}

// describe names a node's kind for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func joinPath(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

// parentPath strips the last element of a field path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// allowed lists the field names a mapping accepts.
func allowed(names []string) string {
	var out []string
	for _, n := range names {
		if n != "" && n != "-" {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

func quote(s string) string { return strconv.Quote(s) }
