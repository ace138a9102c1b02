package inspect

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
)

// xml inspects an XML body (SOAP, XML APIs): every attribute value and every
// text node, CDATA included, with entities and character references
// resolved, since &#39; is an apostrophe to the upstream's parser too. Each
// value's path is its element names, an attribute last as "@name"
// ("order.item.@sku"). A body encoding/xml cannot read to the end (malformed,
// or with DTD-declared entities it does not expand) is inspected as text as
// well: the upstream's parser may be more lenient.
func (s *state) xml(body []byte) {
	s.frames, s.keys = s.frames[:0], s.keys[:0]
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Entity = xml.HTMLEntity
	err := s.xmlTokens(d)
	s.frames, s.keys = s.frames[:0], s.keys[:0]
	if err != nil && !s.found {
		s.text(body)
	}
}

func (s *state) xmlTokens(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s.pushName(t.Name.Local)
			for _, a := range t.Attr {
				s.pushName("@" + a.Name.Local)
				stop := s.check(locBody, "", s.decode(a.Value), roleValue)
				s.pop()
				if stop {
					return nil
				}
			}
		case xml.EndElement:
			if len(s.frames) > 0 {
				s.pop()
			}
		case xml.CharData:
			if v := bytes.TrimSpace(t); len(v) > 0 && s.check(locBody, "", s.decode(string(v)), roleValue) {
				return nil
			}
		}
	}
}

// pushName opens a path level named name (an XML element or attribute).
func (s *state) pushName(name string) {
	start := len(s.keys)
	s.keys = append(s.keys, name...)
	s.frames = append(s.frames, frame{object: true, keyStart: start, keyEnd: len(s.keys)})
}
