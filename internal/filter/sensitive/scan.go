package sensitive

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// maxDepth is encoding/json's nesting limit; Scan accepts exactly what it accepts.
const maxDepth = jsonread.DefaultMaxDepth

// Scan walks every string value of the JSON document doc at any depth (and
// every digit-only number, for cards), applies p, and returns the document
// with Redact and Block values replaced, the findings in document order, and
// block=true when a Block kind was found. When nothing is replaced, out is doc
// itself. A document that is not JSON yields an error wrapping ErrInvalidJSON
// (an invalid p, ErrPolicy) and a nil out: the caller must not pass on what
// could not be inspected.
func Scan(doc []byte, p Policy) (out []byte, findings []Finding, block bool, err error) {
	ix, acts, err := read(doc, p)
	if err != nil {
		return nil, nil, false, err
	}
	defer ix.Release()
	return scanIndex(ix, acts)
}

// read compiles p and reads doc. Bytes that are not UTF-8 inside strings are
// accepted, as encoding/json accepts them: the response is the upstream's,
// and the detectors see the bytes as they are.
func read(doc []byte, p Policy) (*jsonread.Index, actions, error) {
	acts, err := p.compile()
	if err != nil {
		return nil, acts, err
	}
	ix, err := jsonread.Parse(doc, jsonread.Options{MaxDepth: maxDepth, AllowInvalidUTF8: true})
	if err != nil {
		return nil, acts, fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	return ix, acts, nil
}

// ScanIndex is Scan on a document already read by jsonread; out is ix.Data()
// when nothing is replaced.
func ScanIndex(ix *jsonread.Index, p Policy) (out []byte, findings []Finding, block bool, err error) {
	acts, err := p.compile()
	if err != nil {
		return nil, nil, false, err
	}
	return scanIndex(ix, acts)
}

// ScanKinds is Scan for a caller that needs to know which kinds were found,
// not where: it renders no paths and records no findings. kinds holds each
// kind found once, in the order of the Kind constants (nil: none).
func ScanKinds(doc []byte, p Policy) (out []byte, kinds []Kind, block bool, err error) {
	ix, acts, err := read(doc, p)
	if err != nil {
		return nil, nil, false, err
	}
	defer ix.Release()
	return scanKinds(ix, acts)
}

func scanKinds(ix *jsonread.Index, acts actions) (out []byte, kinds []Kind, block bool, err error) {
	out, found, block := compiled(acts).ScanIndex(ix)
	return out, found.Kinds(), block, nil
}

func scanIndex(ix *jsonread.Index, acts actions) (out []byte, findings []Finding, block bool, err error) {
	s := newScanner(ix, compiled(acts), true)
	out = s.scan()
	return out, s.findings, s.block, nil
}

func newScanner(ix *jsonread.Index, c *Compiled, paths bool) scanner {
	return scanner{ix: ix, doc: ix.Data(), acts: c.acts, enabled: c.enabled, paths: paths}
}

// scan runs the scanner and returns the document with its replacements.
func (s *scanner) scan() []byte {
	if s.enabled != 0 {
		s.run()
	}
	if s.out == nil {
		return s.doc
	}
	return append(s.out, s.doc[s.copied:]...)
}

// scanner is one Scan's state.
type scanner struct {
	ix       *jsonread.Index
	doc      []byte
	acts     actions
	enabled  kindSet
	out      []byte // nil until the first replacement
	copied   int    // doc[:copied] is already in out
	findings []Finding
	paths    bool    // record findings with their paths (else only found)
	found    kindSet // every kind found, with or without paths
	block    bool
	cur      int // the value being reported

	// With restricted, only the values inside kept (Compiled.ScanIndexKept)
	// are inspected, and out is built from those spans only.
	restricted bool
	kept       [][2]int
	ki         int // kept span of the value being looked at (run)
	ko         int // kept span the output is copied from (appendKept)
}

// inKept reports whether the value starting at start lies in a kept span.
// Values are visited in document order, so the span index only advances.
func (s *scanner) inKept(start int) bool {
	for s.ki < len(s.kept) && s.kept[s.ki][1] <= start {
		s.ki++
	}
	return s.ki < len(s.kept) && s.kept[s.ki][0] <= start
}

// appendKept appends to dst the bytes of doc[from:to] that lie in kept spans.
func (s *scanner) appendKept(dst []byte, from, to int) []byte {
	for s.ko < len(s.kept) && s.kept[s.ko][1] <= from {
		s.ko++
	}
	for k := s.ko; k < len(s.kept) && s.kept[k][0] < to; k++ {
		a, b := max(s.kept[k][0], from), min(s.kept[k][1], to)
		if a < b {
			dst = append(dst, s.doc[a:b]...)
		}
	}
	return dst
}

// run inspects every string and number in document order.
func (s *scanner) run() {
	ix := s.ix
	for i := range ix.Len() {
		switch ix.Kind(i) {
		case jsonread.String:
			start, end := ix.Span(i)
			if end-start-2 < minValueLen {
				continue // unescaping never lengthens a string
			}
			if s.restricted && !s.inKept(start) {
				continue
			}
			v := ix.Text(i)
			if found := detect(v, s.enabled); found != 0 {
				s.cur = i
				s.report(found, v, start, end)
			}
		case jsonread.Number:
			// A digit-only number may be a card number.
			v := ix.Text(i)
			if n := len(v); n >= 13 && n <= 19 && s.enabled.has(idxCard) && run(v, isDigit) == n && isCard(v) {
				start, end := ix.Span(i)
				if s.restricted && !s.inKept(start) {
					continue
				}
				s.cur = i
				s.report(1<<idxCard, v, start, end)
			}
		}
	}
}
