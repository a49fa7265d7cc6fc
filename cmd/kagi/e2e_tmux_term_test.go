//go:build linux

package main_test

// The machinery of the terminal end-to-end test (e2e_tmux_test.go): a private tmux server that runs the real
// kagi binary in a 100x40 pane and is read with capture-pane, the new-user `kagi demo serve`, and TOTP codes
// from oathtool chosen so that every code is fresh for the endpoint (codes are single-use per device).
//
// Helpers are prefixed "tmux".

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxWait is how long a screen may take to show what the test waits for (generous: CI runs the race-built
// test binary on two cores next to other tests).
const tmuxWait = 20 * time.Second

// tmuxServer is a tmux server of the test's own (its socket under the test's directory, no config file),
// started with the world's environment, so every pane runs kagi exactly as the world's user would.
type tmuxServer struct {
	t       *testing.T
	bin     string
	sock    string
	env     []string
	started bool
}

func newTmuxServer(t *testing.T, bin, sock string, env []string) *tmuxServer {
	x := &tmuxServer{t: t, bin: bin, sock: sock, env: env}
	t.Cleanup(func() {
		if !x.started {
			return
		}
		if out, err := x.tmux("kill-server"); err != nil {
			t.Logf("tmux kill-server: %v %s", err, out)
		}
	})
	return x
}

// tmux runs one tmux client command against the server.
func (x *tmuxServer) tmux(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, x.bin, append([]string{"-S", x.sock, "-f", "/dev/null"}, args...)...)
	cmd.Env = x.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (x *tmuxServer) must(args ...string) string {
	x.t.Helper()
	out, err := x.tmux(args...)
	if err != nil {
		x.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// run opens a new session name in a 100x40 window running argv under sh, which writes argv's exit status to
// the file <dir>/<name>.status when it ends (tmux's own #{pane_dead_status} sometimes stays empty: tmux 3.3
// does not always reap the pane's process). Panes stay after their process exits (remain-on-exit), so the
// test can read them; TERM is xterm-256color.
func (x *tmuxServer) run(dir, name string, argv ...string) *tmuxPane {
	x.t.Helper()
	var args []string
	if !x.started {
		args = []string{"start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
			"set-option", "-g", "default-terminal", "xterm-256color", ";"}
	}
	status := filepath.Join(dir, name+".status")
	args = append(args, "new-session", "-d", "-s", name, "-x", "100", "-y", "40", "--",
		"/bin/sh", "-c", `"$@"; echo $? > `+eeShQuote(status), "sh")
	x.must(append(args, argv...)...)
	x.started = true
	return &tmuxPane{x: x, t: x.t, target: name, status: status}
}

// tmuxPane is the pane of one session: what it shows and the keys it gets.
type tmuxPane struct {
	x      *tmuxServer
	t      *testing.T
	target string
	status string // where sh writes kagi's exit status
	last   string // the latest capture, shown when a wait fails
}

// screen is the pane's text now, wrapped lines joined.
func (p *tmuxPane) screen() string {
	p.t.Helper()
	p.last = p.x.must("capture-pane", "-p", "-J", "-t", p.target)
	return p.last
}

// waitFunc polls the screen until ok accepts it, and fails the test with the last screen after tmuxWait.
func (p *tmuxPane) waitFunc(what string, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(tmuxWait)
	for {
		if s := p.screen(); ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the terminal did not show %s within %v; the screen:\n%s", what, tmuxWait, p.last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wait waits until the screen shows every one of texts. Runs of white space, line breaks included, count as
// one space on both sides: the screens wrap sentences to the terminal's width.
func (p *tmuxPane) wait(texts ...string) string {
	p.t.Helper()
	return p.waitFunc(fmt.Sprintf("%q", texts), func(s string) bool {
		s = tmuxFlat(s)
		for _, text := range texts {
			if !strings.Contains(s, tmuxFlat(text)) {
				return false
			}
		}
		return true
	})
}

// gone waits until the screen no longer shows text.
func (p *tmuxPane) gone(text string) string {
	p.t.Helper()
	return p.waitFunc(fmt.Sprintf("%q to go away", text), func(s string) bool { return !strings.Contains(tmuxFlat(s), tmuxFlat(text)) })
}

func tmuxFlat(s string) string { return strings.Join(strings.Fields(s), " ") }

// keys sends tmux key names (Enter, Escape, Down, y, ...).
func (p *tmuxPane) keys(keys ...string) {
	p.t.Helper()
	p.x.must(append([]string{"send-keys", "-t", p.target}, keys...)...)
}

// press waits until the help line at the bottom offers help (e.g. "x show the new secret once"), then sends
// key. The screens enable a binding only where it works, so this waits out a screen that is still busy.
func (p *tmuxPane) press(key, help string) {
	p.t.Helper()
	p.waitFunc(fmt.Sprintf("%q in the help line", help), func(s string) bool {
		lines := strings.Split(strings.TrimRight(s, " \n"), "\n")
		return strings.Contains(tmuxFlat(lines[len(lines)-1]), help)
	})
	p.keys(key)
}

// typeText sends text literally, as typed.
func (p *tmuxPane) typeText(text string) {
	p.t.Helper()
	p.x.must("send-keys", "-t", p.target, "-l", text)
}

// exitStatus waits for kagi to end and returns its exit status.
func (p *tmuxPane) exitStatus() int {
	p.t.Helper()
	n := -1
	p.waitFunc("the end of kagi", func(string) bool {
		b, err := os.ReadFile(p.status)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		n, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	})
	return n
}

var tmuxSelectedItem = regexp.MustCompile(`^ > (\S.*)$`)

// selectedItem is the dashboard menu's selected label and its line on the screen (-1 if none is shown).
func selectedItem(screen string) (string, int) {
	for i, l := range strings.Split(screen, "\n") {
		if m := tmuxSelectedItem.FindStringSubmatch(l); m != nil {
			label, _, _ := strings.Cut(strings.TrimSpace(m[1]), "  ")
			return label, i
		}
	}
	return "", -1
}

// menu opens the dashboard's menu item label: it moves the selection down (the menu wraps around) until
// label is selected, then presses enter and waits for the screen's title in the header. It depends on the
// labels only, not on the items' order.
func (p *tmuxPane) menu(label, title string) string {
	p.t.Helper()
	seen := map[int]bool{}
	for {
		sel, line := selectedItem(p.wait("· Dashboard ·"))
		if sel == label {
			p.press("Enter", "enter open")
			return p.wait("· " + title + " ·")
		}
		if seen[line] {
			p.t.Fatalf("the dashboard menu has no item %q; the screen:\n%s", label, p.last)
		}
		seen[line] = true
		p.keys("Down")
		p.waitFunc("the menu selection to move from "+sel, func(s string) bool { _, l := selectedItem(s); return l != line })
	}
}

// tmuxTOTP computes the codes a user reads off their authenticator app, with oathtool from the seed kagi
// showed. The endpoint, like AWS, accepts a code of the step before or after its own and each step once:
// every code is the lowest step after the last one sent that the endpoint still accepts for a while, so the
// flow rarely has to wait for the clock.
type tmuxTOTP struct {
	t      *testing.T
	s      *eeSuite
	secret string
	last   int64 // the last step sent
}

// tmuxMargin: a code of the previous step is used only while it stays valid at least this long.
const tmuxMargin = 10 * time.Second

// step picks the next step to send, waiting for the clock only when every acceptable step is spent.
func (c *tmuxTOTP) step() int64 {
	c.t.Helper()
	now := time.Now()
	cur := now.Unix() / 30
	low := cur - 1
	if time.Unix((cur+1)*30, 0).Sub(now) < tmuxMargin {
		low = cur
	}
	s := max(c.last+1, low)
	if s > cur+1 { // the endpoint takes step s once its clock reaches s-1
		wait := time.Until(time.Unix((s-1)*30, 0)) + 100*time.Millisecond
		c.t.Logf("waiting %v for the next TOTP step", wait.Round(time.Millisecond))
		time.Sleep(wait)
	}
	c.last = s
	return s
}

// next is a fresh code.
func (c *tmuxTOTP) next() string {
	c.t.Helper()
	return c.s.totp(c.t, c.secret, time.Unix(c.step()*30, 0))
}

// pair is two consecutive fresh codes, as EnableMFADevice wants them.
func (c *tmuxTOTP) pair() (string, string) {
	c.t.Helper()
	s := c.step()
	return c.s.totp(c.t, c.secret, time.Unix((s-1)*30, 0)), c.s.totp(c.t, c.secret, time.Unix(s*30, 0))
}

// tmuxServeInfo is the JSON line of `kagi demo serve --scenario new-user`, with the console password.
type tmuxServeInfo struct {
	eeServeInfo
	Password string `json:"password"`
}

// tmuxServe starts `kagi demo serve --scenario new-user` (stopped with SIGTERM at the test's cleanup, which
// checks that it exits 0).
func tmuxServe(t *testing.T, s *eeSuite) *tmuxServeInfo {
	t.Helper()
	line, stderr := s.serveLine(t, "new-user")
	var info tmuxServeInfo
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("kagi demo serve line %q: %v\nstderr: %s", line, err, stderr.String())
	}
	if info.Scenario != "new-user" || info.EndpointURL == "" || info.AccessKeyID == "" || info.SecretAccessKey == "" ||
		info.Password == "" || info.UserName == "" || info.Roles["iam-role-admin"] == "" || info.MFASerial != "" {
		t.Fatalf("kagi demo serve line: want a new user with a password, a key, no MFA device and iam-role-admin: %s", line)
	}
	return &info
}
