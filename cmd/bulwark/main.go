// Command bulwark is the Bulwark API security gateway.
//
//	bulwark serve -c bulwark.yaml   run the gateway
//	bulwark check -c bulwark.yaml   validate a config: every problem with file:line
//	bulwark demo                    a demo shop API with Bulwark in front of it
//	bulwark version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/bulwark-gw/bulwark/internal/server"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Bulwark — an API security gateway.

Usage:
  bulwark serve -c FILE     run the gateway with the config FILE
  bulwark check -c FILE...  check config files; exits 1 on errors
  bulwark keys COMMAND      manage API keys: create, list, revoke, rotate
  bulwark owners COMMAND    manage object ownership records: set, get, delete, list, import
  bulwark clients COMMAND   manage OAuth clients: create, list, revoke
  bulwark users COMMAND     manage end-user accounts of the authorization server: create
  bulwark demo              run the demo shop behind Bulwark and print what to try
  bulwark version           print the version

Run 'bulwark COMMAND -h' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "keys":
		return keysCommand(args[1:], stdout, stderr)
	case "clients":
		return clientsCommand(args[1:], stdout, stderr)
	case "users":
		return usersCommand(args[1:], stdout, stderr)
	case "owners":
		return ownersCommand(args[1:], stdout, stderr)
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "bulwark", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "bulwark: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("c", "bulwark.yaml", "config file")
	level := fs.String("log-level", "info", "diagnostic log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := server.Run(ctx, *cfg, server.Options{Logger: newLogger(stderr, *level), Stdout: stdout})
	if err != nil {
		if !errors.Is(err, server.ErrConfig) {
			fmt.Fprintln(stderr, "bulwark:", err)
		} else {
			fmt.Fprintf(stderr, "bulwark: %s has errors; run 'bulwark check -c %s' to list them\n", *cfg, *cfg)
		}
		return 1
	}
	return 0
}
