package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/bulwark-gw/bulwark/internal/admin"
	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/authn/introspect"
	"github.com/bulwark-gw/bulwark/internal/authn/jwt"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/console"
	"github.com/bulwark-gw/bulwark/internal/gateway"
	"github.com/bulwark-gw/bulwark/internal/h1serve"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/logsafe"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/changelog"
)

// Options tune a Run beyond the config file.
type Options struct {
	Logger *slog.Logger
	// Stdout receives audit JSON lines when audit.stdout is on (default os.Stdout).
	Stdout io.Writer
	// Ready, if set, is called once every listener is bound.
	Ready func(Addrs)
	// WatchInterval is how often the config file is checked for changes
	// (default 2s; negative disables watching).
	WatchInterval time.Duration
	// Level, if set, is the Logger's level: Run sets it from the config's
	// log.level (at start and on every reload) unless LevelFixed says a
	// command-line flag chose it.
	Level      *slog.LevelVar
	LevelFixed bool
	// Version, Revision and GoVersion name the build in bulwark_build_info.
	Version, Revision, GoVersion string
}

// Addrs are the bound listener addresses.
type Addrs struct {
	Proxy   string `json:"proxy"`
	Admin   string `json:"admin,omitempty"`
	Metrics string `json:"metrics,omitempty"`
}

// ErrConfig marks a config that failed to load; the diagnostics were logged.
var ErrConfig = errors.New("invalid configuration")

// Logged wraps an error Run has already logged; the caller need not log it again.
type Logged struct{ Err error }

func (l Logged) Error() string { return l.Err.Error() }
func (l Logged) Unwrap() error { return l.Err }

// Run serves the config at path until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, path string, opt Options) error {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if opt.Stdout == nil {
		opt.Stdout = os.Stdout
	}
	log := opt.Logger
	routeLibraryLogs(log)
	plan, diags := config.Load(path)
	// The files as this plan read them: a change made while the process
	// starts (before the watcher's first look) still reloads it.
	var loaded []byte
	if plan != nil {
		loaded = filesDigest(watchedOf(plan, path))
	}
	diags = Verified(plan, diags)
	logDiagnostics(log, diags)
	if diags.HasErrors() {
		return ErrConfig
	}
	opt.applyLevel(plan)
	// SIGHUP is caught before "bulwark started" is logged: a reload asked for
	// the moment the process reports ready must not meet the default action
	// (terminate). A SIGHUP during start is kept and applied once serving.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	p, err := start(ctx, plan, opt)
	if err != nil {
		return err
	}
	return p.wait(ctx, hup, loaded)
}

// process is one running Bulwark.
type process struct {
	opt       Options
	log       *slog.Logger
	path      string
	store     *store.Store
	rec       *audit.Recorder
	metrics   *metrics.Metrics
	gw        *gateway.Gateway
	servers   []stopper
	grace     time.Duration
	errc      chan error
	reloadMu  sync.Mutex
	auditFile *audit.JSONLines
	limiters  *limiters
	// audit storage and export (audit.go)
	boundsStop  context.CancelFunc
	boundsDone  chan struct{}
	exportClose []func()
}

func start(ctx context.Context, plan *config.Plan, opt Options) (*process, error) {
	p := &process{opt: opt, log: opt.Logger, path: plan.Source, metrics: metrics.New(),
		grace: plan.Server.ShutdownGrace, errc: make(chan error, 4)}
	if err := p.openStore(ctx, plan); err != nil {
		return nil, err
	}
	if err := p.startAudit(plan); err != nil {
		p.closeStore()
		return nil, err
	}
	lim, err := newLimiters(plan.Cluster, p.log)
	if err != nil {
		p.stopAudit(context.Background())
		p.closeStore()
		return nil, err
	}
	p.limiters = lim
	p.metrics.SetLimiterSource(lim.health)
	p.metrics.SetChangeSource(func() metrics.ChangeNotifications {
		return metrics.ChangeNotifications{Lost: store.NotificationsLost(), CaughtByPoll: changelog.CaughtByPoll()}
	})
	p.metrics.SetOwnerRecordSource(func() metrics.OwnerRecords {
		o := ownership.Stats()
		return metrics.OwnerRecords{Pending: o.Pending, Retried: o.Retried, LostShutdown: o.LostShutdown,
			LostConflict: o.LostConflict, Refused: o.Refused}
	})
	p.metrics.SetIdentityFailureSource(func() metrics.IdentityFailures {
		return metrics.IdentityFailures{JWKS: jwt.FetchFailures(), Introspection: introspect.Failures()}
	})
	p.metrics.SetBuildInfo(opt.Version, opt.Revision, opt.GoVersion)
	p.metrics.ConfigLoaded()
	gw, err := gateway.New(plan, gateway.Deps{Metrics: p.metrics, Audit: p.rec, Logger: p.log, Store: p.store, Version: opt.Version,
		Limiters: lim.gateway()})
	if err != nil {
		lim.close()
		p.stopAudit(context.Background())
		p.closeStore()
		return nil, fmt.Errorf("build gateway: %w", err)
	}
	p.gw = gw
	addrs, err := p.listen(plan)
	if err != nil {
		// The cause first: what follows is the orderly stop of what had started.
		p.log.Error("cannot start", "error", err.Error())
		p.shutdown()
		return nil, Logged{err}
	}
	p.log.Info("bulwark started", "proxy", addrs.Proxy, "admin", addrs.Admin, "metrics", addrs.Metrics,
		"apis", len(plan.APIs), "store", p.storeKind())
	if opt.Ready != nil {
		opt.Ready(addrs)
	}
	return p, nil
}

func (p *process) storeKind() string {
	if p.store == nil {
		return "none"
	}
	return p.store.Dialect()
}

func (p *process) openStore(ctx context.Context, plan *config.Plan) error {
	if plan.Store == "" {
		return nil
	}
	s, err := store.Open(ctx, plan.Store)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	p.store = s
	return nil
}

func (p *process) closeStore() {
	if p.store != nil {
		if err := p.store.Close(); err != nil {
			p.log.Error("close store", "error", err)
		}
	}
}

func (p *process) startAudit(plan *config.Plan) error {
	var sinks []audit.Sink
	a := plan.Audit
	if a.Stdout {
		sinks = append(sinks, audit.NewJSONLines(p.opt.Stdout, "stdout", false))
	}
	if a.File != "" {
		f, err := audit.OpenRotatingJSONLines(a.File, true, rotation(a.Rotation))
		if err != nil {
			return fmt.Errorf("audit file: %w", err)
		}
		p.auditFile = f
		sinks = append(sinks, f)
	}
	if a.Store && p.store != nil {
		sinks = append(sinks, p.storeSink(a), audit.NewCounterSink(p.store.Dialect(), p.store))
	}
	exports, err := p.exportSinks(a)
	if err != nil {
		if p.auditFile != nil {
			_ = p.auditFile.Close()
		}
		return fmt.Errorf("audit export: %w", err)
	}
	sinks = append(sinks, exports...)
	cfg := audit.Config{QueueSize: a.QueueSize, BlockTimeout: a.BlockTimeout, WaitForStore: a.WaitForStore}
	if a.Overflow == "block" {
		cfg.Overflow = audit.OverflowBlock
	}
	p.rec = audit.NewRecorder(cfg, p.log, sinks...)
	p.rec.Start()
	p.auditFailures()
	p.startAuditBounds(a)
	p.metrics.SetAuditSource(func() (uint64, uint64) {
		s := p.rec.Stats()
		return s.Written, s.Dropped
	})
	return nil
}

func (p *process) stopAudit(ctx context.Context) {
	p.stopAuditBounds()
	if err := p.rec.Close(ctx); err != nil {
		p.log.Error("audit drain incomplete", "error", err)
	}
	if p.auditFile != nil {
		_ = p.auditFile.Close()
	}
	for _, c := range p.exportClose {
		c()
	}
}

// listen binds every listener first (so a taken port fails the start cleanly) and
// then serves them.
func (p *process) listen(plan *config.Plan) (Addrs, error) {
	var addrs Addrs
	ln, err := p.bind(plan.Server.Listen, plan)
	if err != nil {
		return addrs, fmt.Errorf("proxy listener: %w", err)
	}
	addrs.Proxy = ln.Addr().String()
	if ownEngine(plan) {
		p.serve(p.newOwnServer(plan, proxyHandler{gw: p.gw}), ln)
	} else {
		p.serve(p.newServer(plan, proxyHandler{gw: p.gw}), ln)
	}

	token := func() string { return p.gw.Plan().Admin.Token }
	con, err := console.New(console.Deps{Gateway: p.gw, Store: p.store, Audit: p.rec, Token: token, Logger: p.log})
	if err != nil {
		return addrs, err
	}
	adm := admin.New(admin.Deps{Gateway: p.gw, Store: p.store, Audit: p.rec, Metrics: p.metrics,
		Token: token, Ready: p.ready, Console: con})
	if plan.Admin.Listen != "" {
		h := adm.Handler(plan.Metrics.Listen == "", plan.Metrics.Path)
		ln, err := net.Listen("tcp", plan.Admin.Listen)
		if err != nil {
			return addrs, fmt.Errorf("admin listener: %w", err)
		}
		addrs.Admin = ln.Addr().String()
		p.serve(p.plainServer(h), ln)
	}
	if plan.Metrics.Listen != "" {
		ln, err := net.Listen("tcp", plan.Metrics.Listen)
		if err != nil {
			return addrs, fmt.Errorf("metrics listener: %w", err)
		}
		addrs.Metrics = ln.Addr().String()
		p.serve(p.plainServer(adm.MetricsHandler(plan.Metrics.Path)), ln)
	}
	return addrs, nil
}

func (p *process) bind(addr string, plan *config.Plan) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if plan.Server.TLSCert == "" {
		// Go's parser silently prefers Transfer-Encoding over Content-Length and
		// keeps the connection: refuse such requests before it sees them (smuggling).
		return hygiene.NewFramingListener(ln, maxHeaderBackstop(plan)), nil
	}
	cert, err := tls.LoadX509KeyPair(plan.Server.TLSCert, plan.Server.TLSKey)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("tls: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"}}
	return tls.NewListener(ln, cfg), nil
}

// maxHeaderBackstop bounds what net/http reads before our handler: the per-route
// limit answers with problem JSON, this only stops abuse of the parser itself.
func maxHeaderBackstop(plan *config.Plan) int {
	most := 16 << 10
	for _, api := range plan.APIs {
		for _, r := range api.Routes {
			most = max(most, r.Limits.MaxHeaderBytes)
		}
	}
	return most*2 + 4096
}

func (p *process) newServer(plan *config.Plan, h http.Handler) *http.Server {
	s := plan.Server
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(s.TLSCert != "")
	protos.SetUnencryptedHTTP2(s.H2C)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		IdleTimeout:       s.IdleTimeout,
		WriteTimeout:      s.WriteTimeout,
		MaxHeaderBytes:    maxHeaderBackstop(plan),
		Protocols:         &protos,
		ErrorLog:          logsafe.Logger(p.log.Handler(), slog.LevelDebug), // never a peer's bytes in a log
	}
}

// ownEngine reports whether the proxy listener is served by h1serve:
// plain-text HTTP/1.x only (TLS and h2c need net/http's HTTP/2), unless the
// config asks for net/http.
func ownEngine(plan *config.Plan) bool {
	s := plan.Server
	return s.Engine != config.EngineNetHTTP && s.TLSCert == "" && !s.H2C
}

// newOwnServer is newServer for h1serve, with the same limits; the framing
// listener stays in front of it (bind).
func (p *process) newOwnServer(plan *config.Plan, h http.Handler) *h1serve.Server {
	s := plan.Server
	return &h1serve.Server{
		Handler:           h,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		IdleTimeout:       s.IdleTimeout,
		WriteTimeout:      s.WriteTimeout,
		MaxHeaderBytes:    maxHeaderBackstop(plan),
		ErrorLog:          logsafe.Logger(p.log.Handler(), slog.LevelDebug), // never a peer's bytes in a log
	}
}

func (p *process) plainServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second,
		ErrorLog: logsafe.Logger(p.log.Handler(), slog.LevelDebug)}
}

// stopper is a server the process serves on a listener and stops on shutdown
// (*http.Server, *h1serve.Server).
type stopper interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
	Close() error
}

func (p *process) serve(s stopper, ln net.Listener) {
	p.servers = append(p.servers, s)
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.errc <- err
		}
	}()
}
