package proxy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Fallbacks used by New when a Config field that needs a value is zero.
const (
	DefaultDialTimeout        = 5 * time.Second
	DefaultFailWindow         = 10 * time.Second
	DefaultEjectFor           = 30 * time.Second
	DefaultHealthInterval     = 10 * time.Second
	DefaultHealthTimeout      = 2 * time.Second
	DefaultHealthyThreshold   = 2
	DefaultUnhealthyThreshold = 3
)

// Config describes one API's upstream: the options the upstream section of an
// API decodes into (internal/config aliases it as config.Upstream). Zero values
// fall back to the Default* constants where a value is required.
type Config struct {
	// Name is the API name, used in logs and metrics. It is not configured in
	// the upstream section: the gateway sets it from the API.
	Name string `json:"-"`
	// Targets are the upstream base URLs, "http://127.0.0.1:9001" or
	// "https://backend.internal/api". An optional base path is joined with the
	// request path. Query, fragment and user info are refused.
	Targets []string
	// DialTimeout bounds opening a TCP connection to a target (default 5s).
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers after the
	// request is sent; 0 means no limit. Exceeding it answers 504.
	ResponseHeaderTimeout time.Duration
	// RequestTimeout bounds the whole exchange, including streaming both bodies;
	// 0 means none. It does not apply to WebSocket and other upgrades.
	RequestTimeout time.Duration

	// HealthPath, when set, turns on active checks: GET HealthPath (joined with
	// the target's base path) every HealthInterval.
	HealthPath string
	// HealthInterval is the time between probes of one target (default 10s).
	HealthInterval time.Duration
	// HealthTimeout bounds one probe (default 2s). A probe that outlasts
	// HealthInterval delays the next one; probes of a target never overlap.
	HealthTimeout time.Duration
	// HealthyThreshold is how many consecutive good probes (2xx/3xx) bring an
	// unhealthy target back (default 2).
	HealthyThreshold int
	// UnhealthyThreshold is how many consecutive failed probes mark a target
	// unhealthy (default 3).
	UnhealthyThreshold int

	// MaxFails is how many failures (connect error, timeout, or a 502-504 from
	// the target) within FailWindow eject a target for EjectFor. 0 turns passive
	// health checks off.
	MaxFails int
	// FailWindow is the sliding window MaxFails is counted in (default 10s).
	FailWindow time.Duration
	// EjectFor is how long an ejected target receives no traffic (default 30s).
	EjectFor time.Duration

	// PreserveHost sends the client's Host header upstream; by default the
	// target's host is sent.
	PreserveHost bool
	// TLSInsecureSkipVerify turns off certificate verification for https
	// targets. Only for testing: it allows a man in the middle.
	TLSInsecureSkipVerify bool
	// CAFile is a PEM bundle of the roots trusted for https targets; when set
	// it replaces the system roots. The config resolves it against the config
	// file's directory.
	CAFile string
}

// withDefaults returns cfg with zero fields replaced by their fallbacks.
func (cfg Config) withDefaults() Config {
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.FailWindow <= 0 {
		cfg.FailWindow = DefaultFailWindow
	}
	if cfg.EjectFor <= 0 {
		cfg.EjectFor = DefaultEjectFor
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = DefaultHealthInterval
	}
	if cfg.HealthTimeout <= 0 {
		cfg.HealthTimeout = DefaultHealthTimeout
	}
	if cfg.HealthyThreshold <= 0 {
		cfg.HealthyThreshold = DefaultHealthyThreshold
	}
	if cfg.UnhealthyThreshold <= 0 {
		cfg.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	return cfg
}

// validate reports every problem in cfg together.
func (cfg Config) validate() error {
	var errs []error
	if len(cfg.Targets) == 0 {
		errs = append(errs, errors.New("no targets"))
	}
	for i, t := range cfg.Targets {
		if _, err := parseTarget(t); err != nil {
			errs = append(errs, fmt.Errorf("targets[%d]: %w", i, err))
		}
	}
	if cfg.MaxFails < 0 {
		errs = append(errs, errors.New("max_fails must not be negative"))
	}
	if cfg.ResponseHeaderTimeout < 0 || cfg.RequestTimeout < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	if cfg.HealthPath != "" && !strings.HasPrefix(cfg.HealthPath, "/") {
		errs = append(errs, errors.New("health path must start with /"))
	}
	return errors.Join(errs...)
}

// parseTarget parses and checks one target base URL.
func parseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse target: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("target %q: scheme must be http or https", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("target %q: missing host", raw)
	case u.User != nil:
		// Credentials in a URL end up in logs and health output.
		return nil, fmt.Errorf("target %q: user info is not allowed", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("target %q: query and fragment are not allowed", raw)
	case u.Opaque != "":
		return nil, fmt.Errorf("target %q: opaque URL", raw)
	}
	return u, nil
}
