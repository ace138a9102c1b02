package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-gw/bulwark/examples"
	"github.com/bulwark-gw/bulwark/internal/demo"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/server"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/spf13/cobra"
)

// demo runs the bundled shop API on loopback and Bulwark in front of it, using
// examples/demo.yaml with the addresses from the flags.
func newDemoCmd() *cobra.Command {
	c := &cobra.Command{Use: "demo", Short: "run the demo shop behind Bulwark and print what to try", Args: exactArgs(0)}
	f := c.Flags()
	listen := f.String("listen", "127.0.0.1:8080", "gateway address")
	adminAddr := f.String("admin", "127.0.0.1:9090", "admin API address (loopback)")
	upstreamAddr := f.String("upstream", "127.0.0.1:9001", "demo shop address (loopback only)")
	appAddr := f.String("app", "127.0.0.1:9002", "the third-party app's address (loopback only)")
	dir := f.String("dir", "", "folder for the demo's config and SQLite store (default: a temporary folder, removed at exit)")
	shopOnly := f.Bool("shop-only", false, "run only the demo shop on --upstream (the upstream of the compose setup)")
	expose := f.Bool("expose-shop", false, "with --shop-only: allow a non-loopback --upstream (a container network that nothing outside reaches)")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		return runDemo(demoAddrs{*listen, *adminAddr, *upstreamAddr, *appAddr}, *dir, *shopOnly, *expose, c.OutOrStdout(), c.ErrOrStderr())
	})
	return c
}

// demoAddrs are the demo's listen addresses.
type demoAddrs struct{ listen, admin, upstream, app string }

func runDemo(addrs demoAddrs, dir string, shopOnly, expose bool, stdout, stderr io.Writer) int {
	if expose && !shopOnly {
		fmt.Fprintln(stderr, "bulwark demo: --expose-shop needs --shop-only")
		return 2
	}
	if shopOnly {
		if err := shopRun(addrs.upstream, expose, stdout); err != nil {
			fmt.Fprintln(stderr, "bulwark demo:", err)
			return 1
		}
		return 0
	}
	if err := demoRun(addrs, dir, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "bulwark demo:", err)
		return 1
	}
	return 0
}

// checkShopAddr refuses a non-loopback address for the shop unless the caller
// explicitly exposes it: the shop is vulnerable on purpose.
func checkShopAddr(addr string, expose bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-upstream: %w", err)
	}
	if ip := net.ParseIP(host); !expose && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("-upstream must be a loopback address: the demo shop is deliberately vulnerable")
	}
	return nil
}

// shopRun serves the demo shop alone until SIGINT/SIGTERM.
func shopRun(addr string, expose bool, stdout io.Writer) error {
	if err := checkShopAddr(addr, expose); err != nil {
		return err
	}
	shop, err := demo.New()
	if err != nil {
		return err
	}
	defer shop.Close()
	if token := os.Getenv("BULWARK_ADMIN_TOKEN"); token != "" { // as in demoRun
		shop.SetIntrospectionSecret(token + demo.IntrospectSecretSuffix)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demo shop listener: %w", err)
	}
	srv := &http.Server{Handler: shop.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	fmt.Fprintf(stdout, "demo shop (deliberately vulnerable) on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func demoRun(addrs demoAddrs, dir string, stdout, stderr io.Writer) error {
	if err := checkShopAddr(addrs.upstream, false); err != nil {
		return err
	}
	if err := checkShopAddr(addrs.app, false); err != nil {
		return fmt.Errorf("-app: %w", err)
	}
	// The authorization server's issuer is the gateway's address, so it must
	// be known before the config is written: a port 0 is chosen now.
	listen, err := fixPort(addrs.listen)
	if err != nil {
		return err
	}
	if os.Getenv("BULWARK_ADMIN_TOKEN") == "" {
		token, err := randomToken()
		if err != nil {
			return err
		}
		os.Setenv("BULWARK_ADMIN_TOKEN", token)
	}
	shop, err := demo.New()
	if err != nil {
		return err
	}
	defer shop.Close()
	// The gateway asks the shop whose session token a request carries, with
	// the secret the demo config builds from the admin token.
	shop.SetIntrospectionSecret(os.Getenv("BULWARK_ADMIN_TOKEN") + demo.IntrospectSecretSuffix)
	ln, err := net.Listen("tcp", addrs.upstream)
	if err != nil {
		return fmt.Errorf("demo shop listener: %w", err)
	}
	shopSrv := &http.Server{Handler: shop.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = shopSrv.Serve(ln) }()
	defer shopSrv.Close()
	upstreamURL := "http://" + ln.Addr().String()

	if dir == "" {
		tmp, err := os.MkdirTemp("", "bulwark-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cfgPath, err := writeDemoConfig(dir, listen, addrs.admin, upstreamURL)
	if err != nil {
		return err
	}
	// The third-party app, registered with the authorization server.
	appLn, err := net.Listen("tcp", addrs.app)
	if err != nil {
		return fmt.Errorf("demo app listener: %w", err)
	}
	appURL := "http://" + appLn.Addr().String()
	secret, err := seedDemoOAuth(cfgPath, appURL)
	if err != nil {
		appLn.Close()
		return err
	}
	appSrv := &http.Server{Handler: demo.NewTracker("http://"+listen, appURL, secret).Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = appSrv.Serve(appLn) }()
	defer appSrv.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ready := func(a server.Addrs) {
		fmt.Fprintf(stdout, "Bulwark demo running.\n  gateway:   http://%s\n  admin:     http://%s\n  demo shop: %s (direct, unprotected)\n  app:       %s (Order Tracker, a third-party app)\n  config:    %s\n\n", a.Proxy, a.Admin, upstreamURL, appURL, cfgPath)
		fmt.Fprintf(stdout, "Admin token (export it to try the admin API):\n  export BULWARK_ADMIN_TOKEN=%s\n\n", os.Getenv("BULWARK_ADMIN_TOKEN"))
		fmt.Fprint(stdout, demo.Tour("http://"+a.Proxy, upstreamURL, "http://"+a.Admin, appURL))
		fmt.Fprintln(stdout, "\nAudit events follow as JSON lines. Ctrl-C stops the demo.")
	}
	logger, _, err := newLogger(stderr, "warn")
	if err != nil {
		return err
	}
	err = server.Run(ctx, cfgPath, server.Options{Logger: logger, Stdout: stdout, Ready: ready})
	if errors.Is(err, server.ErrConfig) {
		return fmt.Errorf("the demo config %s is invalid (see the diagnostics above)", cfgPath)
	}
	return err
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// writeDemoConfig writes examples/demo.yaml into dir with the listener and
// upstream addresses replaced, editing the YAML tree rather than the text.
func writeDemoConfig(dir, listen, adminAddr, upstreamURL string) (string, error) {
	src, err := examples.FS.ReadFile("demo.yaml")
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return "", fmt.Errorf("embedded demo config: %w", err)
	}
	root := doc.Content[0]
	edits := []struct {
		path  []string
		value string
	}{
		{[]string{"server", "listen"}, listen},
		{[]string{"admin", "listen"}, adminAddr},
	}
	for _, e := range edits {
		n := lookup(root, e.path...)
		if n == nil {
			return "", fmt.Errorf("embedded demo config lacks %v", e.path)
		}
		n.Value = e.value
	}
	apis := lookup(root, "apis")
	if apis == nil || len(apis.Content) == 0 {
		return "", errors.New("embedded demo config lacks apis")
	}
	targets := lookup(apis.Content[0], "upstream", "targets")
	if targets == nil || len(targets.Content) != 1 {
		return "", errors.New("embedded demo config lacks apis[0].upstream.targets")
	}
	targets.Content[0].Value = upstreamURL
	// The gateway asks the shop whose session token a request carries.
	servers := lookup(root, "identity", "introspection")
	if servers == nil || len(servers.Content) != 1 {
		return "", errors.New("embedded demo config lacks identity.introspection")
	}
	introspectURL := lookup(servers.Content[0], "url")
	if introspectURL == nil {
		return "", errors.New("embedded demo config lacks identity.introspection[0].url")
	}
	introspectURL.Value = upstreamURL + "/oauth/introspect"
	// The authorization server names the gateway as its issuer.
	issuer := lookup(root, "oauth", "issuer")
	if issuer == nil {
		return "", errors.New("embedded demo config lacks oauth.issuer")
	}
	issuer.Value = "http://" + listen
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return "", err
	}
	// The contract and the GraphQL schema the demo config attaches sit beside it.
	for _, name := range []string{"shop.openapi.yaml", "shop.graphql"} {
		doc, err := examples.FS.ReadFile(name)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, name), doc, 0o600); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, "bulwark-demo.yaml")
	return path, os.WriteFile(path, out, 0o600)
}

// fixPort returns addr with a free port in place of port 0.
func fixPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("-listen: %w", err)
	}
	if port != "0" {
		return addr, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("gateway listener: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// seedDemoOAuth creates the demo's end users of the authorization server,
// alice and bob with the shop's ids and passwords (so a token's sub names
// the shop's user), and registers the Order Tracker; it returns the
// tracker's client secret. Run again on the same store (--dir), it resets
// the secret and the redirect URI.
func seedDemoOAuth(cfgPath, appURL string) (string, error) {
	ctx := context.Background()
	var out bytes.Buffer
	plan, st, ok := openConfiguredStore(ctx, "demo", cfgPath, &out, nil)
	if !ok {
		return "", errors.New(strings.TrimSpace(out.String()))
	}
	defer st.Close()
	for _, u := range demo.Users() {
		hash, err := oauthserver.HashPassword(u.Password)
		if err != nil {
			return "", err
		}
		err = st.CreateOAuthUser(ctx, &store.OAuthUser{ID: strconv.FormatInt(u.ID, 10), Username: u.Username, PasswordHash: hash})
		if err != nil && !errors.Is(err, store.ErrOAuthConflict) {
			return "", err
		}
	}
	spec := oauthserver.ClientSpec{ID: demo.TrackerClientID, Name: demo.TrackerName, Site: appURL,
		RedirectURIs: []string{appURL + "/callback"}, Scopes: []string{demo.TrackerScope},
		Grants: []string{"authorization_code", "refresh_token"}}
	if plan.OAuth == nil {
		return "", errors.New("the demo config lacks the oauth section")
	}
	_, secret, err := oauthserver.CreateClient(ctx, st, spec)
	if errors.Is(err, store.ErrOAuthConflict) {
		if _, err = oauthserver.UpdateClient(ctx, st, spec.ID, spec); err == nil {
			secret, err = oauthserver.ResetClientSecret(ctx, st, spec.ID)
		}
	}
	if err != nil {
		return "", fmt.Errorf("registering the demo app: %w", err)
	}
	return secret, nil
}

// lookup follows mapping keys from n.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}
