package enumeration

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// DefaultMaxTracked is the bound on tracked (principal, route) pairs when
// Config.MaxTracked is zero.
const DefaultMaxTracked = 100_000

// Config configures a Detector. A zero MaxDistinct, MaxDeniedShare or
// Sequential disables that rule; at least one rule must be enabled.
type Config struct {
	// Window is how long counts accumulate for one (principal, route) pair,
	// from its first request (e.g. 1m). Required.
	Window time.Duration
	// MaxDistinct is how many distinct object ids a pair may touch in a window;
	// one more trips the "distinct_ids" rule (e.g. 30).
	MaxDistinct int
	// MinRequests is how many requests the "denied_share" rule needs in a
	// window before it judges (e.g. 10); at least 1 when MaxDeniedShare is set.
	MinRequests int
	// MaxDeniedShare is the share of requests answered 403 or 404, in (0, 1],
	// at or above which the "denied_share" rule trips (e.g. 0.5).
	MaxDeniedShare float64
	// Sequential is the length of a run of consecutive numeric ids (ascending or
	// descending by 1) that trips the "sequential_ids" rule (e.g. 10); at least 2.
	Sequential int
	// BlockFor is how long a pair is blocked on its route after an alert;
	// 0 only alerts.
	BlockFor time.Duration
	// MaxTracked bounds the tracked (principal, route) pairs; the least recently
	// active are evicted first. 0 means DefaultMaxTracked.
	MaxTracked int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// validate returns cfg with defaults applied, or every problem found.
func (cfg Config) validate() (Config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if cfg.Window <= 0 {
		bad("window must be positive, got %v", cfg.Window)
	}
	if cfg.MaxDistinct < 0 {
		bad("max distinct must not be negative, got %d", cfg.MaxDistinct)
	}
	if math.IsNaN(cfg.MaxDeniedShare) || cfg.MaxDeniedShare < 0 || cfg.MaxDeniedShare > 1 {
		bad("max denied share must be in [0, 1], got %v", cfg.MaxDeniedShare)
	}
	if cfg.MinRequests < 0 || (cfg.MaxDeniedShare > 0 && cfg.MinRequests < 1) {
		bad("min requests must be at least 1 with a denied share, got %d", cfg.MinRequests)
	}
	if cfg.Sequential < 0 || cfg.Sequential == 1 {
		bad("sequential must be 0 (off) or at least 2, got %d", cfg.Sequential)
	}
	if cfg.MaxDistinct == 0 && cfg.MaxDeniedShare == 0 && cfg.Sequential == 0 {
		bad("no rule enabled: set max distinct, max denied share or sequential")
	}
	if cfg.BlockFor < 0 {
		bad("block for must not be negative, got %v", cfg.BlockFor)
	}
	if cfg.MaxTracked < 0 {
		bad("max tracked must not be negative, got %d", cfg.MaxTracked)
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("enumeration: %w", err)
	}
	if cfg.MaxTracked == 0 {
		cfg.MaxTracked = DefaultMaxTracked
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}
