package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// exitStatus is a command's non-zero exit status; the command has already
// said why on stderr.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// action adapts a command body that returns its exit status to cobra.
func action(fn func(c *cobra.Command, args []string) int) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if code := fn(c, args); code != 0 {
			return exitStatus(code)
		}
		return nil
	}
}

// run executes the command line args and returns the exit status: 0 done,
// 1 a runtime failure, 2 a usage error (unknown command or flag, wrong
// argument count, bad flag value).
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-v") {
		args = append([]string{"version"}, args[1:]...)
	}
	root.SetArgs(goStyleFlags(root, args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	c, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	var st exitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	// Everything that is not a command's own failure is cobra refusing the
	// command line.
	fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", c.CommandPath(), err, c.CommandPath())
	return 2
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "bulwark",
		Short: "Bulwark — an API security gateway",
		Long: `Bulwark — an API security gateway.

Every command that reads a config takes -c/--config FILE; the default is
$BULWARK_CONFIG, or bulwark.yaml when that is unset. Flags may come before or
after arguments, with one dash or two (-strict, --strict). Exit status: 0 done,
1 a runtime failure, 2 a usage error.`,
		Args:               cobra.ArbitraryArgs,
		RunE:               groupRun,
		DisableFlagParsing: true,
		SilenceErrors:      true,
		SilenceUsage:       true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	root.AddCommand(newServeCmd(), newCheckCmd(), newTuneCmd(), newKeysCmd(), newOwnersCmd(),
		newGraphQLCmd(), newClientsCmd(), newUsersCmd(), newDemoCmd(), newProbeCmd(), newVersionCmd())
	// cobra's help command, made strict: an unknown topic is a usage error.
	root.InitDefaultHelpCmd()
	if h := subcommand(root, "help"); h != nil {
		show := h.Run
		h.Run, h.RunE = nil, func(c *cobra.Command, args []string) error {
			if _, rest, err := root.Find(args); err != nil || len(rest) > 0 {
				return fmt.Errorf("unknown help topic %q", strings.Join(args, " "))
			}
			show(c, args)
			return nil
		}
	}
	// cobra's completion command, made strict: an unknown shell is a usage error.
	root.InitDefaultCompletionCmd()
	if c := subcommand(root, "completion"); c != nil {
		c.Args, c.RunE = cobra.ArbitraryArgs, groupRun
	}
	return root
}

// groupRun is the action of a command that only holds subcommands (and so
// parses no flags of its own): without one it prints its usage on stderr;
// both that and an unknown subcommand are usage errors.
func groupRun(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.ErrOrStderr(), c.UsageString())
		return exitStatus(2)
	}
	for _, a := range args {
		if a == "-h" || a == "--help" {
			return c.Help()
		}
	}
	name := args[0]
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			name = a
			break
		}
	}
	return fmt.Errorf("unknown command %q", name)
}

// group is a command holding subs.
func group(use, short, long string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Long: long, Args: cobra.ArbitraryArgs, RunE: groupRun, DisableFlagParsing: true}
	c.AddCommand(subs...)
	return c
}

// exactArgs wants n positional arguments.
func exactArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("want %d argument(s), got %d", n, len(args))
		}
		return nil
	}
}

// defaultConfig is the config file of a command not given -c: $BULWARK_CONFIG,
// else bulwark.yaml.
func defaultConfig() string {
	if v := os.Getenv("BULWARK_CONFIG"); v != "" {
		return v
	}
	return "bulwark.yaml"
}

const configUsage = "config file ($BULWARK_CONFIG sets the default)"

// configFlag adds -c/--config to c.
func configFlag(c *cobra.Command) *string {
	return c.Flags().StringP("config", "c", defaultConfig(), configUsage)
}

// funcValue is a flag whose every occurrence is handed to set.
type funcValue struct {
	set func(string) error
	typ string
}

func (f funcValue) String() string     { return "" }
func (f funcValue) Set(s string) error { return f.set(s) }
func (f funcValue) Type() string       { return f.typ }

func funcFlag(fs *pflag.FlagSet, name, typ, usage string, set func(string) error) {
	fs.Var(funcValue{set: set, typ: typ}, name, usage)
}

// goStyleFlags rewrites the Go-style single-dash long flags that scripts
// and older docs use ("-strict", "-format json", "-log-level=info") to the
// double-dash form cobra parses, for the flags the addressed command knows.
// One-letter flags (-c), a lone "-" and everything after "--" are left alone.
func goStyleFlags(root *cobra.Command, args []string) []string {
	c := root
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		sub := subcommand(c, a)
		if sub == nil {
			break
		}
		c = sub
	}
	known := map[string]bool{"help": true}
	add := func(f *pflag.Flag) { known[f.Name] = true }
	c.Flags().VisitAll(add)
	c.InheritedFlags().VisitAll(add)
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 && known[name] {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

func subcommand(c *cobra.Command, name string) *cobra.Command {
	for _, s := range c.Commands() {
		if s.Name() == name || s.HasAlias(name) {
			return s
		}
	}
	return nil
}
