// Command bulwark is the Bulwark API security gateway.
//
//	bulwark serve -c bulwark.yaml   run the gateway
//	bulwark check -c bulwark.yaml   validate a config: every problem with file:line
//	bulwark tune -c bulwark.yaml -audit audit.jsonl   propose injection exclusions
//	bulwark demo                    a demo shop API with Bulwark in front of it
//	bulwark version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/bulwark-gw/bulwark/internal/logsafe"
	"github.com/bulwark-gw/bulwark/internal/server"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Bulwark — an API security gateway.

Usage:
  bulwark serve -c FILE     run the gateway with the config FILE
  bulwark check -c FILE...  check config files; exits 1 on errors
  bulwark tune -c FILE -audit EVENTS   propose injection exclusions from monitor-mode findings
  bulwark keys COMMAND      manage API keys: create, list, revoke, rotate
  bulwark owners COMMAND    manage object ownership records: set, get, delete, list, import
  bulwark clients COMMAND   manage OAuth clients: create, list, revoke
  bulwark users COMMAND     manage end-user accounts of the authorization server: create
  bulwark demo              run the demo shop behind Bulwark and print what to try
  bulwark probe URL         exit 0 if URL answers 2xx (container health checks)
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
	case "tune":
		return tuneCommand(args[1:], stdout, stderr)
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
	case "probe":
		return probe(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		return printVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "bulwark: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// newLogger returns a JSON logger on w at level (debug, info, warn, error) and
// the variable that holds its level, and makes it the standard log package's
// output too: net/http's Transport logs there, quoting bytes an upstream sent
// (an "unsolicited response" after a 304 with a body), and those must reach
// the log masked, never as they came.
func newLogger(w io.Writer, level string) (*slog.Logger, *slog.LevelVar, error) {
	lv := new(slog.LevelVar)
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, nil, fmt.Errorf("log level %q: expected debug, info, warn or error", level)
	}
	lv.Set(l)
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}))
	log.SetFlags(0)
	log.SetOutput(logsafe.Writer(logger.Handler(), slog.LevelWarn))
	return logger, lv, nil
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("c", "bulwark.yaml", "config file")
	level := fs.String("log-level", "info", "diagnostic log level: debug, info, warn, error (default: the config's log.level)")
	if pos, err := parseAnywhere(fs, args); err != nil {
		return 2
	} else if len(pos) > 0 {
		fmt.Fprintf(stderr, "bulwark serve: unexpected argument %q (the config file is -c FILE)\n", pos[0])
		return 2
	}
	fixed := false
	fs.Visit(func(f *flag.Flag) { fixed = fixed || f.Name == "log-level" })
	logger, lv, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintln(stderr, "bulwark serve:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	v, rev, _ := buildParts()
	err = server.Run(ctx, *cfg, server.Options{Logger: logger, Level: lv, LevelFixed: fixed, Stdout: stdout,
		Version: v, Revision: rev, GoVersion: runtime.Version()})
	if err != nil {
		// Fatal errors are log lines like every other the process writes.
		var logged server.Logged
		switch {
		case errors.Is(err, server.ErrConfig):
			logger.Error("config has errors; the gateway did not start", "file", *cfg, "hint", "bulwark check -c "+*cfg)
		case errors.As(err, &logged):
		default:
			logger.Error("bulwark stopped", "error", err.Error())
		}
		return 1
	}
	return 0
}
