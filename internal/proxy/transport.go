package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Transport tuning. The pool is sized for a gateway under high concurrency:
// http.DefaultTransport keeps only 2 idle connections per host, so a busy proxy
// using it opens and closes a connection for nearly every request.
const (
	maxIdlePerHost    = 512
	idleConnTimeout   = 90 * time.Second
	tcpKeepAlive      = 30 * time.Second
	tlsHandshake      = 10 * time.Second
	expectContinue    = 1 * time.Second
	ioBufferSize      = 16 << 10
	maxResponseHeader = 1 << 20
	copyBufferSize    = 32 << 10
	copyBuffersKept   = 256 // idle copy buffers kept; beyond that they are dropped
)

// newTransport builds the one transport an Upstream uses for all its targets.
func newTransport(cfg Config, targets []*target) (*http.Transport, error) {
	tlsCfg, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	https := false
	for _, t := range targets {
		https = https || t.scheme == "https"
	}
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: tcpKeepAlive}
	return &http.Transport{
		Proxy:                  nil, // egress is explicit: never HTTP(S)_PROXY from the environment
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsCfg,
		TLSHandshakeTimeout:    tlsHandshake,
		ForceAttemptHTTP2:      https, // h2 only helps over TLS; plain http stays HTTP/1.1
		MaxIdleConns:           maxIdlePerHost * len(targets),
		MaxIdleConnsPerHost:    maxIdlePerHost,
		IdleConnTimeout:        idleConnTimeout,
		ResponseHeaderTimeout:  cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout:  expectContinue,
		MaxResponseHeaderBytes: maxResponseHeader,
		// Pass Accept-Encoding through untouched instead of asking for gzip and
		// decompressing on the client's behalf.
		DisableCompression: true,
		WriteBufferSize:    ioBufferSize,
		ReadBufferSize:     ioBufferSize,
	}, nil
}

// tlsConfig returns the client TLS settings for https targets.
func tlsConfig(cfg Config) (*tls.Config, error) {
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.TLSInsecureSkipVerify, //nolint:gosec // explicit opt-in, documented as test-only
	}
	if cfg.CAFile == "" {
		return c, nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read ca file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("ca file: no PEM certificates found")
	}
	c.RootCAs = pool
	return c, nil
}

// bufferPool is a bounded free list of response copy buffers.
// A channel holds slices without boxing them, unlike sync.Pool.
type bufferPool chan []byte

// newBufferPool returns an empty pool keeping at most copyBuffersKept buffers.
func newBufferPool() bufferPool { return make(bufferPool, copyBuffersKept) }

// Get returns a free buffer or a new one.
func (p bufferPool) Get() []byte {
	select {
	case b := <-p:
		return b
	default:
		return make([]byte, copyBufferSize)
	}
}

// Put returns b to the pool; when the pool is full b is left to the collector.
func (p bufferPool) Put(b []byte) {
	if cap(b) != copyBufferSize {
		return
	}
	select {
	case p <- b[:copyBufferSize]:
	default:
	}
}
