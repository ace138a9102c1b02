package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/store"
)

const clientsUsage = `Usage:
  bulwark clients create -c FILE --name NAME [--id ID] [--site URL] [--public] [--first-party]
                         [--redirect-uri URI]... [--scopes a,b] [--grants authorization_code,refresh_token]
  bulwark clients list   -c FILE [--json]
  bulwark clients revoke -c FILE ID

A confidential client's secret is printed once; only its hash is stored.
The store comes from the config file, which must have an oauth section.
`

const usersUsage = `Usage:
  bulwark users create -c FILE USERNAME    (reads the password from standard input)

End users sign in on the authorization server's login page (oauth section).
`

// clientsCommand manages OAuth clients. Exit status: 0 done, 1 failed, 2 usage.
func clientsCommand(args []string, stdout, stderr io.Writer) int {
	return dispatch("clients", clientsUsage, map[string]func([]string, io.Writer, io.Writer) int{
		"create": clientsCreate, "list": clientsList, "revoke": clientsRevoke,
	}, args, stdout, stderr)
}

// usersCommand manages end-user accounts. Exit status: 0 done, 1 failed, 2 usage.
func usersCommand(args []string, stdout, stderr io.Writer) int {
	return dispatch("users", usersUsage, map[string]func([]string, io.Writer, io.Writer) int{
		"create": usersCreate,
	}, args, stdout, stderr)
}

func dispatch(name, usage string, cmds map[string]func([]string, io.Writer, io.Writer) int, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "bulwark %s: unknown command %q\n\n%s", name, args[0], usage)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

// withOAuthStore runs fn on the store of the config at path, which must
// configure the authorization server.
func withOAuthStore(cmd, path string, stderr io.Writer, fn func(ctx context.Context, st *store.Store, plan *config.Plan) error) int {
	ctx := context.Background()
	plan, st, ok := openConfiguredStore(ctx, cmd, path, stderr, func(plan *config.Plan) error {
		if plan.OAuth == nil {
			return fmt.Errorf("%s: the oauth section is not configured", path)
		}
		return nil
	})
	if !ok {
		return 1
	}
	defer st.Close()
	if err := fn(ctx, st, plan); err != nil {
		fmt.Fprintf(stderr, "bulwark %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// newOAuthFlags is a subcommand's flag set with the shared -c flag.
func newOAuthFlags(name string, stderr io.Writer) keysFlags {
	f := newKeysFlags(name, stderr)
	f.Init(name, flag.ContinueOnError)
	return f
}

func clientsCreate(args []string, stdout, stderr io.Writer) int {
	f := newOAuthFlags("clients create", stderr)
	var spec oauthserver.ClientSpec
	f.StringVar(&spec.ID, "id", "", "client id (default: generated)")
	f.StringVar(&spec.Name, "name", "", "the app's name, shown on the consent screen (required)")
	f.StringVar(&spec.Site, "site", "", "the app's web site, shown on the consent screen")
	f.BoolVar(&spec.Public, "public", false, "a public client (native or browser app): no secret, PKCE only")
	f.BoolVar(&spec.FirstParty, "first-party", false, "your own app: users are not asked to consent")
	f.Func("redirect-uri", "an exact redirect URI (repeatable)", func(s string) error {
		spec.RedirectURIs = append(spec.RedirectURIs, s)
		return nil
	})
	f.Func("scopes", "comma-separated scopes the client may ask for", listFlag(&spec.Scopes))
	f.Func("grants", "comma-separated grant types (default authorization_code,refresh_token)", listFlag(&spec.Grants))
	if _, ok := f.parse(args, 0); !ok {
		return 2
	}
	if len(spec.Grants) == 0 {
		spec.Grants = []string{"authorization_code", "refresh_token"}
	}
	return withOAuthStore("clients", *f.config, stderr, func(ctx context.Context, st *store.Store, plan *config.Plan) error {
		for _, sc := range spec.Scopes {
			if !slices.ContainsFunc(plan.OAuth.Options.Scopes, func(o oauthserver.Scope) bool { return o.Name == sc }) {
				return fmt.Errorf("scope %q is not listed in oauth.scopes of %s", sc, plan.Source)
			}
		}
		c, secret, err := oauthserver.CreateClient(ctx, st, spec)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "client_id:     %s\n", c.ID)
		if secret != "" {
			fmt.Fprintf(stdout, "client_secret: %s\n(shown once: store it now; only its hash is kept)\n", secret)
		} else {
			fmt.Fprintln(stdout, "public client: no secret; it must use PKCE (S256)")
		}
		return nil
	})
}

func clientsList(args []string, stdout, stderr io.Writer) int {
	f := newOAuthFlags("clients list", stderr)
	asJSON := f.Bool("json", false, "print JSON")
	if _, ok := f.parse(args, 0); !ok {
		return 2
	}
	return withOAuthStore("clients", *f.config, stderr, func(ctx context.Context, st *store.Store, plan *config.Plan) error {
		cs, err := st.OAuthClients(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if cs == nil {
				cs = []*store.OAuthClient{}
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(cs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tTYPE\tGRANTS\tSCOPES\tSTATE")
		for _, c := range cs {
			typ, state := "confidential", "active"
			if c.Public {
				typ = "public"
			}
			if !c.RevokedAt.IsZero() {
				state = "revoked " + c.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, typ, strings.Join(c.Grants, ","), strings.Join(c.Scopes, ","), state)
		}
		return tw.Flush()
	})
}

func clientsRevoke(args []string, stdout, stderr io.Writer) int {
	f := newOAuthFlags("clients revoke", stderr)
	pos, ok := f.parse(args, 1)
	if !ok {
		return 2
	}
	return withOAuthStore("clients", *f.config, stderr, func(ctx context.Context, st *store.Store, plan *config.Plan) error {
		if err := st.RevokeOAuthClient(ctx, pos[0], time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked client %s and every token issued to it\n", pos[0])
		return nil
	})
}

// passwordInput is where `users create` reads the password (tests replace it).
var passwordInput io.Reader = os.Stdin

func usersCreate(args []string, stdout, stderr io.Writer) int {
	f := newOAuthFlags("users create", stderr)
	pos, ok := f.parse(args, 1)
	if !ok {
		return 2
	}
	// The password never goes on the command line (shell history, ps).
	line, err := bufio.NewReader(passwordInput).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(stderr, "bulwark users: write the password to standard input")
		return 2
	}
	password := strings.TrimRight(line, "\r\n")
	return withOAuthStore("users", *f.config, stderr, func(ctx context.Context, st *store.Store, plan *config.Plan) error {
		u, err := oauthserver.CreateUser(ctx, st, pos[0], password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %s (%s)\n", u.Username, u.ID)
		return nil
	})
}
