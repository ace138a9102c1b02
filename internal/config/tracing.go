package config

import (
	"net/url"

	"github.com/bulwark-gw/bulwark/internal/tracing"
)

// tracingConfig is the tracing: section. Its options type is the tracing
// package's own (tracing.Config): config decodes and validates, the package
// defines.
type tracingConfig struct {
	// OTLP is the collector's OTLP/HTTP traces URL; absent or "" is off.
	OTLP                *string           `yaml:"otlp"`
	SampleRatio         *Percent          `yaml:"sample_ratio"`
	ServiceName         *string           `yaml:"service_name"`
	Headers             map[string]Secret `yaml:"headers"`
	TrustRemoteSampling *bool             `yaml:"trust_remote_sampling"`
	BatchTimeout        *Duration         `yaml:"batch_timeout"`
}

const (
	defaultTraceSampleRatio  = 0.01
	defaultTraceServiceName  = "bulwark"
	defaultTraceBatchTimeout = 5e9 // 5s
)

func (d *decoder) buildTracing(c *tracingConfig) tracing.Config {
	t := orDefault(c, tracingConfig{})
	out := tracing.Config{
		Endpoint:            orDefault(t.OTLP, ""),
		SampleRatio:         float64(orDefault(t.SampleRatio, Percent(defaultTraceSampleRatio))),
		ServiceName:         orDefault(t.ServiceName, defaultTraceServiceName),
		TrustRemoteSampling: orDefault(t.TrustRemoteSampling, false),
		BatchTimeout:        durationOr(t.BatchTimeout, defaultTraceBatchTimeout),
	}
	if e := out.Endpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.errorf("tracing.otlp", "expected an OTLP/HTTP traces URL like http://collector:4318/v1/traces")
		}
	}
	if len(t.Headers) > 0 {
		out.Headers = make(map[string]string, len(t.Headers))
		for k, v := range t.Headers {
			out.Headers[k] = string(v)
		}
	}
	d.positive("tracing.batch_timeout", out.BatchTimeout, "finished spans wait at most this long to be exported")
	return out
}
