package quota

import (
	"fmt"
	"time"
)

// Period is the calendar unit a quota resets on.
type Period int

const (
	// Day resets at local midnight.
	Day Period = iota
	// Month resets at local midnight on the first of the month.
	Month
)

// String returns "day" or "month".
func (p Period) String() string {
	switch p {
	case Day:
		return "day"
	case Month:
		return "month"
	}
	return fmt.Sprintf("Period(%d)", int(p))
}

// bounds returns the start of the period holding t and the start of the next
// one, in loc. time.Date normalizes the wall clock in loc, so a day across a
// DST change lasts 23 or 25 hours, as the calendar says.
func (p Period) bounds(t time.Time, loc *time.Location) (start, next time.Time) {
	y, m, d := t.In(loc).Date()
	if p == Month {
		return time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}
