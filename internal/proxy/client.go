package proxy

import (
	"net"
	"net/http"
	"time"
)

// NewClient returns an HTTP client for cfg's upstream that trusts and
// verifies its https targets exactly as the proxy does (CAFile,
// TLSInsecureSkipVerify) and, like the proxy, never takes HTTP(S)_PROXY from
// the environment: for requests the gateway makes of the upstream itself,
// such as GraphQL introspection. timeout bounds each request.
func NewClient(cfg Config, timeout time.Duration) (*http.Client, error) {
	tlsCfg, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: tcpKeepAlive}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsCfg,
		TLSHandshakeTimeout:    tlsHandshake,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: maxResponseHeader,
	}}, nil
}
