package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// scalarDecoder is implemented by config types written as one YAML scalar
// (durations, sizes, rates). decodeScalar gets the value after reference
// expansion and returns a user-facing error for bad input.
type scalarDecoder interface {
	decodeScalar(s string) error
	expected() string
}

// Duration is a config duration: Go syntax (300ms, 1m30s) plus whole days
// (30d, 1d12h). Negative values are refused.
type Duration time.Duration

// Size is a config byte size: 512, 16KiB, 10MiB, 1GiB, 1KB (1000), 1MB.
// Negative values, garbage and overflow are refused.
type Size int64

// Rate is a config rate such as 10/s, 600/m, 1000/h or 10000/d: N events per
// Per.
type Rate struct {
	N   int
	Per time.Duration
}

var (
	_ scalarDecoder = (*Duration)(nil)
	_ scalarDecoder = (*Size)(nil)
	_ scalarDecoder = (*Rate)(nil)
)

func (d *Duration) decodeScalar(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (*Duration) expected() string { return "a duration like 30s" }

func (z *Size) decodeScalar(s string) error {
	v, err := ParseSize(s)
	if err != nil {
		return err
	}
	*z = Size(v)
	return nil
}

func (*Size) expected() string { return "a size like 10MiB" }

func (r *Rate) decodeScalar(s string) error {
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

func (*Rate) expected() string { return "a rate like 10/s" }

const day = 24 * time.Hour

// ParseDuration parses a non-negative duration in Go syntax, optionally
// starting with whole days ("30d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("expected a duration like 30s, got %q", s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("duration must not be negative, got %q", s)
	}
	days, rest, ok := splitDays(s)
	if !ok {
		return 0, bad
	}
	var d time.Duration
	if rest != "" || days < 0 {
		v, err := time.ParseDuration(rest)
		if err != nil || strings.HasPrefix(rest, "+") {
			return 0, bad
		}
		if v < 0 {
			return 0, fmt.Errorf("duration must not be negative, got %q", s)
		}
		d = v
	}
	if days > 0 && days > int64((math.MaxInt64-d)/day) {
		return 0, fmt.Errorf("duration %q is too large", s)
	}
	return time.Duration(max(days, 0))*day + d, nil
}

// splitDays splits a leading "<digits>d" from s. days is -1 when s has no
// days part; ok is false when the days part is malformed.
func splitDays(s string) (days int64, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i == len(s) || s[i] != 'd' {
		return -1, s, true
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, "", false
	}
	return n, s[i+1:], true
}

// sizeUnit returns the multiplier of a size suffix: SI units are powers of
// 1000, IEC units powers of 1024.
func sizeUnit(u string) (int64, bool) {
	switch u {
	case "", "B":
		return 1, true
	case "KB":
		return 1000, true
	case "MB":
		return 1000 * 1000, true
	case "GB":
		return 1000 * 1000 * 1000, true
	case "TB":
		return 1000 * 1000 * 1000 * 1000, true
	case "KiB":
		return 1 << 10, true
	case "MiB":
		return 1 << 20, true
	case "GiB":
		return 1 << 30, true
	case "TiB":
		return 1 << 40, true
	}
	return 0, false
}

// rateUnit returns the period of a rate suffix.
func rateUnit(u string) (time.Duration, bool) {
	switch u {
	case "s":
		return time.Second, true
	case "m":
		return time.Minute, true
	case "h":
		return time.Hour, true
	case "d":
		return day, true
	}
	return 0, false
}

// ParseSize parses a non-negative byte size: a whole number with an optional
// unit B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of
// 1024).
func ParseSize(s string) (int64, error) {
	bad := fmt.Errorf("expected a size like 512, 16KiB or 10MiB, got %q", s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("size must not be negative, got %q", s)
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, bad
	}
	mult, ok := sizeUnit(strings.TrimSpace(s[i:]))
	if !ok {
		return 0, bad
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// ParseRate parses a rate "N/unit" with N > 0 and unit s, m, h or d.
func ParseRate(s string) (Rate, error) {
	bad := fmt.Errorf("expected a rate like 10/s, 600/m, 1000/h or 10000/d, got %q", s)
	num, unit, found := strings.Cut(s, "/")
	if !found {
		return Rate{}, bad
	}
	per, ok := rateUnit(unit)
	if !ok {
		return Rate{}, bad
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return Rate{}, bad
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return Rate{}, bad
	}
	if n <= 0 {
		return Rate{}, fmt.Errorf("rate must be greater than 0, got %q", s)
	}
	return Rate{N: n, Per: per}, nil
}

// String formats the rate as N/unit.
func (r Rate) String() string {
	for _, u := range []string{"d", "h", "m", "s"} {
		if per, _ := rateUnit(u); r.Per == per {
			return strconv.Itoa(r.N) + "/" + u
		}
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

// Secret is a config string meant to hold a credential. It should be a
// ${env:NAME} or ${file:PATH} reference; a literal value loads but is
// reported as a warning, since config files end up in version control and
// backups.
type Secret string
