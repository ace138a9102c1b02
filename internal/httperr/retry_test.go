package httperr

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	cases := []struct {
		name     string
		d, limit time.Duration
		want     string
	}{
		{"negative: at least 1", -time.Second, 0, "1"},
		{"zero: at least 1", 0, 0, "1"},
		{"a fraction rounds up", 1100 * time.Millisecond, 0, "2"},
		{"whole seconds", 30 * time.Second, 0, "30"},
		{"capped", 48 * time.Hour, 24 * time.Hour, "86400"},
		{"under the cap", time.Minute, 24 * time.Hour, "60"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RetryAfter(c.d, c.limit); got != c.want {
				t.Errorf("RetryAfter(%v, %v) = %s, want %s", c.d, c.limit, got, c.want)
			}
		})
	}
}
