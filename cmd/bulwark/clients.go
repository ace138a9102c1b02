package main

import (
	"bufio"
	"context"
	"encoding/json"
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
	"github.com/spf13/cobra"
)

func newClientsCmd() *cobra.Command {
	return group("clients", "manage OAuth clients: create, list, revoke",
		`Manage OAuth clients of the authorization server. A confidential client's secret
is printed once; only its hash is stored. The store comes from the config file,
which must have an oauth section.`,
		newClientsCreateCmd(), newClientsListCmd(), newClientsRevokeCmd())
}

func newUsersCmd() *cobra.Command {
	return group("users", "manage end-user accounts of the authorization server: create, totp",
		"Manage end-user accounts. End users sign in on the authorization server's login page (oauth section).",
		newUsersCreateCmd(), newUsersTOTPCmd())
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

func newClientsCreateCmd() *cobra.Command {
	c := &cobra.Command{Use: "create --name NAME", Short: "register an OAuth client (a confidential client's secret is shown once)", Args: exactArgs(0)}
	cfg := configFlag(c)
	f := c.Flags()
	var spec oauthserver.ClientSpec
	f.StringVar(&spec.ID, "id", "", "client id (default: generated)")
	f.StringVar(&spec.Name, "name", "", "the app's name, shown on the consent screen (required)")
	f.StringVar(&spec.Site, "site", "", "the app's web site, shown on the consent screen")
	f.BoolVar(&spec.Public, "public", false, "a public client (native or browser app): no secret, PKCE only")
	f.BoolVar(&spec.FirstParty, "first-party", false, "your own app: users are not asked to consent")
	f.StringArrayVar(&spec.RedirectURIs, "redirect-uri", nil, "an exact redirect URI (repeatable)")
	funcFlag(f, "scopes", "a,b", "comma-separated scopes the client may ask for", listFlag(&spec.Scopes))
	funcFlag(f, "grants", "a,b", "comma-separated grant types (default authorization_code,refresh_token)", listFlag(&spec.Grants))
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		if len(spec.Grants) == 0 {
			spec.Grants = []string{"authorization_code", "refresh_token"}
		}
		stdout := c.OutOrStdout()
		return withOAuthStore("clients", *cfg, c.ErrOrStderr(), func(ctx context.Context, st *store.Store, plan *config.Plan) error {
			for _, sc := range spec.Scopes {
				if !slices.ContainsFunc(plan.OAuth.Options.Scopes, func(o oauthserver.Scope) bool { return o.Name == sc }) {
					return fmt.Errorf("scope %q is not listed in oauth.scopes of %s", sc, plan.Source)
				}
			}
			cl, secret, err := oauthserver.CreateClient(ctx, st, spec)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "client_id:     %s\n", cl.ID)
			if secret != "" {
				fmt.Fprintf(stdout, "client_secret: %s\n(shown once: store it now; only its hash is kept)\n", secret)
			} else {
				fmt.Fprintln(stdout, "public client: no secret; it must use PKCE (S256)")
			}
			return nil
		})
	})
	return c
}

func newClientsListCmd() *cobra.Command {
	c := &cobra.Command{Use: "list", Short: "list OAuth clients", Args: exactArgs(0)}
	cfg := configFlag(c)
	asJSON := c.Flags().Bool("json", false, "print JSON")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		stdout := c.OutOrStdout()
		return withOAuthStore("clients", *cfg, c.ErrOrStderr(), func(ctx context.Context, st *store.Store, plan *config.Plan) error {
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
			for _, cl := range cs {
				typ, state := "confidential", "active"
				if cl.Public {
					typ = "public"
				}
				if !cl.RevokedAt.IsZero() {
					state = "revoked " + cl.RevokedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cl.ID, cl.Name, typ, strings.Join(cl.Grants, ","), strings.Join(cl.Scopes, ","), state)
			}
			return tw.Flush()
		})
	})
	return c
}

func newClientsRevokeCmd() *cobra.Command {
	c := &cobra.Command{Use: "revoke ID", Short: "revoke an OAuth client and every token issued to it", Args: exactArgs(1)}
	cfg := configFlag(c)
	c.RunE = action(func(c *cobra.Command, args []string) int {
		return withOAuthStore("clients", *cfg, c.ErrOrStderr(), func(ctx context.Context, st *store.Store, plan *config.Plan) error {
			if err := st.RevokeOAuthClient(ctx, args[0], time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "revoked client %s and every token issued to it\n", args[0])
			return nil
		})
	})
	return c
}

// passwordInput is where `users create` reads the password (tests replace it).
var passwordInput io.Reader = os.Stdin

func newUsersCreateCmd() *cobra.Command {
	c := &cobra.Command{Use: "create USERNAME", Short: "create an end user; the password is read from standard input", Args: exactArgs(1)}
	cfg := configFlag(c)
	c.RunE = action(func(c *cobra.Command, args []string) int {
		stderr := c.ErrOrStderr()
		// The password never goes on the command line (shell history, ps).
		line, err := bufio.NewReader(passwordInput).ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(stderr, "bulwark users: write the password to standard input")
			return 2
		}
		password := strings.TrimRight(line, "\r\n")
		return withOAuthStore("users", *cfg, stderr, func(ctx context.Context, st *store.Store, plan *config.Plan) error {
			u, err := oauthserver.CreateUser(ctx, st, args[0], password)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "created user %s (%s)\n", u.Username, u.ID)
			return nil
		})
	})
	return c
}

func newUsersTOTPCmd() *cobra.Command {
	c := &cobra.Command{Use: "totp USERNAME", Short: "turn on two-step sign-in (TOTP) for an end user; prints the secret once", Args: exactArgs(1)}
	cfg := configFlag(c)
	off := c.Flags().Bool("off", false, "turn two-step sign-in off instead")
	c.RunE = action(func(c *cobra.Command, args []string) int {
		stdout := c.OutOrStdout()
		return withOAuthStore("users", *cfg, c.ErrOrStderr(), func(ctx context.Context, st *store.Store, plan *config.Plan) error {
			if *off {
				if err := oauthserver.RemoveTOTP(ctx, st, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "two-step sign-in is off for %s\n", args[0])
				return nil
			}
			link, secret, err := oauthserver.EnrollTOTP(ctx, st, plan.OAuth.Options, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "otpauth URL: %s\nsecret:      %s\n(shown once: give it to the user for an authenticator app; from now on the login page wants the one-time code too)\n", link, secret)
			return nil
		})
	})
	return c
}
