package inspect

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// MaxJSONDepth is the deepest JSON nesting the inspector accepts. The hygiene
// layer caps depth much lower (64 by default); this bound only keeps the
// inspector within encoding/json's limit if that check is ever configured away.
const MaxJSONDepth = jsonread.DefaultMaxDepth

// walkJSON inspects every key and string value of one JSON document, at any
// depth, with its path. The document is read by internal/jsonread, the
// reader every guard shares (strictly: RFC 8259, strings valid UTF-8, since
// parsers disagree about invalid bytes), or ix is the index already read of
// it (Request.JSON). Numbers, booleans and null are not inspected.
func (s *state) walkJSON(data []byte, ix *jsonread.Index) error {
	if ix == nil {
		var err error
		if ix, err = jsonread.Parse(data, jsonread.Options{MaxDepth: MaxJSONDepth}); err != nil {
			return fmt.Errorf("json: %w", err)
		}
		defer ix.Release()
	} else if ix.Depth() > MaxJSONDepth {
		return fmt.Errorf("json: %w", jsonread.ErrTooDeep)
	}
	s.frames, s.keys = s.frames[:0], s.keys[:0]
	for i := range ix.Len() {
		// Close the containers value i is not in.
		for len(s.frames) > 0 && ix.End(s.frames[len(s.frames)-1].node) <= i {
			s.pop()
		}
		if len(s.frames) > 0 {
			top := &s.frames[len(s.frames)-1]
			if top.object {
				// The member's key: nosql.Operator plus the string
				// detectors. Duplicate keys are simply read again, so
				// each one is inspected.
				s.keys = append(s.keys[:top.keyStart], ix.Key(i)...)
				top.keyEnd = len(s.keys)
				if s.check(locBodyKey, "", s.decode(bytesString(s.keys[top.keyStart:top.keyEnd])), roleKey) {
					return nil
				}
			} else {
				top.index++
			}
		}
		switch ix.Kind(i) {
		case jsonread.Object, jsonread.Array:
			if ix.Child(i) >= 0 {
				s.frames = append(s.frames, frame{object: ix.Kind(i) == jsonread.Object,
					keyStart: len(s.keys), keyEnd: len(s.keys), index: -1, node: i})
			}
		case jsonread.String:
			if s.check(locBody, "", s.decode(bytesString(ix.Text(i))), roleValue) {
				return nil
			}
		}
	}
	return nil
}

// pop closes the innermost container.
func (s *state) pop() {
	top := s.frames[len(s.frames)-1]
	s.keys = s.keys[:top.keyStart]
	s.frames = s.frames[:len(s.frames)-1]
}
