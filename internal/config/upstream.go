package config

import (
	"crypto/x509"
	"net/url"
)

func (d *decoder) buildUpstream(u upstreamConfig, path string) Upstream {
	t := orDefault(u.Timeouts, timeoutsConfig{})
	h := orDefault(u.Health, healthConfig{})
	p := orDefault(u.Passive, passiveConfig{})
	tl := orDefault(u.TLS, upstreamTLS{})
	out := Upstream{
		DialTimeout:           durationOr(t.Dial, defaultDialTimeout),
		ResponseHeaderTimeout: durationOr(t.ResponseHeader, defaultResponseHeaderTimeout),
		RequestTimeout:        durationOr(t.Request, defaultRequestTimeout),
		HealthPath:            orDefault(h.Path, ""),
		HealthInterval:        durationOr(h.Interval, defaultHealthInterval),
		HealthTimeout:         durationOr(h.Timeout, defaultHealthTimeout),
		HealthyThreshold:      orDefault(h.HealthyThreshold, defaultHealthyThreshold),
		UnhealthyThreshold:    orDefault(h.UnhealthyThreshold, defaultUnhealthyThreshold),
		MaxFails:              orDefault(p.MaxFails, defaultMaxFails),
		FailWindow:            durationOr(p.Window, defaultFailWindow),
		EjectFor:              durationOr(p.EjectFor, defaultEjectFor),
		PreserveHost:          orDefault(u.PreserveHost, false),
		TLSInsecureSkipVerify: orDefault(tl.InsecureSkipVerify, false),
		CAFile:                orDefault(tl.CAFile, ""),
	}
	out.Targets = d.targets(u, path)
	d.positive(path+".timeouts.dial", out.DialTimeout, "a dial without a deadline can hang forever")
	d.checkHealth(out, path+".health")
	d.atLeast(path+".passive.max_fails", out.MaxFails, 0)
	d.positive(path+".passive.window", out.FailWindow, "failures are counted within a window")
	d.positive(path+".passive.eject_for", out.EjectFor, "an ejected target must stay out for some time")
	if out.TLSInsecureSkipVerify {
		d.warnf(path+".tls.insecure_skip_verify", "upstream certificates are not verified: anyone on the network path can impersonate the upstream")
	}
	if out.CAFile != "" {
		out.CAFile = d.res.abs(out.CAFile)
		if pem, ok := d.readFile(path+".tls.ca_file", out.CAFile); ok && !x509.NewCertPool().AppendCertsFromPEM(pem) {
			d.errorf(path+".tls.ca_file", "no PEM certificate found in %s", out.CAFile)
		}
	}
	return out
}

// targets validates the upstream URLs.
func (d *decoder) targets(u upstreamConfig, path string) []string {
	if len(u.Targets) == 0 {
		d.errorf(path+".targets", "at least one target URL is required")
		return nil
	}
	out := make([]string, 0, len(u.Targets))
	seen := make(map[string]bool, len(u.Targets))
	for i, t := range u.Targets {
		p := indexPath(path+".targets", i)
		if u.shorthand {
			p = path
		}
		if msg := checkTargetURL(t); msg != "" {
			d.errorf(p, "%s", msg)
			continue
		}
		if seen[t] {
			d.errorf(p, "duplicate target %q", t)
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// checkTargetURL returns a problem with an upstream URL, or "".
func checkTargetURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "expected a URL like http://10.0.0.1:9001, got " + quote(s)
	case u.Scheme != "http" && u.Scheme != "https":
		return "upstream URL must use http or https, got " + quote(s)
	case u.Host == "" || u.Hostname() == "":
		return "upstream URL needs a host, got " + quote(s)
	case u.User != nil:
		return "upstream URL must not contain user info (credentials in URLs leak into logs)"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "upstream URL must not have a query or fragment, got " + quote(s)
	}
	return ""
}

func (d *decoder) checkHealth(u Upstream, path string) {
	if u.HealthPath != "" && u.HealthPath[0] != '/' {
		d.errorf(path+".path", "must start with /, got %q", u.HealthPath)
	}
	d.positive(path+".interval", u.HealthInterval, "probes need an interval")
	d.positive(path+".timeout", u.HealthTimeout, "probes need a deadline")
	d.atLeast(path+".healthy_threshold", u.HealthyThreshold, 1)
	d.atLeast(path+".unhealthy_threshold", u.UnhealthyThreshold, 1)
}
