package graphql

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
)

// multipartSanitizer cleans a GraphQL answer delivered in parts
// (multipart/mixed: incremental delivery of @defer and @stream, each part an
// execution result or a subsequent payload). It reads the answer part by
// part with mime/multipart and writes each on, framed anew with the same
// boundary, as soon as the part has been read: the client receives exactly
// the parts that were checked, whatever its own multipart reader would have
// made of the upstream's bytes. A part that is JSON has its errors cleaned,
// at the top and in each "incremental" and "completed" item; one that is JSON but no GraphQL
// payload, or larger than maxEvent, ends the answer with an error.
type multipartSanitizer struct {
	mr       *multipart.Reader
	body     io.Closer
	boundary string
	nulls    *Nulls // the first payload's only
	parts    int
	out      []byte
	err      error
}

func newMultipartSanitizer(body io.ReadCloser, boundary string, nulls *Nulls) *multipartSanitizer {
	return &multipartSanitizer{mr: multipart.NewReader(body, boundary), body: body, boundary: boundary, nulls: nulls}
}

func (m *multipartSanitizer) Close() error { return m.body.Close() }

func (m *multipartSanitizer) Read(p []byte) (int, error) { return drain(p, &m.out, &m.err, m.next) }

// next reads one part and puts it, framed and cleaned, in m.out; at the end
// it puts the closing delimiter.
func (m *multipartSanitizer) next() {
	part, err := m.mr.NextPart()
	if err == io.EOF {
		if m.parts > 0 {
			m.out = append(m.out[:0], "\r\n--"+m.boundary+"--\r\n"...)
		}
		m.err = io.EOF
		return
	}
	if err != nil {
		m.err = err
		return
	}
	body, err := io.ReadAll(io.LimitReader(part, maxEvent+1))
	if err != nil {
		m.err = err
		return
	}
	if len(body) > maxEvent {
		m.err = errEventTooLarge
		return
	}
	if doc, js, unreadable := sniff(body); unreadable {
		m.err = errors.New("graphql: a part that may be JSON in UTF-16 or UTF-32")
		return
	} else if js {
		var nulls *Nulls
		if m.parts == 0 {
			nulls = m.nulls
		}
		clean, changed, err := sanitizePayload(doc, nulls)
		if err != nil {
			m.err = err
			return
		}
		if changed {
			body = clean
		}
	}
	out := m.out[:0]
	if m.parts > 0 {
		out = append(out, "\r\n"...)
	}
	out = append(out, "--"+m.boundary+"\r\n"...)
	out = appendPartHeader(out, part.Header)
	out = append(out, "\r\n"...)
	out = append(out, body...)
	m.out = out
	m.parts++
}

// appendPartHeader writes the part's Content-Type, the one field clients
// read; others (a Content-Length a cleaned body would belie) are left out.
func appendPartHeader(dst []byte, h textproto.MIMEHeader) []byte {
	for _, v := range h["Content-Type"] {
		dst = append(dst, "Content-Type: "+v+"\r\n"...)
	}
	return dst
}

// sanitizePayload cleans one payload of incremental delivery: its own
// errors (SanitizeResponse, which also refuses a repeated "incremental" or
// "completed") and those of every item of its "incremental"
// list and of its "completed" list (the later form of the format reports a
// failed deferred fragment's errors there), each cleaned as a response is.
func sanitizePayload(doc []byte, nulls *Nulls) ([]byte, bool, error) {
	out, changed, err := SanitizeResponse(doc, nulls)
	if err != nil {
		return nil, false, err
	}
	if !changed {
		out = doc
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out, &top); err != nil {
		return nil, false, err
	}
	listsChanged := false
	for _, name := range []string{"incremental", "completed"} {
		raw, ok := top[name]
		if !ok || isNull(raw) {
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, false, fmt.Errorf("graphql: %s is not a list: %w", name, err)
		}
		itemsChanged := false
		for i, it := range items {
			clean, c, err := SanitizeResponse(it, nil)
			if err != nil {
				return nil, false, fmt.Errorf("graphql: %s item %d: %w", name, i, err)
			}
			if c {
				items[i], itemsChanged = clean, true
			}
		}
		if itemsChanged {
			if top[name], err = json.Marshal(items); err != nil {
				return nil, false, err
			}
			listsChanged = true
		}
	}
	if !listsChanged {
		return out, changed, nil
	}
	out, err = json.Marshal(top)
	return out, err == nil, err
}
