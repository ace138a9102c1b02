package main

import (
	"bufio"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The compose file runs the shop alone and checks health with `bulwark probe`.
func TestShopOnlyAndProbe(t *testing.T) {
	shop := exec.Command(binPath, "demo", "-shop-only", "-upstream", "127.0.0.1:0")
	out, err := shop.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := shop.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shop.Process.Kill(); _ = shop.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := regexp.MustCompile(`http://(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				return
			}
		}
		close(addr)
	}()
	var a string
	select {
	case a = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatal("the shop did not start")
	}
	if a == "" {
		t.Fatal("the shop exited")
	}
	code := func(args ...string) (int, string) {
		cmd := exec.Command(binPath, args...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), string(b)
			}
			t.Fatal(err)
		}
		return 0, string(b)
	}
	if c, out := code("probe", "http://"+a+"/health"); c != 0 || !strings.Contains(out, "200") {
		t.Fatalf("probe of a healthy shop: %d %s", c, out)
	}
	if c, out := code("probe", "http://"+a+"/no-such-page"); c != 1 {
		t.Fatalf("probe of a 404: %d %s", c, out)
	}
	if c, _ := code("probe", "-timeout", "500ms", "http://127.0.0.1:1/readyz"); c != 1 {
		t.Fatalf("probe of nothing: %d", c)
	}
	if c, _ := code("probe"); c != 2 {
		t.Fatalf("probe without a URL: %d", c)
	}
	// The vulnerable shop listens beyond loopback only when told so explicitly.
	if c, out := code("demo", "-shop-only", "-upstream", "0.0.0.0:0"); c != 1 || !strings.Contains(out, "loopback") {
		t.Fatalf("non-loopback shop without -expose-shop: %d %s", c, out)
	}
	if c, _ := code("demo", "-expose-shop"); c != 2 {
		t.Fatalf("-expose-shop without -shop-only: %d", c)
	}
}
