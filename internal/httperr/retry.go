package httperr

import (
	"math"
	"strconv"
	"time"
)

// RetryAfter is the Retry-After value (RFC 9110 §10.2.3) for a wait of d:
// whole seconds rounded up, at least 1 (a 0 would invite an immediate
// retry), and at most limit when limit is positive.
func RetryAfter(d, limit time.Duration) string {
	s := int64(1)
	if d > 0 {
		s = max(int64(math.Ceil(d.Seconds())), 1)
	}
	if limit > 0 {
		s = min(s, int64(math.Ceil(limit.Seconds())))
	}
	return strconv.FormatInt(s, 10)
}
