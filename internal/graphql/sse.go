package graphql

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxEvent bounds one server-sent event the stream sanitizer holds.
const maxEvent = 1 << 20

// errEventTooLarge ends a stream whose event is longer than maxEvent.
var errEventTooLarge = errors.New("graphql: an event of the upstream's stream is too large to be checked")

// sseSanitizer cleans a GraphQL answer delivered as server-sent events
// (GraphQL over SSE: each "next" event's data is an execution result): it
// reads the stream event by event and passes each on as soon as its end is
// read, with the errors of a data payload that is JSON cleaned by
// SanitizeResponse. Lines end in CRLF, LF or CR, as the event-stream format
// allows and as a browser splits them. An event whose data is JSON but no
// GraphQL response, or longer than maxEvent, ends the stream with an error:
// the proxy then aborts the answer rather than pass what was not checked.
type sseSanitizer struct {
	src   *bufio.Reader
	body  io.Closer
	nulls *Nulls
	out   []byte // what is ready for the client
	err   error  // the end of the stream, once out is drained
	ev    []byte // the event being read
	lbuf  []byte // the line being read
	// started: the stream's first bytes were looked at for a byte order mark.
	started bool
}

func newSSESanitizer(body io.ReadCloser, nulls *Nulls) *sseSanitizer {
	return &sseSanitizer{src: bufio.NewReaderSize(body, 16<<10), body: body, nulls: nulls}
}

func (s *sseSanitizer) Close() error { return s.body.Close() }

func (s *sseSanitizer) Read(p []byte) (int, error) {
	if !s.started {
		// A client's event-stream decoder drops a byte order mark that
		// starts the stream: the first field must be read without it.
		s.started = true
		if b, _ := s.src.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
			_, _ = s.src.Discard(len(utf8BOM))
			s.out = append(s.out, utf8BOM...)
		}
		if s.jsonBody() {
			s.whole()
		}
	}
	return drain(p, &s.out, &s.err, s.next)
}

// drain is the Read of a stream sanitizer: it copies into p what out holds,
// calling next to fill out until it holds something or err says the stream
// ended.
func drain(p []byte, out *[]byte, err *error, next func()) (int, error) {
	for len(*out) == 0 {
		if *err != nil {
			return 0, *err
		}
		next()
	}
	n := copy(p, *out)
	*out = (*out)[n:]
	return n, nil
}

// jsonBody reports whether the stream, past JSON whitespace, starts like a
// JSON document rather than an event: no event-stream field starts with '{'
// or '[', and a client that reads the answer with fetch().json() ignores the
// label. It peeks only as far as the first byte that is not whitespace.
func (s *sseSanitizer) jsonBody() bool {
	for k := 1; k <= 4096; k++ {
		b, _ := s.src.Peek(k)
		if len(b) < k {
			return false // the stream ended (or failed) within its whitespace
		}
		if c := b[k-1]; c == '{' || c == '[' || !jsonStart(c) { // past the whitespace
			return c == '{' || c == '['
		}
	}
	return false
}

// whole reads the rest of a stream that is one JSON document and cleans it
// as any GraphQL answer (SanitizeResponse), within maxResponse.
func (s *sseSanitizer) whole() {
	raw, err := io.ReadAll(io.LimitReader(s.src, maxResponse+1))
	switch {
	case err != nil:
		s.out, s.err = nil, err
		return
	case len(raw) > maxResponse:
		s.out, s.err = nil, errors.New("graphql: a JSON answer labelled as an event stream is too large to be checked")
		return
	}
	out, changed, ok := s.clean(raw)
	if !ok {
		return
	}
	if !changed {
		out = raw
	}
	s.out, s.err = append(s.out, out...), io.EOF
}

// clean is SanitizeResponse of data; when it fails, the stream ends with its
// error and ok is false.
func (s *sseSanitizer) clean(data []byte) (out []byte, changed, ok bool) {
	out, changed, err := SanitizeResponse(data, s.nulls)
	if err != nil {
		s.out, s.err = nil, err
		return nil, false, false
	}
	return out, changed, true
}

// next reads one event, up to and including its blank line (or the end of
// the stream), and puts it, cleaned, in s.out.
func (s *sseSanitizer) next() {
	s.ev = s.ev[:0]
	var lines [][2]int // each line of the event in s.ev, without its end
	for {
		start := len(s.ev)
		line, end, err := s.line()
		if errors.Is(err, errEventTooLarge) {
			s.out, s.err = nil, err
			return
		}
		if len(line) > 0 || end != nil {
			s.ev = append(s.ev, line...)
			lines = append(lines, [2]int{start, start + len(line)})
			s.ev = append(s.ev, end...)
		}
		if len(s.ev) > maxEvent {
			s.out, s.err = nil, errEventTooLarge
			return
		}
		if err != nil { // the stream ended: what it held of an event goes, checked
			if len(lines) > 0 {
				s.emit(lines)
			}
			if s.err == nil {
				s.err = err
			}
			return
		}
		if len(line) == 0 { // a blank line ends the event
			s.emit(lines)
			return
		}
	}
}

// The line endings line returns (read-only).
var (
	endLF   = []byte("\n")
	endCRLF = []byte("\r\n")
	endCR   = []byte("\r")
)

// line reads one line and the bytes that ended it (CRLF, LF, CR or none at
// the end of the stream). The line is valid until the next call.
func (s *sseSanitizer) line() (line, end []byte, err error) {
	buf := s.lbuf[:0]
	defer func() { s.lbuf = buf[:0] }()
	for {
		c, err := s.src.ReadByte()
		if err != nil {
			return buf, nil, err
		}
		switch c {
		case '\n':
			return buf, endLF, nil
		case '\r':
			if b, err := s.src.Peek(1); err == nil && b[0] == '\n' {
				_, _ = s.src.ReadByte()
				return buf, endCRLF, nil
			}
			return buf, endCR, nil
		}
		buf = append(buf, c)
		if len(buf) > maxEvent {
			return nil, nil, errEventTooLarge
		}
	}
}

// emit puts the event in s.ev (its lines at lines) into s.out: as it came,
// or, when its data is a GraphQL response whose errors were cleaned, with
// its data lines replaced by one line of the cleaned data where the first
// was. An event whose data is JSON but cannot be cleaned ends the stream.
func (s *sseSanitizer) emit(lines [][2]int) {
	var data []byte
	first, n := -1, 0
	for i, l := range lines {
		if v, ok := dataValue(s.ev[l[0]:l[1]]); ok {
			if n > 0 {
				data = append(data, '\n')
			}
			data = append(data, v...)
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n == 0 || !looksJSON(data) {
		s.out = append(s.out[:0], s.ev...)
		return
	}
	clean, changed, ok := s.clean(data)
	if !ok {
		return
	}
	if !changed {
		s.out = append(s.out[:0], s.ev...)
		return
	}
	out := s.out[:0]
	for i, l := range lines {
		end := len(s.ev) // where the line's own ending stops: the next line, or the event's end
		if i+1 < len(lines) {
			end = lines[i+1][0]
		}
		if _, ok := dataValue(s.ev[l[0]:l[1]]); ok {
			if i == first {
				out = append(out, "data: "...)
				out = append(out, clean...)
				out = append(out, s.ev[l[1]:end]...) // the line's own end
			}
			continue
		}
		out = append(out, s.ev[l[0]:end]...)
	}
	s.out = out
}

// dataValue returns the value of a "data" field line: what follows the
// colon, less one leading space (the event-stream format's rule).
func dataValue(line []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("data"))
	if !ok {
		return nil, false
	}
	if len(rest) == 0 {
		return rest, true // "data" alone: an empty value
	}
	if rest[0] != ':' {
		return nil, false // another field ("datax")
	}
	rest = rest[1:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return rest, true
}
