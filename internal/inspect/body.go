package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// bodyKind is how a body is inspected, chosen by its media type.
type bodyKind uint8

const (
	bodySkip bodyKind = iota // binary: images, archives, octet streams
	bodyJSON
	bodyForm
	bodyMultipart
	bodyText
	bodyXML
	bodyUntyped // no or an unreadable media type: form and text
)

// kindOf classifies a Content-Type value. A missing or unparsable type is
// inspected both as a form and as text (bodyUntyped): a backend may still
// sniff and parse it, so skipping it would let an attacker choose not to be
// inspected.
func kindOf(contentType string) bodyKind {
	typ, sub, ok := mediaType(contentType)
	if !ok {
		return bodyUntyped
	}
	switch {
	case strings.EqualFold(typ, "application") && strings.EqualFold(sub, "json"),
		hasSuffixFold(sub, "+json"):
		return bodyJSON
	case strings.EqualFold(typ, "application") && strings.EqualFold(sub, "x-www-form-urlencoded"):
		return bodyForm
	case strings.EqualFold(typ, "multipart") && strings.EqualFold(sub, "form-data"):
		return bodyMultipart
	case strings.EqualFold(sub, "xml") && (strings.EqualFold(typ, "application") || strings.EqualFold(typ, "text")),
		hasSuffixFold(sub, "+xml"):
		return bodyXML
	case strings.EqualFold(typ, "text"), strings.EqualFold(typ, "application") && isTextApplication(sub):
		return bodyText
	}
	return bodySkip
}

// isTextApplication lists application/* subtypes that carry text a backend
// parses into queries or commands.
func isTextApplication(sub string) bool {
	for _, t := range [...]string{"graphql", "x-ndjson", "ndjson", "javascript", "sql", "yaml", "x-yaml"} {
		if strings.EqualFold(sub, t) {
			return true
		}
	}
	return false
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// mediaType returns the type and subtype of a Content-Type value without its
// parameters and without allocating; ok is false unless it is token/token.
func mediaType(v string) (typ, sub string, ok bool) {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	typ, sub, ok = strings.Cut(strings.TrimSpace(v), "/")
	return typ, sub, ok && isToken(typ) && isToken(sub)
}

// body inspects the request body by its media type. Only parse failures are
// errors; a finding is left in s.
func (s *state) body(contentType string, body []byte, ix *jsonread.Index) error {
	if len(body) == 0 {
		return nil
	}
	switch kindOf(contentType) {
	case bodyJSON:
		return s.walkJSON(body, ix)
	case bodyForm:
		s.query(bytesString(body), locForm)
	case bodyMultipart:
		return s.multipart(contentType, body)
	case bodyXML:
		s.xml(body)
	case bodyUntyped:
		if !s.query(bytesString(body), locForm) {
			s.text(body)
		}
	case bodyText:
		s.text(body)
	}
	return nil
}

// text inspects a body as one value; check cuts a long one into
// overlapping windows.
func (s *state) text(body []byte) bool {
	return s.check(locBody, "", s.decode(bytesString(body)), roleValue)
}

// multipart inspects a multipart/form-data body: every part's name, the
// values of fields and the filenames of files (traversal only). File
// contents are not inspected: they are data, not parameters.
func (s *state) multipart(contentType string, body []byte) error {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("multipart: content type: %w", err)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return errors.New("multipart: no boundary")
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		// NextPart undoes a quoted-printable transfer encoding, as the
		// backend's parser would, so it cannot hide a payload.
		p, err := r.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("multipart: %w", err)
		}
		if err := s.part(p); err != nil || s.found {
			return err
		}
	}
}

// part inspects one multipart part.
func (s *state) part(p *multipart.Part) (err error) {
	// A part without Content-Disposition has no name and is no file (RFC
	// 7578 §4.2 requires one; parsers skip or keep such parts): its content
	// is inspected as a nameless value.
	var dp map[string]string
	disposition := p.Header.Get("Content-Disposition")
	if disposition != "" {
		_, dp, err = mime.ParseMediaType(disposition)
	}
	if err != nil {
		// Fail closed: a part whose name the gateway cannot read is a part
		// it cannot inspect, and some backend may read it anyway.
		return fmt.Errorf("multipart: content disposition: %w", err)
	}
	name := s.decode(dp["name"])
	if s.check(locFormName, name, name, roleName) {
		return nil
	}
	// The raw filename parameter, not Part.FileName, which strips
	// directories and with them the traversal an upstream may not strip.
	if filename, isFile := dp["filename"]; isFile {
		if !s.check(locFilename, name, s.decode(filename), roleFilename) &&
			strings.Contains(disposition, "filename*") {
			// filename* (RFC 5987) hid the plain filename, which some
			// upstreams read instead: the whole header value covers both.
			s.check(locFilename, name, s.decode(disposition), roleFilename)
		}
		return nil
	}
	s.scratch = s.scratch[:0]
	for {
		if len(s.scratch) == cap(s.scratch) {
			s.scratch = append(s.scratch, 0)[:len(s.scratch)]
		}
		n, err := p.Read(s.scratch[len(s.scratch):cap(s.scratch)])
		s.scratch = s.scratch[:len(s.scratch)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("multipart: %w", err)
		}
	}
	s.check(locMultipart, name, s.decode(bytesString(s.scratch)), roleValue)
	return nil
}
