package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// adminToken is the nodes' admin token (loopback only, a throwaway cluster).
const adminToken = "chaos-admin-token-0123456789abcdef"

// freePort returns a loopback port that was free a moment ago.
func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitTCP waits until addr accepts connections or d passes.
func waitTCP(addr string, d time.Duration) error {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not up after %s", addr, d)
}

// redisServer is a private redis-server on a loopback port.
type redisServer struct {
	port int
	cmd  *exec.Cmd
	log  string
}

func startRedis(dir string, port int) (*redisServer, error) {
	r := &redisServer{port: port, log: filepath.Join(dir, "redis.log")}
	return r, r.start()
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *redisServer) start() error {
	bin := "/usr/bin/redis-server"
	if _, err := os.Stat(bin); err != nil {
		bin = "redis-server"
	}
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--logfile", r.log)
	if err := r.cmd.Start(); err != nil {
		return err
	}
	go r.cmd.Wait() //nolint:errcheck // reaped; its exit is expected
	return waitTCP(fmt.Sprintf("127.0.0.1:%d", r.port), 10*time.Second)
}

// kill sends SIGKILL to the server (kill -9).
func (r *redisServer) kill() { _ = r.cmd.Process.Kill() }

// postgresServer is a private PostgreSQL cluster in a temporary directory,
// run as the "postgres" user when this process is root.
type postgresServer struct {
	dir  string
	port int
}

// asPostgres wraps a command to run as the postgres user when we are root.
func asPostgres(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func pgBin(name string) string {
	if p := "/usr/local/bin/" + name; fileExists(p) {
		return p
	}
	return name
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func startPostgres(dir string, port int) (*postgresServer, error) {
	p := &postgresServer{dir: filepath.Join(dir, "pgdata"), port: port}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "-R", "postgres", dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown: %v %s", err, out)
		}
	}
	if out, err := asPostgres(pgBin("initdb"), "-D", p.dir, "-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = on\nmax_connections = 200\n", port, p.dir)
	f, err := os.OpenFile(filepath.Join(p.dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, _ = f.WriteString(conf)
	f.Close()
	if err := p.start(); err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", p.adminDSN())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE chaos"); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	return p, nil
}

func (p *postgresServer) adminDSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

func (p *postgresServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/chaos?sslmode=disable", p.port)
}

func (p *postgresServer) start() error {
	out, err := asPostgres(pgBin("pg_ctl"), "-D", p.dir, "-l", filepath.Join(p.dir, "server.log"), "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return nil
}

// stop stops the server (fast: clients are disconnected, the data is kept).
func (p *postgresServer) stop() error {
	out, err := asPostgres(pgBin("pg_ctl"), "-D", p.dir, "-m", "fast", "-w", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// upstreamServer is the backend: /orders creates objects (201 + Location),
// everything else answers a small JSON document. It can be killed (every
// connection closed, the port refused) and restarted on the same port.
type upstreamServer struct {
	addr string
	mu   sync.Mutex
	srv  *http.Server
	seq  atomicCounter
}

type atomicCounter struct {
	mu sync.Mutex
	n  int64
}

func (c *atomicCounter) next() int64 { c.mu.Lock(); defer c.mu.Unlock(); c.n++; return c.n }

func startUpstream(port int) (*upstreamServer, error) {
	u := &upstreamServer{addr: fmt.Sprintf("127.0.0.1:%d", port)}
	return u, u.start()
}

func (u *upstreamServer) url() string { return "http://" + u.addr }

func (u *upstreamServer) start() error {
	mux := http.NewServeMux()
	doc := []byte(`{"kind":"user","id":42,"name":"chaos","email":"chaos@example.com","tags":["a","b"]}`)
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id := fmt.Sprintf("o-%d-%d", time.Now().UnixNano(), u.seq.next())
		w.Header().Set("Location", "/orders/"+id)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"id":%q}`, id)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	ln, err := net.Listen("tcp", u.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	u.mu.Lock()
	u.srv = srv
	u.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	return nil
}

// kill closes the listener and every connection at once.
func (u *upstreamServer) kill() {
	u.mu.Lock()
	defer u.mu.Unlock()
	_ = u.srv.Close()
}

// issuer serves a JWKS and signs tokens with its current key.
type issuer struct {
	srv  *http.Server
	url  string
	mu   sync.Mutex
	keys []*rsa.PrivateKey // published; the last one signs
	kids []string
}

func startIssuer(port int) (*issuer, error) {
	is := &issuer{url: fmt.Sprintf("http://127.0.0.1:%d/jwks.json", port)}
	if err := is.addKey(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	is.srv = &http.Server{Handler: http.HandlerFunc(is.serveJWKS), ReadHeaderTimeout: 5 * time.Second}
	go is.srv.Serve(ln) //nolint:errcheck // ends with Close
	return is, nil
}

func (is *issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	is.mu.Lock()
	var set jose.JSONWebKeySet
	for i, k := range is.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: is.kids[i], Algorithm: "RS256", Use: "sig"})
	}
	is.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

// addKey publishes a new key and makes it the signing key (rotation).
func (is *issuer) addKey() error {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = append(is.keys, k)
	is.kids = append(is.kids, fmt.Sprintf("k%d", len(is.keys)))
	return nil
}

// token signs a token for sub with key index ki (-1: the current key), valid for ttl.
func (is *issuer) token(sub string, ki int, ttl time.Duration) string {
	is.mu.Lock()
	if ki < 0 {
		ki = len(is.keys) - 1
	}
	k, kid := is.keys[ki], is.kids[ki]
	is.mu.Unlock()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		panic(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: "https://chaos.local/", Subject: sub,
		Audience: jwt.Audience{"chaos"}, IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(ttl))}).
		Claims(map[string]any{"scope": "orders:read orders:write"}).Serialize()
	if err != nil {
		panic(err)
	}
	return tok
}

// node is one bulwark process.
type node struct {
	name           string
	bin, cfg, dir  string
	proxy, admin   int
	cmd            *exec.Cmd
	logPath        string
	exited         chan struct{}
	mu             sync.Mutex
	logOffsetStart int64
}

func (n *node) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", n.proxy, path) }
func (n *node) adminURL(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", n.admin, path)
}

func (n *node) start() error {
	f, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(n.bin, "serve", "-c", n.cfg)
	cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+adminToken)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Dir = n.dir
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); f.Close(); close(exited) }()
	n.mu.Lock()
	n.cmd, n.exited = cmd, exited
	n.mu.Unlock()
	return n.waitReady(60 * time.Second)
}

func (n *node) pid() int { n.mu.Lock(); defer n.mu.Unlock(); return n.cmd.Process.Pid }

// waitReady polls /readyz until 200.
func (n *node) waitReady(d time.Duration) error {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		resp, err := http.Get(n.adminURL("/readyz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-n.exited:
			return fmt.Errorf("%s exited while starting; see %s", n.name, n.logPath)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after %s", n.name, d)
}

func (n *node) signal(s syscall.Signal) {
	n.mu.Lock()
	defer n.mu.Unlock()
	_ = n.cmd.Process.Signal(s)
}

// kill9 kills the node and waits for it to be gone.
func (n *node) kill9() {
	n.signal(syscall.SIGKILL)
	<-n.exited
}

// stop sends SIGTERM and waits.
func (n *node) stop() {
	n.signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		n.kill9()
	}
}

// logSize is the node log's current size (to read what a phase logged).
func (n *node) logSize() int64 {
	st, err := os.Stat(n.logPath)
	if err != nil {
		return 0
	}
	return st.Size()
}

// logLines returns the WARN and ERROR lines logged after offset, as
// "LEVEL msg" with their counts.
func (n *node) logLines(offset int64) map[string]int {
	out := map[string]int{}
	f, err := os.Open(n.logPath)
	if err != nil {
		return out
	}
	defer f.Close()
	_, _ = f.Seek(offset, io.SeekStart)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct{ Level, Msg, Sink, Code string }
		if json.Unmarshal(sc.Bytes(), &l) != nil || (l.Level != "WARN" && l.Level != "ERROR") {
			continue
		}
		k := l.Level + " " + l.Msg
		if l.Sink != "" {
			k += " (sink " + l.Sink + ")"
		}
		if l.Code != "" {
			k += " (code " + l.Code + ")"
		}
		out[k]++
	}
	return out
}

var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) ([-+0-9.eE]+|NaN|\+Inf)$`)

// metrics scrapes the node's /metrics into name{labels} → value.
func (n *node) metrics() map[string]float64 {
	out := map[string]float64{}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(n.adminURL("/metrics"))
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range bytes.Split(body, []byte("\n")) {
		m := metricLine.FindSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(string(m[2]), 64)
		if err == nil {
			out[string(m[1])] = v
		}
	}
	return out
}

// sumMetric adds every series whose name{labels} starts with prefix.
func sumMetric(m map[string]float64, prefix string) float64 {
	s := 0.0
	for k, v := range m {
		if k == prefix || strings.HasPrefix(k, prefix+"{") {
			s += v
		}
	}
	return s
}

// buildBulwark builds the binary into dir.
func buildBulwark(ctx context.Context, repo, dir string) (string, error) {
	bin := filepath.Join(dir, "bulwark")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/bulwark")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}
