package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
)

// cluster is everything a run needs: the dependencies, the upstream, the
// JWKS issuer and three Bulwark nodes sharing the store and Redis.
type cluster struct {
	dir           string
	redis         *redisServer    // nil when an external Redis is used
	pg            *postgresServer // nil when an external PostgreSQL is used
	redisURL, dsn string
	up            *upstreamServer
	is            *issuer
	nodes         []*node
	db            *sql.DB
	extra         string // appended to every route list (reload phase)
	opts          clusterOpts
}

type clusterOpts struct {
	repo         string // the repository root (to build the binary)
	bin          string // a built binary; "" builds one
	redisURL     string // external Redis; "" starts one
	dsn          string // external PostgreSQL; "" starts one
	nodes        int
	waitForStore bool
	allGuards    bool // response filtering and an ownership rule too (soak)
}

func newCluster(ctx context.Context, dir string, o clusterOpts) (*cluster, error) {
	c := &cluster{dir: dir, opts: o, redisURL: o.redisURL, dsn: o.dsn}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return c, err
	}
	var err error
	if c.redisURL == "" {
		if c.redis, err = startRedis(dir, freePort()); err != nil {
			return c, fmt.Errorf("redis: %w", err)
		}
		c.redisURL = c.redis.url()
	}
	if c.dsn == "" {
		if c.pg, err = startPostgres(dir, freePort()); err != nil {
			return c, fmt.Errorf("postgres: %w", err)
		}
		c.dsn = c.pg.dsn()
	}
	if c.db, err = sql.Open("pgx", c.dsn); err != nil {
		return c, err
	}
	if c.up, err = startUpstream(freePort()); err != nil {
		return c, err
	}
	if c.is, err = startIssuer(freePort()); err != nil {
		return c, err
	}
	bin := o.bin
	if bin == "" {
		if bin, err = buildBulwark(ctx, o.repo, dir); err != nil {
			return c, err
		}
	}
	for i := range o.nodes {
		nd := &node{name: fmt.Sprintf("node%d", i+1), bin: bin, dir: filepath.Join(dir, fmt.Sprintf("node%d", i+1)),
			proxy: freePort(), admin: freePort()}
		nd.cfg = filepath.Join(nd.dir, "bulwark.yaml")
		nd.logPath = filepath.Join(nd.dir, "bulwark.log")
		if err := os.MkdirAll(nd.dir, 0o700); err != nil {
			return c, err
		}
		if err := c.writeConfig(nd); err != nil {
			return c, err
		}
		c.nodes = append(c.nodes, nd)
	}
	// The first node migrates the store; the others start after it.
	for _, nd := range c.nodes {
		if err := nd.start(); err != nil {
			return c, err
		}
	}
	return c, nil
}

// close stops everything it started.
func (c *cluster) close() {
	for _, n := range c.nodes {
		if n.cmd != nil {
			n.stop()
		}
	}
	if c.up != nil {
		c.up.kill()
	}
	if c.is != nil {
		_ = c.is.srv.Close()
	}
	if c.db != nil {
		_ = c.db.Close()
	}
	if c.redis != nil {
		c.redis.kill()
	}
	if c.pg != nil {
		_ = c.pg.stop()
	}
}

// limit is a rate limit that never triggers: it exercises Redis on every
// request, and its failure mode decides what a Redis outage does.
func limit(mode string) string {
	return "        rate_limits: [{by: [ip], rate: 1000000/s, burst: 1000000, on_redis_failure: " + mode + "}]\n"
}

func (c *cluster) config(n *node) string {
	wait := ""
	if c.opts.waitForStore {
		wait = "  wait_for_store: true\n"
	}
	guards := ""
	if c.opts.allGuards {
		guards = `        response:
          allow: [kind, id, name, email]
          sensitive: {email: monitor}
        rate_limits: [{by: [subject], rate: 1000000/s, burst: 1000000}]
`
	}
	return `server:
  listen: 127.0.0.1:` + fmt.Sprint(n.proxy) + `
  shutdown_grace: 5s
admin:
  listen: 127.0.0.1:` + fmt.Sprint(n.admin) + `
  token: ${env:BULWARK_ADMIN_TOKEN}
store: ` + c.dsn + `
cluster:
  redis: ` + c.redisURL + `
  secret: ${env:BULWARK_ADMIN_TOKEN}-cluster-hmac-secret
audit:
  stdout: false
  store: true
  tiers: {store_all: true}
` + wait + `identity:
  api_keys:
    pepper: ${env:BULWARK_ADMIN_TOKEN}-pepper
  jwt:
    - name: corp
      issuer: https://chaos.local/
      jwks_url: ` + c.is.url + `
      audiences: [chaos]
      algorithms: [RS256]
      leeway: 1s          # the rotation phase checks that an expired token is refused
apis:
  - name: chaos
    upstream:
      targets: [` + c.up.url() + `]
      passive: {max_fails: 3, window: 10s, eject_for: 5s}
    auth: [none]
    routes:
      - match: GET /local/{id}
` + limit("local") + `      - match: GET /closed/{id}
` + limit("closed") + `      - match: GET /open/{id}
` + limit("open") + `      - match: GET /jwt/{id}
        auth: [jwt]
        scopes: [orders:read]
` + guards + `      - match: GET /key/{id}
        auth: [api_key]
      - match: POST /orders
        auth: [jwt]
        scopes: [orders:write]
        records_owner: {object: order, from: location}
` + c.extra
}

func (c *cluster) writeConfig(n *node) error {
	return os.WriteFile(n.cfg, []byte(c.config(n)), 0o600)
}

// storedSet returns the first column of query as a set.
func (c *cluster) storedSet(ctx context.Context, query string) (map[string]bool, error) {
	rows, err := c.db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
