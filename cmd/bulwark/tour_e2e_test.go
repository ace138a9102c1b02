package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// tourStep is one step of the tour `bulwark demo` prints: its title, its
// shell commands and what it says to expect.
type tourStep struct {
	title    string
	commands []string
	status   string   // the HTTP status every curl of the step gets; "" when not stated
	contains []string // texts the output holds
	lacks    []string // texts the output must not hold
}

var expectText = regexp.MustCompile("(no )?`([^`]*)`")

// parseTour reads the steps out of the printed tour: a title indented two
// spaces, commands indented four (a line ending in \ continues on the next),
// and an "expect:" line closing the step.
func parseTour(t *testing.T, text string) []tourStep {
	t.Helper()
	var steps []tourStep
	var cur tourStep
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "    expect:"):
			exp := strings.TrimSpace(strings.TrimPrefix(line, "    expect:"))
			if f := strings.Fields(exp); len(f) > 0 && regexp.MustCompile(`^[1-5]\d\d,?$`).MatchString(f[0]) {
				cur.status = strings.TrimSuffix(f[0], ",")
			}
			for _, m := range expectText.FindAllStringSubmatch(exp, -1) {
				if m[1] != "" {
					cur.lacks = append(cur.lacks, m[2])
				} else {
					cur.contains = append(cur.contains, m[2])
				}
			}
			if len(cur.commands) == 0 || (cur.status == "" && len(cur.contains) == 0) {
				t.Fatalf("tour step %q: no command or nothing checkable to expect: %q", cur.title, line)
			}
			steps = append(steps, cur)
			cur = tourStep{}
		case strings.HasPrefix(line, "    "):
			cmd := strings.TrimSpace(line)
			for strings.HasSuffix(cmd, `\`) && i+1 < len(lines) {
				i++
				cmd = strings.TrimSuffix(cmd, `\`) + strings.TrimSpace(lines[i])
			}
			cur.commands = append(cur.commands, cmd)
		case strings.HasPrefix(line, "  "):
			if len(cur.commands) > 0 {
				t.Fatalf("tour step %q has commands but no expect: line", cur.title)
			}
			cur.title = strings.TrimSpace(cur.title + " " + strings.TrimSpace(line))
		}
	}
	if len(cur.commands) > 0 {
		t.Fatalf("tour step %q has commands but no expect: line", cur.title)
	}
	return steps
}

var (
	tourAssign = regexp.MustCompile(`^([A-Z_]+)=\$\(`)
	tourStatus = regexp.MustCompile(`\[status (\d+)\]`)
	tourVar    = regexp.MustCompile(`\[var ([A-Z_]+)=([^\]]*)\]`)
)

// runTourStep runs the step's commands in bash as a reader would paste them,
// with the variables earlier steps set. A curl that prints its body also
// prints its status on a line of its own, so the stated status is checked.
func runTourStep(t *testing.T, st tourStep, vars map[string]string) string {
	t.Helper()
	var script strings.Builder
	var assigned []string
	for _, c := range st.commands {
		if m := tourAssign.FindStringSubmatch(c); m != nil {
			assigned = append(assigned, m[1])
		} else if strings.HasPrefix(c, "curl ") && !strings.ContainsAny(c, "|;") && !strings.Contains(c, " -w ") {
			c = "curl -w '\\n[status %{http_code}]\\n' " + strings.TrimPrefix(c, "curl ")
		}
		script.WriteString(c + "\n")
	}
	for _, name := range assigned {
		fmt.Fprintf(&script, "printf '\\n[var %s=%%s]\\n' \"$%s\"\n", name, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tour step %q: %v\n%s", st.title, err, out)
	}
	for _, m := range tourVar.FindAllStringSubmatch(string(out), -1) {
		vars[m[1]] = m[2]
	}
	return string(out)
}

// Every command of the tour `bulwark demo` prints, run in its order against
// that very demo (the gateway and the shop), does what the tour says: the
// status and the texts of each "expect:" line.
func TestDemoTourRunsAsPrinted(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("the tour's commands need curl")
	}
	cmd := exec.Command(binPath, "demo", "-listen", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-upstream", "127.0.0.1:0", "-app", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	stdout, _ := cmd.StdoutPipe()
	var stderr logtest.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var tour strings.Builder
	inTour := false
	timeout := time.After(60 * time.Second)
read:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("demo exited early\n%s", stderr.String())
			}
			if strings.HasPrefix(l, "What to try") {
				inTour = true
			}
			if strings.HasPrefix(l, "Audit events follow") {
				break read
			}
			if inTour {
				tour.WriteString(l + "\n")
			}
		case <-timeout:
			t.Fatal("demo did not print its tour")
		}
	}
	go func() {
		for range lines { // audit events
		}
	}()

	steps := parseTour(t, tour.String())
	if len(steps) < 30 {
		t.Fatalf("only %d steps parsed from the tour:\n%s", len(steps), tour.String())
	}
	vars := map[string]string{}
	for _, st := range steps {
		out := runTourStep(t, st, vars)
		body := tourVar.ReplaceAllString(tourStatus.ReplaceAllString(out, ""), "")
		if st.status != "" {
			got := tourStatus.FindAllStringSubmatch(out, -1)
			if len(got) == 0 {
				t.Errorf("tour step %q states status %s but no command of it shows one:\n%s", st.title, st.status, out)
			}
			for _, g := range got {
				if g[1] != st.status {
					t.Errorf("tour step %q: status %s, the tour says %s:\n%s", st.title, g[1], st.status, out)
				}
			}
		}
		for _, want := range st.contains {
			if !strings.Contains(body, want) {
				t.Errorf("tour step %q: output lacks %q, which the tour promises:\n%s", st.title, want, out)
			}
		}
		for _, bad := range st.lacks {
			for name, v := range vars {
				bad = strings.ReplaceAll(bad, "$"+name, v)
			}
			if strings.Contains(body, bad) {
				t.Errorf("tour step %q: output holds %q, which the tour says it does not:\n%s", st.title, bad, out)
			}
		}
	}
	// The third-party app went through sign-in and consent with PKCE, and
	// the grant it got was the one disconnected.
	if q := vars["QUERY"]; !strings.Contains(q, "code_challenge=") || !strings.Contains(q, "state=") {
		t.Errorf("the app's authorization request %q", q)
	}
	if len(vars["GRANT"]) < 16 || len(vars["CSRF"]) < 32 {
		t.Errorf("grant %q, csrf %q", vars["GRANT"], vars["CSRF"])
	}
	// The logins of the first step gave real session tokens.
	for _, name := range []string{"ALICE", "BOB"} {
		if len(vars[name]) != 64 || vars["ALICE"] == vars["BOB"] {
			t.Errorf("session token %s = %q", name, vars[name])
		}
	}
}
