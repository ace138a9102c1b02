package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// build validates the decoded file and turns it into a Plan, reporting every
// problem. The Plan is meaningful only when no error was reported.
func (d *decoder) build(cfg *fileConfig) *Plan {
	p := &Plan{
		Source:  d.file,
		Server:  d.buildServer(orDefault(cfg.Server, serverConfig{})),
		Admin:   d.buildAdmin(orDefault(cfg.Admin, adminConfig{})),
		Metrics: d.buildMetrics(orDefault(cfg.Metrics, metricsConfig{})),
		Store:   d.buildStore(cfg.Store),
		Audit:   d.buildAudit(orDefault(cfg.Audit, auditConfig{})),
		Log:     d.buildLog(orDefault(cfg.Log, logConfig{})),
	}
	d.checkListeners(p)
	base := d.mergeLimits(defaultLimits(), cfg.Limits, "limits")
	p.Identity = d.buildIdentity(cfg.Identity)
	p.OAuth = d.buildOAuth(cfg.OAuth, p.Store)
	p.Cluster = d.buildCluster(cfg.Cluster)
	p.Tracing = d.buildTracing(cfg.Tracing)
	srv := orDefault(cfg.Server, serverConfig{})
	p.Server.Shield = d.buildShield(srv.Shield, srv.IPv6Prefix)
	p.Server.SecurityHeaders = d.buildSecurityHeaders(srv.SecurityHeaders, p.Server.TLSCert != "")
	p.APIs = d.buildAPIs(cfg.APIs, base, p)
	d.checkCluster(p)
	d.checkAttemptTimeouts(p)
	d.checkOAuthRoutes(p)
	d.checkConflicts(p.APIs)
	return p
}

func (d *decoder) buildServer(s serverConfig) Server {
	out := Server{
		Listen:            orDefault(s.Listen, defaultListen),
		H2C:               orDefault(s.H2C, false),
		Engine:            orDefault(s.Engine, EngineBulwark),
		ReadHeaderTimeout: durationOr(s.ReadHeaderTimeout, defaultReadHeaderTimeout),
		IdleTimeout:       durationOr(s.IdleTimeout, defaultIdleTimeout),
		WriteTimeout:      durationOr(s.WriteTimeout, defaultWriteTimeout),
		ShutdownGrace:     durationOr(s.ShutdownGrace, defaultShutdownGrace),
		HealthPath:        orDefault(s.HealthPath, ""),
	}
	d.checkAddr("server.listen", out.Listen)
	d.oneOf("server.engine", out.Engine, []string{EngineBulwark, EngineNetHTTP})
	if p := out.HealthPath; p != "" && (!strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#{}*%") || strings.Contains(p, "//") || strings.Contains(p, "/.")) {
		d.errorf("server.health_path", "must be a plain absolute path like /healthz, got %q", p)
	}
	d.positive("server.read_header_timeout", out.ReadHeaderTimeout, "it is the defense against slowloris")
	d.positive("server.idle_timeout", out.IdleTimeout, "idle connections must be closed eventually")
	if s.TLS != nil {
		out.TLSCert, out.TLSKey = d.buildServerTLS(*s.TLS)
	}
	out.TrustedProxies = d.trustedProxies(s.TrustedProxies)
	return out
}

// buildServerTLS checks that both files are given, readable and a matching
// certificate and key pair.
func (d *decoder) buildServerTLS(t tlsConfig) (cert, key string) {
	certFile, keyFile := orDefault(t.CertFile, ""), orDefault(t.KeyFile, "")
	if certFile == "" || keyFile == "" {
		d.errorf("server.tls", "set both cert_file and key_file, or remove tls")
		return "", ""
	}
	cert, key = d.res.abs(certFile), d.res.abs(keyFile)
	certPEM, ok1 := d.readFile("server.tls.cert_file", cert)
	keyPEM, ok2 := d.readFile("server.tls.key_file", key)
	if ok1 && ok2 {
		if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			d.errorf("server.tls", "cert_file and key_file are not a usable certificate and key: %v", err)
		}
	}
	return cert, key
}

// readFile reads a file named in the config, reporting failure at path.
func (d *decoder) readFile(path, file string) ([]byte, bool) {
	data, err := d.res.readFile(file)
	if err != nil {
		d.errorf(path, "cannot read %s: %v", file, pathErr(err))
		return nil, false
	}
	return data, true
}

// trustedProxies parses CIDRs and single IPs into canonical prefixes.
func (d *decoder) trustedProxies(in []string) []string {
	out := make([]string, 0, len(in))
	for i, s := range in {
		path := indexPath("server.trusted_proxies", i)
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				d.errorf(path, "expected an IP address or CIDR like 10.0.0.0/8, got %q", s)
				continue
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()).String())
			continue
		}
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			d.errorf(path, "expected an IP address or CIDR like 10.0.0.0/8, got %q", s)
		case p.Masked() != p:
			d.errorf(path, "%q has bits set beyond the prefix length: did you mean %s?", s, p.Masked())
		default:
			out = append(out, p.String())
		}
	}
	return out
}

func (d *decoder) buildAdmin(a adminConfig) Admin {
	listen := orDefault(a.Listen, defaultAdminListen)
	if listen == adminOff {
		return Admin{}
	}
	out := Admin{Listen: listen, Token: string(orDefault(a.Token, ""))}
	if host, ok := d.checkAddr("admin.listen", listen); ok && !loopback(host) {
		d.warnf("admin.listen", "the admin API listens on %s, reachable from the network: prefer 127.0.0.1 or a private interface behind a firewall", listen)
	}
	switch {
	case out.Token == "":
		d.errorf("admin.token", "admin.token is required while the admin API is enabled (or set admin.listen: off)")
	case len(out.Token) < minTokenLength:
		d.errorf("admin.token", "admin.token must be at least %d characters, got %d", minTokenLength, len(out.Token))
	}
	return out
}

// checkListeners refuses two listeners on the same address: the second
// would fail to bind at start, long after check said the file was fine.
func (d *decoder) checkListeners(p *Plan) {
	type listener struct{ path, addr string }
	all := []listener{{"server.listen", p.Server.Listen}, {"admin.listen", p.Admin.Listen}, {"metrics.listen", p.Metrics.Listen}}
	for j, b := range all {
		for _, a := range all[:j] {
			if b.addr != "" && a.addr == b.addr && !strings.HasSuffix(b.addr, ":0") { // port 0: the kernel picks distinct ports
				d.errorf(b.path, "%s is already used by %s", b.addr, a.path)
			}
		}
	}
}

// loopback reports whether host only accepts local connections.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func (d *decoder) buildMetrics(m metricsConfig) Metrics {
	out := Metrics{Path: orDefault(m.Path, defaultMetricsPath), Listen: orDefault(m.Listen, "")}
	if !strings.HasPrefix(out.Path, "/") {
		d.errorf("metrics.path", "must start with /, got %q", out.Path)
	}
	if out.Listen != "" {
		d.checkAddr("metrics.listen", out.Listen)
	}
	return out
}

func (d *decoder) buildLog(l logConfig) Log {
	out := Log{Level: orDefault(l.Level, defaultLogLevel)}
	switch out.Level {
	case "debug", "info", "warn", "error":
	default:
		d.errorf("log.level", "expected one of debug, info, warn, error, got %q", out.Level)
	}
	return out
}

// checkAddr validates a host:port listen address and returns its host.
func (d *decoder) checkAddr(path, addr string) (string, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		d.errorf(path, "expected an address like :8080 or 127.0.0.1:9090, got %q", addr)
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		d.errorf(path, "expected a port number 0-65535 in %q", addr)
		return "", false
	}
	return host, true
}

// positive reports an error when v is not greater than zero.
func (d *decoder) positive(path string, v time.Duration, why string) {
	if v <= 0 && d.has(path) {
		d.errorf(path, "must be greater than 0: %s", why)
	}
}

// atLeast reports an error when an integer field is below min.
func (d *decoder) atLeast(path string, v, min int) {
	if v < min && d.has(path) {
		d.errorf(path, "must be at least %d, got %d", min, v)
	}
}

// fmtPath formats an indexed field path.
func fmtPath(format string, args ...any) string { return fmt.Sprintf(format, args...) }
