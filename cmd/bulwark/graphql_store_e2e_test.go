package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Learned operations go to the store; the admin API promotes them to
// registered, registers and deletes operations, and the running guard
// follows at once; `bulwark graphql` reads and writes the same rows.
func TestGraphQLStoredOperations(t *testing.T) {
	up := &gqlRecorder{}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	dir := t.TempDir()
	writeTestSchema(t, dir)
	cfg := func(mode string) string {
		return writeConfig(t, dir, `server: {listen: 127.0.0.1:0}
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:gql.db
audit: {stdout: false, store: false}
apis:
  - name: shop
    upstream: `+upSrv.URL+`
    auth: [none]
    routes:
      - match: POST /graphql
        graphql:
          schema_file: shop.graphql
          persisted: {mode: `+mode+`, store: true}
`)
	}
	const route = "POST /graphql"
	known, other := "query Me { me { id name } }", "{ me { name } }"
	sum := sha256.Sum256([]byte(known))
	knownHash := hex.EncodeToString(sum[:])
	send := func(p *proc, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return do(t, req)
	}
	query := func(q string) string { b, _ := json.Marshal(map[string]string{"query": q}); return string(b) }
	admin := func(p *proc, method, path string, body any) (*http.Response, []byte) {
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, p.admin(path), rd)
		req.Header.Set("Authorization", "Bearer "+testToken)
		return do(t, req)
	}
	list := "/admin/api/graphql/operations?api=shop&route=" + url.QueryEscape(route)

	p := startBulwark(t, "serve", "-c", cfg("learn"))
	if resp, body := send(p, query(known)); resp.StatusCode != 200 {
		t.Fatalf("learning mode: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "the learned operation in the store", func() bool {
		_, body := admin(p, "GET", list+"&status=learned", nil)
		return strings.Contains(string(body), knownHash) && strings.Contains(string(body), "query Me")
	})
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	p = startBulwark(t, "serve", "-c", cfg("allow"))
	resp, body := send(p, query(known))
	mustGraphQLError(t, resp, body, 403, "graphql_operation_not_registered") // learned is not registered
	if resp, body := admin(p, "POST", "/admin/api/graphql/operations/promote", map[string]string{"api": "shop", "route": route}); resp.StatusCode != 200 || !strings.Contains(string(body), `"promoted": 1`) {
		t.Fatalf("promote: %d %s", resp.StatusCode, body)
	}
	if resp, body := send(p, query(known)); resp.StatusCode != 200 {
		t.Fatalf("promoted operation: %d %s", resp.StatusCode, body)
	}
	byHash := `{"operationName":"Me","extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + knownHash + `"}}}`
	if resp, body := send(p, byHash); resp.StatusCode != 200 {
		t.Fatalf("promoted operation by hash: %d %s", resp.StatusCode, body)
	}
	resp, body = send(p, query(other))
	mustGraphQLError(t, resp, body, 403, "graphql_operation_not_registered")
	resp, body = admin(p, "POST", "/admin/api/graphql/operations", map[string]string{"api": "shop", "route": route, "query": other})
	var reg struct{ Hash, Status string }
	if resp.StatusCode != 201 || json.Unmarshal(body, &reg) != nil || reg.Status != "registered" {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	if resp, body := send(p, query(other)); resp.StatusCode != 200 {
		t.Fatalf("registered operation: %d %s", resp.StatusCode, body)
	}
	if resp, body := admin(p, "DELETE", list+"&hash="+reg.Hash, nil); resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	resp, body = send(p, query(other))
	mustGraphQLError(t, resp, body, 403, "graphql_operation_not_registered")
	// Bad requests: an unknown route, a hash that is not the query's.
	if resp, _ := admin(p, "POST", "/admin/api/graphql/operations", map[string]string{"api": "shop", "route": "GET /nope", "query": other}); resp.StatusCode != 404 {
		t.Fatalf("unknown route: %d", resp.StatusCode)
	}
	if resp, _ := admin(p, "POST", "/admin/api/graphql/operations", map[string]string{"api": "shop", "route": route, "query": other, "hash": knownHash}); resp.StatusCode != 400 {
		t.Fatalf("mismatched hash: %d", resp.StatusCode)
	}

	// The CLI lists the same rows and registers from a file.
	cli := func(args ...string) (int, string) {
		cmd := exec.Command(binPath, append([]string{"graphql"}, args...)...)
		cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String() + errOut.String()
	}
	c := filepath.Join(dir, "bulwark.yaml")
	if code, out := cli("operations", "-c", c, "--api", "shop", "--route", route); code != 0 || !strings.Contains(out, knownHash) || !strings.Contains(out, "registered") {
		t.Fatalf("operations: %d %s", code, out)
	}
	opFile := filepath.Join(dir, "op.graphql")
	if err := os.WriteFile(opFile, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := cli("register", "-c", c, "--api", "shop", "--route", route, "--file", opFile); code != 0 || !strings.Contains(out, reg.Hash) {
		t.Fatalf("register: %d %s", code, out)
	}
	if code, out := cli("register", "-c", c, "--api", "shop", "--route", "GET /nope", "--file", opFile); code != 1 || !strings.Contains(out, "no route") {
		t.Fatalf("register on an unknown route: %d %s", code, out)
	}
}
