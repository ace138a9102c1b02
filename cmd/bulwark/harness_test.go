package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// binPath is the bulwark binary built once for the end-to-end tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulwark-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "bulwark")
	args := []string{"build", "-o", binPath, "."}
	if raceBuild {
		args = []string{"build", "-race", "-o", binPath, "."}
		// A race-detector binary sleeps 1 s before it exits, so that reports
		// from other goroutines get out; the suite runs the binary a few hundred
		// times (every CLI check is a process). 100 ms leaves time to print.
		os.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=100 "+os.Getenv("GORACE")))
	}
	build := exec.Command("go", args...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build bulwark:", err)
		os.Exit(1)
	}
	code := m.Run()
	for _, p := range detached {
		_ = p.cmd.Process.Kill()
		<-p.done
		if racy(p) { // no test is left to fail: the run does
			fmt.Fprintf(os.Stderr, "the race detector reported a data race in a shared bulwark process:\n%s", p.stderr.String())
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

const testToken = "e2e-admin-token-0123456789abcdef"

// proc is a running bulwark process.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdout *logtest.Buffer
	stderr *logtest.Buffer
	addrs  map[string]string
	done   chan error
}

// writeConfig writes a config file into dir and returns its path.
func writeConfig(t testing.TB, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "bulwark.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// detached are processes shared by several tests (startDetached); TestMain ends them.
var detached []*proc

// startDetached is startBulwark for a process that outlives the test that
// started it: it is ended when the test binary finishes.
func startDetached(t testing.TB, args ...string) *proc {
	t.Helper()
	p := launch(t, args, false)
	detached = append(detached, p)
	return p
}

// startBulwark runs `bulwark <args>` and waits for the "bulwark started" log line.
// The process ends with the test.
func startBulwark(t testing.TB, args ...string) *proc {
	t.Helper()
	return launch(t, args, true)
}

func launch(t testing.TB, args []string, owned bool) *proc {
	t.Helper()
	p := &proc{t: t, stdout: &logtest.Buffer{}, stderr: &logtest.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binPath, args...)
	p.cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	p.cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = io.MultiWriter(p.stderr, pw)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait(); pw.Close() }()
	started := make(chan map[string]string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			var line map[string]any
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "bulwark started" {
				a := map[string]string{}
				for _, k := range []string{"proxy", "admin", "metrics"} {
					a[k], _ = line[k].(string)
				}
				started <- a
				sent = true
			}
		}
		if !sent {
			close(started)
		}
	}()
	t.Cleanup(func() {
		if !owned {
			return
		}
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		// Keep-alive connections to this process are dead now; a later test's
		// process may be given the same port, and the shared client must not
		// send its first request down one of them (connection reset).
		http.DefaultClient.CloseIdleConnections()
		// Under -race the gateway is a race-detector binary: a data race in it
		// is a failure of the test that drove it there, not only a line in a
		// log nobody reads (the process is killed, so its exit status 66 is lost).
		if racy(p) {
			t.Errorf("the race detector reported a data race in bulwark:\n%s", p.stderr.String())
			return
		}
		if t.Failed() {
			t.Logf("bulwark stderr:\n%s", p.stderr.String())
		}
	})
	select {
	case a, ok := <-started:
		if !ok {
			t.Fatalf("bulwark exited before starting:\n%s", p.stderr.String())
		}
		p.addrs = a
	case <-time.After(60 * time.Second):
		t.Fatalf("bulwark did not start:\n%s", p.stderr.String())
	}
	return p
}

// racy reports whether the race detector wrote a report to p's stderr
// (only a race-built binary does: see raceBuild).
func racy(p *proc) bool { return strings.Contains(p.stderr.String(), "WARNING: DATA RACE") }

func (p *proc) url(path string) string   { return "http://" + p.addrs["proxy"] + path }
func (p *proc) admin(path string) string { return "http://" + p.addrs["admin"] + path }

// stop sends sig and waits for the exit.
func (p *proc) stop(sig syscall.Signal) error {
	p.t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		return err
	case <-time.After(60 * time.Second):
		p.t.Fatal("bulwark did not exit")
		return nil
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

type problem struct {
	Type      string `json:"type"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return do(t, req)
}

// mustProblem decodes a problem JSON answer and checks its status and code.
func mustProblem(t *testing.T, resp *http.Response, body []byte, status int, code string) problem {
	t.Helper()
	var p problem
	if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want %d problem, got %d %s: %s", status, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem JSON: %v: %s", err, body)
	}
	if p.Code != code || p.Status != status || p.RequestID == "" || p.RequestID != resp.Header.Get("X-Request-Id") {
		t.Fatalf("want code %s, got %+v (X-Request-Id %q)", code, p, resp.Header.Get("X-Request-Id"))
	}
	return p
}

// execCommand is exec.Command with the test admin token in the environment.
func execCommand(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	return cmd
}

// randomSuffix returns a short random lower-case hex string.
func randomSuffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
