package session_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
)

const serial = "arn:aws:iam::000000000000:mfa/alice"

func req(n int) session.TokenRequest {
	return session.TokenRequest{Profile: "dev", Serial: serial, Attempt: n}
}

func noTTY(string) (io.ReadWriteCloser, error) { return nil, errors.New("no such device or address") }

func notFound(name string) (string, error) { return "", fmt.Errorf("%s: not found", name) }

// t0 is 20.5 s into a 30-second step: the next step starts in 9.5 s.
var t0 = time.Unix(1_700_000_000, 500_000_000)

// fakeClock's Sleep returns at once and moves the clock on.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// lineTTY is a terminal whose typing is given up front; out is read after Token returns.
type lineTTY struct {
	io.Reader
	out strings.Builder
}

func (l *lineTTY) Write(p []byte) (int, error) { return l.out.Write(p) }
func (l *lineTTY) Close() error                { return nil }

func TestStepMemory(t *testing.T) {
	m := session.NewStepMemory(t.TempDir())
	if m.JustUsed(serial, "111111", t0) {
		t.Fatal("empty memory says just used")
	}
	if err := m.Used(serial, "111111", t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		serial, code string
		at           time.Time
		want         bool
	}{
		{serial, "111111", t0, true},
		{serial, "111111", t0.Add(89 * time.Second), true},
		{serial, "111111", t0.Add(-10 * time.Second), true}, // another process's clock is behind
		{serial, "111111", t0.Add(90 * time.Second), false},
		{serial, "111111", t0.Add(time.Hour), false},
		{serial, "222222", t0, false},
		{"arn:aws:iam::000000000000:mfa/bob", "111111", t0, false},
	} {
		if got := m.JustUsed(tc.serial, tc.code, tc.at); got != tc.want {
			t.Errorf("JustUsed(%s, %s, t0%+v) = %v", tc.serial, tc.code, tc.at.Sub(t0), got)
		}
	}
	var nilMemory *session.StepMemory
	if nilMemory.JustUsed(serial, "111111", t0) || nilMemory.Used(serial, "111111", t0) != nil {
		t.Error("a nil StepMemory should remember nothing and not fail")
	}
}

func TestStepMemorySharedAndPruned(t *testing.T) {
	dir := t.TempDir()
	a, b := session.NewStepMemory(dir), session.NewStepMemory(dir)
	if err := a.Used(serial, "111111", t0); err != nil {
		t.Fatal(err)
	}
	if !b.JustUsed(serial, "111111", t0.Add(time.Second)) {
		t.Fatal("a second StepMemory on the same directory does not see the code")
	}
	if err := b.Used("other", "333333", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "mfa-steps"))
	if err != nil || strings.Contains(string(data), "111111") || !strings.Contains(string(data), "333333") {
		t.Fatalf("stale codes are not pruned on write: %s, %v", data, err)
	}
}

func TestStepMemoryFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := filepath.Join(t.TempDir(), "state", "kagi")
	if err := session.NewStepMemory(dir).Used(serial, "111111", t0); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, filepath.Join(dir, "mfa-steps"): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode(), err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestStepMemoryConcurrent(t *testing.T) {
	m := session.NewStepMemory(t.TempDir())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dev := fmt.Sprintf("dev%d", i)
			for j := range 5 {
				code := fmt.Sprintf("%06d", i*10+j)
				if err := m.Used(dev, code, t0); err != nil {
					t.Error(err)
				}
				if !m.JustUsed(dev, code, t0) {
					t.Errorf("%s %s not remembered", dev, code)
				}
			}
		}()
	}
	wg.Wait()
	for i := range 8 {
		if !m.JustUsed(fmt.Sprintf("dev%d", i), fmt.Sprintf("%06d", i*10+4), t0) {
			t.Errorf("dev%d lost its last code", i)
		}
	}
}

func TestStepMemoryCorruptFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mfa-steps")
	for _, junk := range []string{"", "not json", `{"devices":{"x":"y"}}`, "\x00\x01\x02"} {
		if err := os.WriteFile(path, []byte(junk), 0o600); err != nil {
			t.Fatal(err)
		}
		m := session.NewStepMemory(dir)
		if m.JustUsed(serial, "111111", t0) {
			t.Errorf("%q: corrupt file says just used", junk)
		}
		if err := m.Used(serial, "111111", t0); err != nil || !m.JustUsed(serial, "111111", t0) {
			t.Errorf("%q: Used over a corrupt file: %v", junk, err)
		}
	}
}

func usedMemory(t *testing.T, code string) *session.StepMemory {
	m := session.NewStepMemory(t.TempDir())
	if err := m.Used(serial, code, t0.Add(-5*time.Second)); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPromptWaitsForNextStepTTY(t *testing.T) {
	clock := &fakeClock{now: t0}
	tty := &lineTTY{Reader: strings.NewReader("111111\n222222\n")}
	p := &session.Prompter{Steps: usedMemory(t, "111111"), Now: clock.Now, Sleep: clock.Sleep,
		OpenTTY: func(string) (io.ReadWriteCloser, error) { return tty, nil }}
	code, err := p.Token(context.Background(), req(1))
	if err != nil || code != "222222" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	if fmt.Sprint(clock.sleeps) != "[9.5s]" {
		t.Errorf("slept %v, want [9.5s] (to the next 30-s step)", clock.sleeps)
	}
	want := "MFA code for dev (" + serial + "): That code was just used; waiting for the next one (10s)…\nMFA code for dev"
	if !strings.HasPrefix(tty.out.String(), want) {
		t.Errorf("terminal %q", tty.out.String())
	}
}

// counterScript prints 111111 on its first runs and 222222 from run fresh on; it returns the command.
func counterScript(t *testing.T, fresh int) (command, counter string) {
	if runtime.GOOS == "windows" {
		t.Skip("needs sh")
	}
	counter = filepath.Join(t.TempDir(), "runs")
	return fmt.Sprintf(`n=$(cat %[1]s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %[1]s; `+
		`if [ $n -ge %[2]d ]; then echo 222222; else echo 111111; fi`, counter, fresh), counter
}

func TestPromptWaitsAndRerunsMFAProcess(t *testing.T) {
	command, counter := counterScript(t, 2)
	clock := &fakeClock{now: t0}
	tty := &lineTTY{Reader: strings.NewReader("")}
	p := &session.Prompter{Steps: usedMemory(t, "111111"), Now: clock.Now, Sleep: clock.Sleep,
		OpenTTY: func(string) (io.ReadWriteCloser, error) { return tty, nil }}
	r := req(1)
	r.MFAProcess = command
	code, err := p.Token(context.Background(), r)
	if err != nil || code != "222222" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	if runs, _ := os.ReadFile(counter); strings.TrimSpace(string(runs)) != "2" || fmt.Sprint(clock.sleeps) != "[9.5s]" {
		t.Errorf("mfa_process ran %s times, slept %v; want 2 and [9.5s]", runs, clock.sleeps)
	}
	if tty.out.String() != "That code was just used; waiting for the next one (10s)…\n" {
		t.Errorf("terminal %q", tty.out.String())
	}
}

func TestPromptGivesUpAfterTwoWaits(t *testing.T) {
	command, counter := counterScript(t, 99)
	clock := &fakeClock{now: t0}
	p := &session.Prompter{Steps: usedMemory(t, "111111"), Now: clock.Now, Sleep: clock.Sleep, OpenTTY: noTTY}
	r := req(1)
	r.MFAProcess = command
	_, err := p.Token(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "still gave the code kagi had just used") {
		t.Fatalf("err = %v", err)
	}
	if runs, _ := os.ReadFile(counter); strings.TrimSpace(string(runs)) != "3" || fmt.Sprint(clock.sleeps) != "[9.5s 30s]" {
		t.Errorf("mfa_process ran %s times, slept %v; want 3 and [9.5s 30s]", runs, clock.sleeps)
	}
}

func TestPromptWaitCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tty := &lineTTY{Reader: strings.NewReader("111111\n")}
	p := &session.Prompter{Steps: usedMemory(t, "111111"), Now: func() time.Time { return t0 },
		OpenTTY: func(string) (io.ReadWriteCloser, error) { return tty, nil }} // the default Sleep, with ctx done
	if _, err := p.Token(ctx, req(1)); !errors.Is(err, session.ErrAborted) {
		t.Fatalf("err = %v, want ErrAborted", err)
	}
}

func TestPromptFlagToken(t *testing.T) {
	p := &session.Prompter{MFAToken: "123456", OpenTTY: func(string) (io.ReadWriteCloser, error) {
		t.Error("the terminal was opened although --mfa-token was given")
		return nil, errors.New("unused")
	}}
	if code, err := p.Token(context.Background(), req(1)); err != nil || code != "123456" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	r := req(2)
	r.Rejected = "AWS rejected the MFA code."
	if _, err := p.Token(context.Background(), r); err == nil || !strings.Contains(err.Error(), "--mfa-token code was rejected") {
		t.Fatalf("attempt 2: err = %v", err)
	}
	p.Steps, p.Now = usedMemory(t, "123456"), func() time.Time { return t0 }
	if _, err := p.Token(context.Background(), req(1)); err == nil || err.Error() != "the --mfa-token code was already used; wait for the next code" {
		t.Fatalf("just used: err = %v", err)
	}
	p.MFAToken = "12345a"
	if _, err := p.Token(context.Background(), req(1)); err == nil || strings.Contains(err.Error(), "12345a") {
		t.Fatalf("malformed flag: err = %v", err)
	}
}

func TestPromptNoTTYNoGUI(t *testing.T) {
	for name, p := range map[string]*session.Prompter{
		"GUI off":    {OpenTTY: noTTY, Env: func(string) string { return ":0" }},
		"no display": {OpenTTY: noTTY, GUI: true, Env: func(string) string { return "" }, LookPath: notFound},
		"no tool":    {OpenTTY: noTTY, GUI: true, Env: func(string) string { return ":0" }, LookPath: notFound},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.Token(context.Background(), req(1))
			var np *session.NoPromptError
			if !errors.Is(err, session.ErrNoPrompt) || !errors.As(err, &np) || np.Profile != "dev" {
				t.Fatalf("err = %v, want NoPromptError for dev", err)
			}
			if msg := err.Error(); !strings.Contains(msg, `profile "dev"`) || !strings.Contains(msg, "'kagi assume dev'") {
				t.Errorf("message %q", msg)
			}
		})
	}
}
