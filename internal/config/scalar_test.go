package config

import (
	"math"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		err  string
	}{
		{"seconds", "30s", 30 * time.Second, ""},
		{"go syntax", "1m30s", 90 * time.Second, ""},
		{"milliseconds", "50ms", 50 * time.Millisecond, ""},
		{"zero", "0", 0, ""},
		{"zero seconds", "0s", 0, ""},
		{"days", "30d", 30 * day, ""},
		{"days and hours", "1d12h", 36 * time.Hour, ""},
		{"zero days", "0d", 0, ""},
		{"garbage", "abc", 0, `expected a duration like 30s, got "abc"`},
		{"no unit", "10", 0, `expected a duration like 30s, got "10"`},
		{"empty", "", 0, `expected a duration like 30s, got ""`},
		{"negative", "-5s", 0, `duration must not be negative, got "-5s"`},
		{"negative after days", "1d-5h", 0, `duration must not be negative, got "1d-5h"`},
		{"plus sign", "+5s", 0, `expected a duration like 30s, got "+5s"`},
		{"days then garbage", "1dx", 0, `expected a duration like 30s, got "1dx"`},
		{"too many days", "200000d", 0, `duration "200000d" is too large`},
		{"overflowing digits", "99999999999999999999d", 0, `expected a duration like 30s, got "99999999999999999999d"`},
		{"go overflow", "9999999999h", 0, `expected a duration like 30s, got "9999999999h"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			checkParse(t, got, err, tt.want, tt.err)
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		err  string
	}{
		{"bytes", "512", 512, ""},
		{"bytes unit", "512B", 512, ""},
		{"KiB", "16KiB", 16 << 10, ""},
		{"MiB", "10MiB", 10 << 20, ""},
		{"GiB", "1GiB", 1 << 30, ""},
		{"TiB", "2TiB", 2 << 40, ""},
		{"KB is 1000", "1KB", 1000, ""},
		{"MB", "1MB", 1000 * 1000, ""},
		{"GB", "3GB", 3e9, ""},
		{"space before unit", "10 MiB", 10 << 20, ""},
		{"zero", "0", 0, ""},
		{"negative", "-1MiB", 0, `size must not be negative, got "-1MiB"`},
		{"garbage", "lots", 0, `expected a size like 512, 16KiB or 10MiB, got "lots"`},
		{"unknown unit", "10MiBs", 0, `expected a size like 512, 16KiB or 10MiB, got "10MiBs"`},
		{"lower case unit", "10mib", 0, `expected a size like 512, 16KiB or 10MiB, got "10mib"`},
		{"fraction", "1.5MiB", 0, `expected a size like 512, 16KiB or 10MiB, got "1.5MiB"`},
		{"empty", "", 0, `expected a size like 512, 16KiB or 10MiB, got ""`},
		{"overflow with unit", "9000000TiB", 0, `size "9000000TiB" is too large`},
		{"overflow digits", "99999999999999999999", 0, `size "99999999999999999999" is too large`},
		{"max", "9223372036854775807", math.MaxInt64, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			checkParse(t, got, err, tt.want, tt.err)
		})
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Rate
		err  string
	}{
		{"per second", "10/s", Rate{10, time.Second}, ""},
		{"per minute", "600/m", Rate{600, time.Minute}, ""},
		{"per hour", "1000/h", Rate{1000, time.Hour}, ""},
		{"per day", "10000/d", Rate{10000, day}, ""},
		{"zero", "0/s", Rate{}, `rate must be greater than 0, got "0/s"`},
		{"negative", "-1/s", Rate{}, `expected a rate like 10/s, 600/m, 1000/h or 10000/d, got "-1/s"`},
		{"no slash", "10", Rate{}, `expected a rate like 10/s, 600/m, 1000/h or 10000/d, got "10"`},
		{"unknown unit", "10/w", Rate{}, `expected a rate like 10/s, 600/m, 1000/h or 10000/d, got "10/w"`},
		{"empty count", "/s", Rate{}, `expected a rate like 10/s, 600/m, 1000/h or 10000/d, got "/s"`},
		{"plus sign", "+5/s", Rate{}, `expected a rate like 10/s, 600/m, 1000/h or 10000/d, got "+5/s"`},
		{"overflow", "99999999999999999999/s", Rate{}, `expected a rate like 10/s, 600/m, 1000/h or 10000/d, got "99999999999999999999/s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			checkParse(t, got, err, tt.want, tt.err)
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

// TestScalarDecoders checks the scalar types through their decoder
// interface, as the reflective decoder uses them.
func TestScalarDecoders(t *testing.T) {
	var d Duration
	var s Size
	var r Rate
	tests := []struct {
		name string
		dec  scalarDecoder
		in   string
		ok   bool
	}{
		{"duration", &d, "1d", true},
		{"duration bad", &d, "1y", false},
		{"size", &s, "2KiB", true},
		{"size bad", &s, "2 kilobytes", false},
		{"rate", &r, "5/m", true},
		{"rate bad", &r, "5 per minute", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.dec.decodeScalar(tt.in); (err == nil) != tt.ok {
				t.Errorf("decodeScalar(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.dec.expected() == "" {
				t.Error("expected() is empty")
			}
		})
	}
	if time.Duration(d) != day || s != 2<<10 || r != (Rate{5, time.Minute}) {
		t.Errorf("decoded %v, %v, %v", time.Duration(d), s, r)
	}
}

func checkParse[T comparable](t *testing.T, got T, err error, want T, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
