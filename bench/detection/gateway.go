package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// startUpstream runs the echo upstream on a loopback port: every request is
// read (bounded) and answered 200 with a marker header, so any other answer
// is the gateway's.
func startUpstream() (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 16<<20))
			w.Header().Set(upstreamHeader, "1")
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// gateway is a running `bulwark serve` process.
type gateway struct {
	cmd  *exec.Cmd
	addr string // proxy listen address
	done chan error
	log  *os.File
}

// startGateway runs `bin serve -c config` with env added and waits (up to a
// minute) for its "bulwark started" log line, which names the proxy address.
// Its stderr is copied to logPath.
func startGateway(bin, config, logPath string, env []string) (*gateway, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "-c", config)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = lf
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(lf, pw)
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	g := &gateway{cmd: cmd, done: make(chan error, 1), log: lf}
	go func() { g.done <- cmd.Wait(); _ = pw.Close() }()
	started := make(chan string, 1)
	go func() {
		sent := false
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if !sent {
				if a, ok := startedAddr(sc.Bytes()); ok {
					started <- a
					sent = true
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
		if !sent {
			close(started)
		}
	}()
	select {
	case a, ok := <-started:
		if !ok {
			g.stop()
			return nil, fmt.Errorf("bulwark exited before it started (see %s)", logPath)
		}
		g.addr = a
		return g, nil
	case <-time.After(time.Minute):
		g.stop()
		return nil, fmt.Errorf("bulwark did not start within a minute (see %s)", logPath)
	}
}

// startedAddr reads the proxy address from the gateway's start-up log line.
func startedAddr(line []byte) (string, bool) {
	var l struct {
		Msg   string `json:"msg"`
		Proxy string `json:"proxy"`
	}
	if json.Unmarshal(line, &l) != nil || l.Msg != "bulwark started" || l.Proxy == "" {
		return "", false
	}
	return l.Proxy, true
}

// stop sends SIGTERM, waits up to 15 s for the drain, then kills.
func (g *gateway) stop() {
	defer g.log.Close()
	if g.alive() != nil {
		return
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-g.done:
		g.done <- err
	case <-time.After(15 * time.Second):
		_ = g.cmd.Process.Kill()
		g.done <- <-g.done
	}
}

// alive reports whether the process is still running.
func (g *gateway) alive() error {
	select {
	case err := <-g.done:
		g.done <- err
		if err == nil {
			err = errors.New("exited")
		}
		return err
	default:
		return nil
	}
}
