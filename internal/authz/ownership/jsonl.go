package ownership

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// Import bounds.
const (
	// MaxLineLen bounds one line of an import file.
	MaxLineLen = 4 << 10
	// maxLineErrors is how many bad lines an ImportError keeps.
	maxLineErrors = 20
)

// ErrTooManyRecords is wrapped by ParseJSONL when a file holds more records
// than its caller allows.
var ErrTooManyRecords = errors.New("ownership: too many records")

// LineError is a bad line of an import file.
type LineError struct {
	Line int    // 1-based
	Err  string // what is wrong with it
}

// ImportError reports why an import file was refused as a whole. Lines
// holds the first bad lines (at most 20); Bad counts them all.
type ImportError struct {
	Lines []LineError
	Bad   int
}

// Error lists the bad lines, one per line.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ownership: %d bad line(s); nothing imported", e.Bad)
	for _, l := range e.Lines {
		fmt.Fprintf(&b, "\nline %d: %s", l.Line, l.Err)
	}
	if e.Bad > len(e.Lines) {
		fmt.Fprintf(&b, "\n… and %d more", e.Bad-len(e.Lines))
	}
	return b.String()
}

func (e *ImportError) add(line int, msg string) {
	e.Bad++
	if len(e.Lines) < maxLineErrors {
		e.Lines = append(e.Lines, LineError{Line: line, Err: msg})
	}
}

// importLine is one line of an import file.
type importLine struct {
	Object *string `json:"object"`
	ID     *string `json:"id"`
	Owner  *string `json:"owner"`
}

// ParseJSONL reads an import file: one {"object":…,"id":…,"owner":…}
// object a line, all three strings required, no other fields; blank lines
// are skipped. An object named twice is an error, since which owner was
// meant is unclear. It reads at most maxRecords records (0: no limit). On
// any bad line it returns an *ImportError naming the lines and no records,
// so that a file is imported whole or not at all; other errors are the
// reader's.
func ParseJSONL(r io.Reader, maxRecords int) ([]store.OwnershipRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLen)
	var recs []store.OwnershipRecord
	var bad ImportError
	seen := map[objectKey]int{}
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		rec, err := parseLine(text)
		if err != nil {
			bad.add(line, err.Error())
			continue
		}
		k := objectKey{rec.ObjectType, rec.ObjectID}
		if first, ok := seen[k]; ok {
			bad.add(line, fmt.Sprintf("object %s %q is also on line %d", rec.ObjectType, rec.ObjectID, first))
			continue
		}
		seen[k] = line
		if maxRecords > 0 && len(recs) >= maxRecords {
			return nil, fmt.Errorf("%w: more than %d; split the file", ErrTooManyRecords, maxRecords)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			bad.add(line+1, fmt.Sprintf("longer than %d bytes", MaxLineLen))
			return nil, &bad
		}
		return nil, fmt.Errorf("ownership: read import: %w", err)
	}
	if bad.Bad > 0 {
		return nil, &bad
	}
	return recs, nil
}

func parseLine(text []byte) (store.OwnershipRecord, error) {
	if !utf8.Valid(text) {
		// encoding/json would silently rewrite the bad bytes, merging ids.
		return store.OwnershipRecord{}, errors.New("not valid UTF-8")
	}
	var l importLine
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return store.OwnershipRecord{}, fmt.Errorf("want {\"object\":…,\"id\":…,\"owner\":…}: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return store.OwnershipRecord{}, errors.New("one JSON object a line")
	}
	if l.Object == nil || l.ID == nil || l.Owner == nil {
		return store.OwnershipRecord{}, errors.New("object, id and owner are required strings")
	}
	rec := store.OwnershipRecord{ObjectType: *l.Object, ObjectID: *l.ID, Owner: *l.Owner}
	if err := rec.Validate(); err != nil {
		return store.OwnershipRecord{}, err
	}
	return rec, nil
}
