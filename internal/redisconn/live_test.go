package redisconn_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/redisconn"
)

// These tests start their own redis-server processes on free loopback ports
// (never the shared Redis) and skip when redis-server is not installed.

func TestSentinelClientServesTheLimiters(t *testing.T) {
	bin := redisServer(t)
	primary := freePort(t)
	startRedis(t, bin, "primary", "port "+primary)
	sentinel := freePort(t)
	startRedis(t, bin, "sentinel", "port "+sentinel+"\nsentinel monitor bulwarktest 127.0.0.1 "+primary+" 1\n", "--sentinel")
	o, err := redisconn.Parse("redis+sentinel://127.0.0.1:" + sentinel + "/0?master_name=bulwarktest")
	if err != nil {
		t.Fatal(err)
	}
	exerciseLimiters(t, o.Client())
	// The writes went to the primary the sentinel named.
	direct := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + primary})
	defer direct.Close()
	if n, err := direct.DBSize(t.Context()).Result(); err != nil || n == 0 {
		t.Fatalf("primary holds %d keys (err %v); the limiters wrote elsewhere", n, err)
	}
}

// TestSentinelFailover kills the primary: Sentinel promotes the replica and
// the client follows it without a restart.
func TestSentinelFailover(t *testing.T) {
	bin := redisServer(t)
	primary, replica, sentinel := freePort(t), freePort(t), freePort(t)
	p := startRedis(t, bin, "primary", "port "+primary)
	startRedis(t, bin, "replica", "port "+replica+"\nreplicaof 127.0.0.1 "+primary)
	startRedis(t, bin, "sentinel", "port "+sentinel+"\nsentinel monitor bulwarktest 127.0.0.1 "+primary+" 1\n"+
		"sentinel down-after-milliseconds bulwarktest 500\nsentinel failover-timeout bulwarktest 5000\n", "--sentinel")
	o, err := redisconn.Parse("redis+sentinel://127.0.0.1:" + sentinel + "/0?master_name=bulwarktest")
	if err != nil {
		t.Fatal(err)
	}
	client := o.Client()
	defer client.Close()
	ctx := t.Context()
	rl := ratelimit.NewRedis(client, ratelimit.RedisConfig{Prefix: "bulwark:test:"})
	lim := ratelimit.Limit{Rate: 100, Per: time.Minute, Burst: 100}
	waitFor(t, "the primary to answer", func() bool { _, err := rl.Allow(ctx, "k", lim, 1); return err == nil })
	// The sentinel must know the replica before it can promote it.
	sc := redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + sentinel})
	defer sc.Close()
	waitFor(t, "the sentinel to see the replica", func() bool {
		r, err := sc.Replicas(ctx, "bulwarktest").Result()
		return err == nil && len(r) == 1
	})
	if err := p.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sentinel to promote the replica", func() bool {
		addr, err := sc.GetMasterAddrByName(ctx, "bulwarktest").Result()
		return err == nil && len(addr) == 2 && addr[1] == replica
	})
	waitFor(t, "the client to reach the new primary", func() bool { _, err := rl.Allow(ctx, "k", lim, 1); return err == nil })
}

func TestClusterClientServesTheLimiters(t *testing.T) {
	bin := redisServer(t)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	var nodes []string
	for i := range 3 {
		p := freeClusterPort(t)
		startRedis(t, bin, fmt.Sprintf("node%d", i), "port "+p+"\ncluster-enabled yes\ncluster-config-file nodes-"+p+".conf")
		nodes = append(nodes, "127.0.0.1:"+p)
	}
	args := append([]string{"--cluster", "create"}, nodes...)
	if out, err := exec.Command(cli, append(args, "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	waitFor(t, "the cluster to be ok", func() bool {
		out, err := exec.Command(cli, "-h", "127.0.0.1", "-p", strings.Split(nodes[2], ":")[1], "cluster", "info").Output()
		return err == nil && strings.Contains(string(out), "cluster_state:ok")
	})
	o, err := redisconn.Parse("redis+cluster://" + nodes[0] + "?addr=" + nodes[1] + "&addr=" + nodes[2])
	if err != nil {
		t.Fatal(err)
	}
	exerciseLimiters(t, o.Client())
	// Keys landed on more than one node: the client routes by slot.
	used := 0
	for _, n := range nodes {
		c := redis.NewClient(&redis.Options{Addr: n})
		if k, err := c.DBSize(t.Context()).Result(); err == nil && k > 0 {
			used++
		}
		c.Close()
	}
	if used < 2 {
		t.Fatalf("keys on %d of 3 nodes; want them spread by slot", used)
	}
}

// exerciseLimiters runs the shared rate limiter and the brute-force backend
// (a script over three keys of one hash slot) on client, over many keys.
func exerciseLimiters(t *testing.T, client redis.UniversalClient) {
	t.Helper()
	defer client.Close()
	ctx := t.Context()
	waitFor(t, "redis to answer", func() bool { return client.Ping(ctx).Err() == nil })
	rl := ratelimit.NewRedis(client, ratelimit.RedisConfig{Prefix: "bulwark:test:"})
	lim := ratelimit.Limit{Rate: 2, Per: time.Minute, Burst: 2}
	for i := range 30 {
		key := "client-" + strconv.Itoa(i)
		for n := 1; n <= 3; n++ {
			d, err := rl.Allow(ctx, key, lim, 1)
			if err != nil {
				t.Fatalf("Allow(%s) #%d: %v", key, n, err)
			}
			if d.Allowed != (n <= 2) {
				t.Fatalf("Allow(%s) #%d allowed=%v; the limit is 2 a minute", key, n, d.Allowed)
			}
		}
	}
	bf := bruteforce.NewRedisBackend(client, "bulwark:test:bf:")
	p := bruteforce.Policy{MaxFailures: 2, Window: time.Minute, Lockout: time.Minute, Hold: time.Minute}
	for i := range 10 {
		key := "user-" + strconv.Itoa(i)
		for n := range 2 {
			id := fmt.Sprintf("a%d", n)
			if _, ok, err := bf.Reserve(ctx, key, id, p, time.Now()); err != nil || !ok {
				t.Fatalf("Reserve(%s) #%d: ok %v, %v", key, n, ok, err)
			}
			if _, err := bf.Settle(ctx, key, id, true, p, time.Now()); err != nil {
				t.Fatalf("Settle(%s): %v", key, err)
			}
		}
		if s, ok, err := bf.Reserve(ctx, key, "a3", p, time.Now()); err != nil || ok || s.Locked <= 0 {
			t.Fatalf("Reserve(%s) after 2 failures: ok %v, state %+v, %v; want locked", key, ok, s, err)
		}
	}
}

func redisServer(t *testing.T) string {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed; skipping a test that runs its own Redis processes")
	}
	return bin
}

// startRedis runs redis-server with conf (written to a file of its own in a
// temporary directory) until t ends.
func startRedis(t *testing.T, bin, name, conf string, extra ...string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, name+".conf")
	conf = "bind 127.0.0.1\nsave \"\"\nappendonly no\ndir " + dir + "\n" + conf + "\n"
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{file}, extra...)...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	port, _, _ := strings.Cut(strings.TrimPrefix(conf[strings.Index(conf, "\nport ")+1:], "port "), "\n")
	waitFor(t, name+" to listen", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return cmd
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// freeClusterPort returns a port p below 55536 with p and p+10000 (the
// cluster bus) free.
func freeClusterPort(t *testing.T) string {
	t.Helper()
	for range 100 {
		p, _ := strconv.Atoi(freePort(t))
		if p >= 55536 {
			continue
		}
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000)); err == nil {
			l.Close()
			return strconv.Itoa(p)
		}
	}
	t.Fatal("no free port pair for a cluster node")
	return ""
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
