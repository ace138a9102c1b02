package ownership

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// cutProxy forwards TCP connections to a target until cut: then it closes
// every open connection and every new one at once, as a database that went
// away would look, until restored.
type cutProxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]struct{}
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.setCut(true)
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if cut {
			c.Close()
			continue
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, u) {
			continue
		}
		p.wg.Add(2)
		go p.pipe(c, u)
		go p.pipe(u, c)
	}
}

// track registers a connection pair, or closes it if the proxy was cut
// meanwhile.
func (p *cutProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// setCut cuts (closing every open connection) or restores the proxy.
func (p *cutProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
	}
}

// TestOutboxOverPostgres: PostgreSQL becomes unreachable while records are
// created and comes back while more are: every acknowledged record ends up
// in the store, with its owner, and the outage is one log line.
func TestOutboxOverPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t) // skips, saying so, without BULWARK_TEST_POSTGRES_URL
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	via := *u
	via.Host = proxy.addr()
	st := storetest.Open(t, via.String()) // this node reaches PostgreSQL through the proxy
	direct := storetest.Open(t, dsn)      // the truth, read past the proxy
	logs := &lockedBuffer{}
	r, err := New(st, Config{PollInterval: 50 * time.Millisecond}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	before := Stats()

	const n = 300
	owners := make([]string, n)
	for i := range n {
		switch i {
		case n / 3:
			proxy.setCut(true)
		case 2 * n / 3:
			if r.outbox.empty() {
				t.Fatal("nothing was queued while PostgreSQL was cut off")
			}
			// The owner of a queued record reads it on this node.
			if got := mustOwner(t, r, "order", fmt.Sprint(n/3)); got != (owner{owners[n/3], true}) {
				t.Errorf("queued record read as %+v, want %s", got, owners[n/3])
			}
			proxy.setCut(false)
		}
		owners[i] = fmt.Sprintf("user%d", i%7)
		if err := r.Record(ctx, "order", fmt.Sprint(i), owners[i]); err != nil {
			t.Fatalf("record %d not acknowledged: %v", i, err)
		}
	}
	waitFor(t, "the outbox to drain", r.outbox.empty)

	for i, want := range owners {
		got, err := direct.Owner(ctx, "order", fmt.Sprint(i))
		if err != nil || got != want {
			t.Errorf("order %d in the store: %q, %v; want %s", i, got, err, want)
		}
	}
	after := Stats()
	if after.Retried == before.Retried {
		t.Error("no record was written by the outbox")
	}
	if after.LostShutdown != before.LostShutdown || after.LostConflict != before.LostConflict || after.Refused != before.Refused {
		t.Errorf("records lost or refused: before %+v, after %+v", before, after)
	}
	if c := logs.count(failedLine); c != 1 {
		t.Errorf("%d outage lines for one outage:\n%s", c, logs)
	}
	waitFor(t, "the recovery line", func() bool { return logs.count(recoveredLine) == 1 })
	t.Logf("retried %d of %d records", after.Retried-before.Retried, n)
}
