// Command bulwark is the Bulwark API security gateway.
//
//	bulwark serve -c bulwark.yaml   run the gateway
//	bulwark check -c bulwark.yaml   validate a config: every problem with file:line
//	bulwark tune -c bulwark.yaml --audit audit.jsonl   propose injection exclusions
//	bulwark demo                    a demo shop API with Bulwark in front of it
//	bulwark help COMMAND            a command's usage and flags
//	bulwark completion bash|zsh|fish   a shell completion script
//	bulwark version
package main

import (
	"context"
	"errors"
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
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
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

func newServeCmd() *cobra.Command {
	c := &cobra.Command{Use: "serve", Short: "run the gateway with the config file", Args: func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected argument %q (the config file is -c FILE)", args[0])
		}
		return nil
	}}
	cfg := configFlag(c)
	level := c.Flags().String("log-level", "info", "diagnostic log level: debug, info, warn, error (default: the config's log.level)")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		return serve(*cfg, *level, c.Flags().Changed("log-level"), c.OutOrStdout(), c.ErrOrStderr())
	})
	return c
}

// serve runs the gateway; fixed says the level was given on the command line.
func serve(cfg, level string, fixed bool, stdout, stderr io.Writer) int {
	logger, lv, err := newLogger(stderr, level)
	if err != nil {
		fmt.Fprintln(stderr, "bulwark serve:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	v, rev, _ := buildParts()
	err = server.Run(ctx, cfg, server.Options{Logger: logger, Level: lv, LevelFixed: fixed, Stdout: stdout,
		Version: v, Revision: rev, GoVersion: runtime.Version()})
	if err != nil {
		// Fatal errors are log lines like every other the process writes.
		var logged server.Logged
		switch {
		case errors.Is(err, server.ErrConfig):
			logger.Error("config has errors; the gateway did not start", "file", cfg, "hint", "bulwark check -c "+cfg)
		case errors.As(err, &logged):
		default:
			logger.Error("bulwark stopped", "error", err.Error())
		}
		return 1
	}
	return 0
}
