package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/demo"
)

func TestCheckReportsEveryErrorWithLocation(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `server:
  listen: ":8080"
  read_header_timeout: soon
admin:
  token: literally-a-secret-value
apis:
  - name: shop
    upstream: http://127.0.0.1:9001
    auth: [none]
    routes:
      - match: GET /users/{id}
      - match: GET /users/{name}
      - match: GET /a/{x
        colour: red
`)
	out, err := exec.Command(binPath, "check", "-c", cfg).CombinedOutput()
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	text := string(out)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`bulwark\.yaml:3:\d+: server\.read_header_timeout: error: `),
		regexp.MustCompile(`bulwark\.yaml:5:\d+: admin\.token: warning: `),
		regexp.MustCompile(`bulwark\.yaml:12:\d+: apis\[0\]\.routes\[1\].*error: .*conflict`),
		regexp.MustCompile(`bulwark\.yaml:13:\d+: apis\[0\]\.routes\[2\]\.match: error: `),
		regexp.MustCompile(`bulwark\.yaml:14:\d+: apis\[0\]\.routes\[2\]\.colour: error: `),
	} {
		if !want.MatchString(text) {
			t.Errorf("output lacks %s:\n%s", want, text)
		}
	}

	// Every shipped example is valid.
	all, _ := filepath.Glob("../../examples/*.yaml")
	var examples []string
	for _, f := range all {
		if !strings.HasSuffix(f, ".openapi.yaml") { // OpenAPI documents, not configs
			examples = append(examples, f)
		}
	}
	if len(examples) == 0 {
		t.Fatal("no examples found")
	}
	cmd := exec.Command(binPath, append([]string{"check"}, examples...)...)
	cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("examples: %v\n%s", err, out)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func TestDemoRunsShopBehindGateway(t *testing.T) {
	cmd := exec.Command(binPath, "demo", "-listen", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-upstream", "127.0.0.1:0", "-app", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urls := map[string]string{}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(60 * time.Second)
	for len(urls) < 3 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("demo exited early")
			}
			for _, k := range []string{"gateway", "admin", "demo shop"} {
				if v, ok := strings.CutPrefix(strings.TrimSpace(l), k+":"); ok {
					urls[k] = strings.Fields(v)[0]
				}
			}
		case <-timeout:
			t.Fatal("demo did not print its addresses")
		}
	}
	go func() {
		for range lines {
		}
	}()
	gw, shop := urls["gateway"], urls["demo shop"]

	// Through the gateway the shop works…
	resp, body := get(t, gw+"/products")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "[") {
		t.Fatalf("products through the gateway: %d %s", resp.StatusCode, body)
	}
	// …and a traversal attempt is refused before it reaches the shop.
	req, _ := http.NewRequest("GET", gw+"/", nil)
	req.URL.Opaque = "/users/1/..%2f..%2fadmin/users"
	resp, body = do(t, req)
	mustProblem(t, resp, body, 400, "path_invalid")
	// Undeclared methods are refused.
	req, _ = http.NewRequest("PUT", gw+"/login", nil)
	resp, body = do(t, req)
	mustProblem(t, resp, body, 405, "method_not_allowed")
	// Through the gateway, bob's record needs a session token (the tour test,
	// TestDemoTourRunsAsPrinted, shows it cut to the contract for its owner),
	// and a crash is a clean problem.
	resp, body = get(t, gw+"/users/2")
	if resp.StatusCode != 401 || strings.Contains(string(body), "password_hash") || regexp.MustCompile(`\d{12}`).Match(body) {
		t.Fatalf("/users/2 through the gateway without a token: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, gw+"/debug/crash")
	if resp.StatusCode != 500 || strings.Contains(string(body), "goroutine") {
		t.Fatalf("/debug/crash through the gateway: %d %s", resp.StatusCode, body)
	}
	// Reached directly, the shop leaks what the guards stop.
	_, body = get(t, shop+"/users/2")
	if !strings.Contains(string(body), "password_hash") {
		t.Fatalf("the demo shop is supposed to leak password_hash directly: %s", body)
	}
	// The tour's deep GraphQL query: refused by the gateway, answered by the shop.
	for base, status := range map[string]int{gw: 400, shop: 200} {
		req, _ = http.NewRequest("POST", base+"/graphql", strings.NewReader(demo.TourGraphQLDeep))
		req.Header.Set("Content-Type", "application/graphql")
		if resp, body = do(t, req); resp.StatusCode != status {
			t.Fatalf("deep GraphQL query at %s: %d %s", base, resp.StatusCode, body)
		}
	}
	resp, _ = get(t, urls["admin"]+"/healthz")
	if resp.StatusCode != 200 {
		t.Fatalf("admin healthz: %d", resp.StatusCode)
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bulwark-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestServeTLSWithHTTP2(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	cfg := strings.Replace(baseConfig(up.URL, ""), "  shutdown_grace: 10s\n",
		"  shutdown_grace: 10s\n  tls:\n    cert_file: "+cert+"\n    key_file: "+key+"\n", 1)
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg))
	client := &http.Client{Transport: &http.Transport{ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the test's own self-signed cert
	resp, err := client.Get("https://" + p.addrs["proxy"] + "/users/9")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var echo map[string]string
	_ = json.Unmarshal(body, &echo)
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 || echo["path"] != "/users/9" {
		t.Fatalf("got %s %d %s", resp.Proto, resp.StatusCode, body)
	}
}
