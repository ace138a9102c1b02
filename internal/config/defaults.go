package config

import "time"

// Every default of the config file lives here; docs/configuration.md
// repeats them.
const (
	defaultListen            = ":8080"
	defaultReadHeaderTimeout = 10 * time.Second // slowloris
	defaultIdleTimeout       = 120 * time.Second
	defaultWriteTimeout      = 0 // none: streaming responses
	defaultShutdownGrace     = 30 * time.Second

	defaultAdminListen = "127.0.0.1:9090"
	adminOff           = "off"
	minTokenLength     = 16

	defaultMetricsPath = "/metrics"

	defaultStore = "sqlite:bulwark.db"

	defaultAuditStdout       = true
	defaultAuditStore        = true
	defaultAuditQueueSize    = 10000
	defaultAuditOverflow     = "drop"
	defaultAuditBlockTimeout = 50 * time.Millisecond
	defaultAuditRetention    = 30 * day

	defaultLogLevel = "info"

	defaultDialTimeout           = 2 * time.Second
	defaultResponseHeaderTimeout = 30 * time.Second
	defaultRequestTimeout        = 0 // none
	defaultHealthInterval        = 5 * time.Second
	defaultHealthTimeout         = 1 * time.Second
	defaultHealthyThreshold      = 2
	defaultUnhealthyThreshold    = 3
	defaultMaxFails              = 3
	defaultFailWindow            = 10 * time.Second
	defaultEjectFor              = 30 * time.Second
)

// defaultLimits returns the built-in request hygiene limits, the base that
// top-level, API and route limits are merged onto.
func defaultLimits() Limits {
	return Limits{
		MaxHeaderBytes:    16 << 10,
		MaxHeaderCount:    100,
		MaxBodyBytes:      10 << 20,
		ReadBodyTimeout:   30 * time.Second,
		JSONMaxDepth:      64,
		JSONMaxBytes:      1 << 20,
		JSONDuplicateKeys: JSONDupGuarded,
		ContentTypes: []string{
			"application/json",
			"application/*+json",
			"application/x-www-form-urlencoded",
			"multipart/form-data",
			"text/plain",
		},
	}
}

// orDefault returns *p, or def when the field was absent.
func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// durationOr returns *p as a time.Duration, or def when absent.
func durationOr(p *Duration, def time.Duration) time.Duration {
	if p == nil {
		return def
	}
	return time.Duration(*p)
}
