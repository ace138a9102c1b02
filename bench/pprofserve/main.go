// Command pprofserve runs the gateway exactly as `bulwark serve` does (the
// same internal/server.Run, the same request path) with Go's pprof handlers
// on a second, loopback-only listener, so bench/profile.sh can take CPU and
// allocation profiles under load. It is a benchmark tool: the bulwark binary
// itself has no profiling endpoint.
//
//	pprofserve -c bulwark.yaml -pprof 127.0.0.1:6060
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/bulwark-gw/bulwark/internal/server"
)

func main() {
	cfg := flag.String("c", "bulwark.yaml", "config file")
	addr := flag.String("pprof", "127.0.0.1:6060", "pprof listen address (loopback only)")
	flag.Parse()
	if err := run(*cfg, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "pprofserve:", err)
		os.Exit(1)
	}
}

func run(cfg, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("pprof address: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("pprof address must be a loopback IP: profiles show memory contents")
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pprof listener: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return server.Run(ctx, cfg, server.Options{Logger: logger, Stdout: os.Stdout,
		Version: "pprofserve", GoVersion: runtime.Version()})
}
