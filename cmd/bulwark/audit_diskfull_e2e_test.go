package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// smallDisk mounts a 24 MiB tmpfs of the test's own and unmounts it at the
// end; it skips the test when mounting is not allowed.
func smallDisk(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs for the disk-full test (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file on dir's filesystem until it is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			return path
		}
	}
}

func diskFullConfig(up, disk, onFailure string) string {
	c := strings.Replace(baseConfig(up, ""), "store: sqlite:audit.db\n", "store: sqlite:"+filepath.Join(disk, "audit.db")+"\n", 1)
	return strings.Replace(c, "audit:\n  stdout: true\n  store: true\n", "audit:\n  stdout: false\n  store: true\n"+
		"  file: "+filepath.Join(disk, "audit.jsonl")+"\n  min_free_space: 1MiB\n  on_failure: "+onFailure+
		"\n  tiers: {store_all: true}\n", 1)
}

var sinkFailures = regexp.MustCompile(`(?m)^bulwark_audit_sink_failures_total (\S+)$`)

func auditFailures(t *testing.T, p *proc) float64 {
	t.Helper()
	_, body := get(t, p.admin("/metrics"))
	m := sinkFailures.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no bulwark_audit_sink_failures_total in /metrics")
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// storedID reports whether the event of request id is in the store.
func storedID(t *testing.T, p *proc, id string) bool {
	req, _ := http.NewRequest("GET", p.admin("/admin/api/audit?request_id="+id), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	_, body := do(t, req)
	return strings.Contains(string(body), id)
}

// TestAuditDiskFullFailsOpen fills the store's and the file's disk mid-load:
// every request is still answered, the failure metric counts, and writing
// resumes once space returns.
func TestAuditDiskFullFailsOpen(t *testing.T) {
	disk := smallDisk(t)
	up := upstream(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), diskFullConfig(up.URL, disk, "open")))
	send := func(n int) (last string) {
		for i := range n {
			resp, body := get(t, p.url(fmt.Sprintf("/users/%d", i)))
			if resp.StatusCode != 200 {
				t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
			}
			last = resp.Header.Get("X-Request-Id")
		}
		return last
	}
	id := send(50)
	waitFor(t, "events stored before the disk fills", func() bool { return storedID(t, p, id) })
	filler := fill(t, disk)
	waitFor(t, "the failure metric counting", func() bool {
		send(20)
		return auditFailures(t, p) > 0
	})
	send(200) // the gateway keeps answering on a full disk
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// Events of requests answered after space returned reach the store.
	after := send(5)
	waitFor(t, "writing resumed", func() bool { return storedID(t, p, after) })
}

// TestAuditDiskFullBlocks: with on_failure: block, requests are refused with
// a 503 problem while the store cannot write, and served again when it can.
func TestAuditDiskFullBlocks(t *testing.T) {
	disk := smallDisk(t)
	up := upstream(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), diskFullConfig(up.URL, disk, "block")))
	if resp, body := get(t, p.url("/users/1")); resp.StatusCode != 200 {
		t.Fatalf("before: %d %s", resp.StatusCode, body)
	}
	filler := fill(t, disk)
	var body []byte
	waitFor(t, "a 503 while the audit store fails", func() bool {
		var resp *http.Response
		resp, body = get(t, p.url("/users/2"))
		return resp.StatusCode == 503
	})
	if !strings.Contains(string(body), `"audit_unavailable"`) {
		t.Fatalf("503 body: %s", body)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "requests served again", func() bool {
		resp, _ := get(t, p.url("/users/3"))
		return resp.StatusCode == 200
	})
}
