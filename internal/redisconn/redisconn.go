// Package redisconn turns a cluster.redis URL into a go-redis client: one
// server, a Sentinel-managed primary, or a Redis Cluster, all behind
// go-redis's UniversalClient so the rate limiters use them alike.
//
//	redis://[user:pass@]host:port/db          one server (rediss:// for TLS)
//	redis+sentinel://[user:pass@]sentinel:26379/db?master_name=NAME&addr=sentinel2:26379
//	redis+cluster://[user:pass@]node:6379?addr=node2:6379&addr=node3:6379
//
// The +sentinel and +cluster schemes take rediss too. Extra query parameters
// are go-redis options (dial_timeout, …). Every client fails fast: a second
// to dial, half a second to read or write, no retries, so a failing Redis
// sends each limit into its failure mode instead of stalling requests.
package redisconn

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts every client gets.
const (
	dialTimeout = time.Second
	ioTimeout   = 500 * time.Millisecond
)

// Options is a parsed cluster.redis URL.
type Options struct {
	single   *redis.Options
	sentinel *redis.FailoverOptions
	cluster  *redis.ClusterOptions
}

// Kind names the deployment: "single", "sentinel" or "cluster".
func (o Options) Kind() string {
	switch {
	case o.sentinel != nil:
		return "sentinel"
	case o.cluster != nil:
		return "cluster"
	}
	return "single"
}

// Parse reads a cluster.redis URL. Its errors never repeat the URL, which
// may hold a password.
func Parse(raw string) (Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Options{}, errors.New("not a URL")
	}
	if u.Host == "" {
		return Options{}, errors.New("the URL has no host")
	}
	base, mode, _ := strings.Cut(u.Scheme, "+")
	if base != "redis" && base != "rediss" {
		return Options{}, errors.New("the scheme must be redis, rediss, redis+sentinel or redis+cluster (or rediss+…)")
	}
	u.Scheme = base
	plain := u.String()
	var o Options
	switch mode {
	case "":
		o.single, err = redis.ParseURL(plain)
		if err == nil {
			o.single.DialTimeout, o.single.ReadTimeout, o.single.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
			o.single.MaxRetries = -1
		}
	case "sentinel":
		o.sentinel, err = redis.ParseFailoverURL(plain)
		if err == nil && o.sentinel.MasterName == "" {
			err = errors.New("a sentinel URL needs ?master_name=NAME")
		}
		if err == nil {
			o.sentinel.DialTimeout, o.sentinel.ReadTimeout, o.sentinel.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
			o.sentinel.MaxRetries = -1
		}
	case "cluster":
		o.cluster, err = redis.ParseClusterURL(plain)
		if err == nil {
			o.cluster.DialTimeout, o.cluster.ReadTimeout, o.cluster.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
			o.cluster.MaxRetries = -1
		}
	default:
		return Options{}, errors.New("the scheme must be redis, rediss, redis+sentinel or redis+cluster (or rediss+…)")
	}
	if err != nil {
		return Options{}, scrub(err, raw)
	}
	return o, nil
}

// Client returns a new client; it connects on first use.
func (o Options) Client() redis.UniversalClient {
	switch {
	case o.sentinel != nil:
		return redis.NewFailoverClient(o.sentinel)
	case o.cluster != nil:
		return redis.NewClusterClient(o.cluster)
	}
	return redis.NewClient(o.single)
}

// scrub keeps go-redis's reason but drops any echo of the URL.
func scrub(err error, raw string) error {
	msg := err.Error()
	if raw != "" && strings.Contains(msg, raw) {
		msg = strings.ReplaceAll(msg, raw, "…")
	}
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "…")
		}
	}
	return errors.New(msg)
}
