//go:build linux || darwin

// Built on Linux and macOS only: the real-terminal test calls ioctl (it runs on Linux only).

package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/kagi-cli/kagi/session"
)

// syncBuffer collects what the prompter writes to its terminal.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the terminal output contains want.
func (s *syncBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(s.String(), want) {
			return
		}
	}
	t.Fatalf("terminal never showed %q; it shows %q", want, s.String())
}

// fakeTTY is a terminal over an io.Pipe pair: the test types into in, and out collects what kagi writes.
type fakeTTY struct {
	inR    *io.PipeReader
	inW    *io.PipeWriter
	outW   *io.PipeWriter
	out    syncBuffer
	copied chan struct{}
}

func newFakeTTY(t *testing.T) *fakeTTY {
	f := &fakeTTY{copied: make(chan struct{})}
	f.inR, f.inW = io.Pipe()
	outR, outW := io.Pipe()
	f.outW = outW
	go func() { _, _ = io.Copy(&f.out, outR); close(f.copied) }()
	t.Cleanup(func() { _ = f.Close(); _ = f.inW.Close() })
	return f
}

func (f *fakeTTY) Read(p []byte) (int, error)  { return f.inR.Read(p) }
func (f *fakeTTY) Write(p []byte) (int, error) { return f.outW.Write(p) }
func (f *fakeTTY) Close() error                { _ = f.inR.Close(); return f.outW.Close() }

// typeIn types text; eof closes the input afterwards (Ctrl+D).
func (f *fakeTTY) typeIn(text string, eof bool) {
	go func() {
		_, _ = io.WriteString(f.inW, text)
		if eof {
			_ = f.inW.Close()
		}
	}()
}

// output is everything kagi wrote, once it closed the terminal.
func (f *fakeTTY) output(t *testing.T) string {
	t.Helper()
	select {
	case <-f.copied:
		return f.out.String()
	case <-time.After(5 * time.Second):
		t.Fatal("the prompter did not close the terminal")
		return ""
	}
}

func ttyPrompter(f *fakeTTY) *session.Prompter {
	return &session.Prompter{OpenTTY: func(string) (io.ReadWriteCloser, error) { return f, nil }}
}

func TestPromptTTYValidCode(t *testing.T) {
	f := newFakeTTY(t)
	f.typeIn("123456\n", false)
	code, err := ttyPrompter(f).Token(context.Background(), req(1))
	if err != nil || code != "123456" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	if out := f.output(t); out != "MFA code for dev ("+serial+"): " {
		t.Errorf("terminal shows %q", out)
	}
}

func TestPromptTTYMalformedThenValid(t *testing.T) {
	f := newFakeTTY(t)
	f.typeIn("12345\n 12a456\n  654321 \r\n", false)
	code, err := ttyPrompter(f).Token(context.Background(), req(1))
	if err != nil || code != "654321" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	out := f.output(t)
	for _, want := range []string{"it has 5 digits; try again", "characters other than digits; try again"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q: %q", want, out)
		}
	}
	if n := strings.Count(out, "MFA code for dev"); n != 3 {
		t.Errorf("asked %d times, want 3: %q", n, out)
	}
}

func TestPromptTTYThreeMalformed(t *testing.T) {
	f := newFakeTTY(t)
	f.typeIn("1\n\nabcdef\n123456\n", false)
	code, err := ttyPrompter(f).Token(context.Background(), req(1))
	if err == nil || !strings.Contains(err.Error(), "after 3 tries") || errors.Is(err, session.ErrAborted) {
		t.Fatalf("Token = %q, %v; want the 3-tries error", code, err)
	}
	if out := f.output(t); !strings.Contains(out, "nothing was entered") {
		t.Errorf("terminal: %q", out)
	}
}

func TestPromptTTYAbort(t *testing.T) {
	for name, input := range map[string]string{"EOF": "", "EOF after a bad line": "12\n", "Esc": "\x1b\n"} {
		t.Run(name, func(t *testing.T) {
			f := newFakeTTY(t)
			f.typeIn(input, true)
			if _, err := ttyPrompter(f).Token(context.Background(), req(1)); !errors.Is(err, session.ErrAborted) {
				t.Fatalf("err = %v, want ErrAborted", err)
			}
		})
	}
}

func TestPromptTTYRejectedShownFirst(t *testing.T) {
	f := newFakeTTY(t)
	f.typeIn("222222\n", false)
	r := req(2)
	r.Rejected = "AWS rejected the MFA code: it was wrong or expired."
	if code, err := ttyPrompter(f).Token(context.Background(), r); err != nil || code != "222222" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	if out := f.output(t); !strings.HasPrefix(out, r.Rejected+"\nMFA code for dev") {
		t.Errorf("terminal: %q", out)
	}
}

func TestPromptTTYContextCancelled(t *testing.T) {
	f := newFakeTTY(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { f.out.waitFor(t, "MFA code"); cancel() }()
	_, err := ttyPrompter(f).Token(ctx, req(1))
	if !errors.Is(err, session.ErrAborted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// openPTY opens a real pseudo-terminal pair (Linux): the master, and the path of the terminal end.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminal test is Linux-only")
	}
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { _ = master.Close() })
	const tiocsptlck, tiocgptn = 0x40045431, 0x80045430 // unlockpt, ptsname
	var unlock int32
	var n uint32
	rc, _ := master.SyscallConn()
	var errno syscall.Errno
	if err = rc.Control(func(fd uintptr) {
		if _, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, tiocsptlck, uintptr(unsafe.Pointer(&unlock))); errno == 0 {
			_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, tiocgptn, uintptr(unsafe.Pointer(&n)))
		}
	}); err != nil || errno != 0 {
		t.Skipf("pty ioctl: %v %v", err, errno)
	}
	path := fmt.Sprintf("/dev/pts/%d", n)
	// Hold the terminal end open, as a shell would: when its last descriptor closes, reads of the master fail.
	hold, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hold.Close() })
	return master, path
}

// TestPromptRealPTY drives the default OpenTTY on a real terminal: cooked mode, echo, Enter as CR.
func TestPromptRealPTY(t *testing.T) {
	master, path := openPTY(t)
	var screen syncBuffer
	go func() { _, _ = io.Copy(&screen, master) }()
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := (&session.Prompter{TTYPath: path}).Token(context.Background(), req(1))
		done <- result{code, err}
	}()
	screen.waitFor(t, "MFA code for dev ("+serial+"): ")
	_, _ = master.WriteString("12x\r")
	screen.waitFor(t, "characters other than digits; try again")
	_, _ = master.WriteString("654321\r")
	res := <-done
	if res.err != nil || res.code != "654321" {
		t.Fatalf("Token = %q, %v", res.code, res.err)
	}
	screen.waitFor(t, "654321\r\n") // the terminal echoed the typing, as a terminal does
}

func TestPromptRealPTYCtrlDAndCancel(t *testing.T) {
	master, path := openPTY(t)
	var screen syncBuffer
	go func() { _, _ = io.Copy(&screen, master) }()
	p := &session.Prompter{TTYPath: path}

	errc := make(chan error, 1)
	go func() { _, err := p.Token(context.Background(), req(1)); errc <- err }()
	screen.waitFor(t, "MFA code")
	_, _ = master.Write([]byte{4}) // Ctrl+D on an empty line
	if err := <-errc; !errors.Is(err, session.ErrAborted) {
		t.Fatalf("Ctrl+D: err = %v, want ErrAborted", err)
	}

	// A cancelled context (the CLI's signal context on Ctrl+C) ends a read blocked on the real terminal.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, err := p.Token(ctx, req(1)); errc <- err }()
	screen.waitFor(t, "MFA code for dev ("+serial+"): MFA code for dev")
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, session.ErrAborted) {
			t.Fatalf("cancel: err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Token did not return after cancel")
	}
}

func TestMFAProcess(t *testing.T) {
	for _, tc := range []struct {
		name, command, want, hidden string   // hidden: must not appear in the error
		wantErr                     []string // substrings of the error
	}{
		{name: "printf", command: "printf 123456", want: "123456"},
		{name: "whitespace", command: `printf '  123456\r\n\n'`, want: "123456"},
		{name: "junk", command: "echo 'Your code: 123456 (valid 30s)'",
			wantErr: []string{"mfa_process (echo) printed", `"Your code: ###### (v"…`}, hidden: "123456"},
		{name: "nothing", command: "true", wantErr: []string{"printed nothing instead of a 6-digit code"}},
		{name: "seven digits", command: "echo 1234567", wantErr: []string{"printed 7 digits"}, hidden: "1234567"},
		{name: "exit", command: "echo 'no account \"x\"' >&2; echo more >&2; exit 3",
			wantErr: []string{`mfa_process (echo) exited with status 3: no account "x"`}, hidden: "more"},
		{name: "not found", command: "SEED=JBSWY3DP kagi-no-such-tool --totp", wantErr: []string{"(kagi-no-such-tool) exited with status 127"}, hidden: "JBSWY3DP"},
		{name: "timeout", command: "sleep 5", wantErr: []string{"mfa_process (sleep) did not finish within 200ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr syncBuffer
			p := &session.Prompter{OpenTTY: noTTY, ProcessTimeout: 200 * time.Millisecond, Stderr: &stderr}
			r := req(1)
			r.MFAProcess = tc.command
			start := time.Now()
			code, err := p.Token(context.Background(), r)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %s", took)
			}
			if tc.wantErr == nil {
				if err != nil || code != tc.want {
					t.Fatalf("Token = %q, %v; want %q", code, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Token = %q, want an error", code)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tc.hidden != "" && strings.Contains(err.Error(), tc.hidden) {
				t.Errorf("error %q reveals %q", err, tc.hidden)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// fakeDialog writes an executable script standing in for a dialog tool; it logs its arguments, one per line.
func fakeDialog(t *testing.T, body string) (script, argsLog string) {
	dir := t.TempDir()
	script, argsLog = filepath.Join(dir, "dialog"), filepath.Join(dir, "args")
	text := fmt.Sprintf("#!/bin/sh\nfor a in \"$@\"; do printf '%%s\\n' \"$a\" >> %s; done\n%s\n", argsLog, body)
	if err := os.WriteFile(script, []byte(text), 0o700); err != nil {
		t.Fatal(err)
	}
	return script, argsLog
}

func guiPrompter(tool, script string) *session.Prompter {
	return &session.Prompter{
		OpenTTY: noTTY, GUI: true,
		Env: func(k string) string { return map[string]string{"DISPLAY": ":0"}[k] },
		LookPath: func(name string) (string, error) {
			if name == tool {
				return script, nil
			}
			return notFound(name)
		},
	}
}

func TestPromptGUI(t *testing.T) {
	script, argsLog := fakeDialog(t, "echo 123456")
	code, err := guiPrompter("zenity", script).Token(context.Background(), req(1))
	if err != nil || code != "123456" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	args, _ := os.ReadFile(argsLog)
	if want := "--entry\n--title\nkagi\n--text\nMFA code for dev (" + serial + "):\n"; string(args) != want {
		t.Errorf("zenity args %q, want %q", args, want)
	}

	script, argsLog = fakeDialog(t, "echo 654321")
	if code, err := guiPrompter("kdialog", script).Token(context.Background(), req(1)); err != nil || code != "654321" {
		t.Fatalf("kdialog: Token = %q, %v", code, err)
	}
	if args, _ := os.ReadFile(argsLog); !strings.Contains(string(args), "--inputbox\nMFA code for dev") {
		t.Errorf("kdialog args %q", args)
	}
}

func TestPromptGUICancel(t *testing.T) {
	script, _ := fakeDialog(t, "exit 1")
	if _, err := guiPrompter("zenity", script).Token(context.Background(), req(1)); !errors.Is(err, session.ErrAborted) {
		t.Fatalf("err = %v, want ErrAborted", err)
	}
	script, _ = fakeDialog(t, "echo 'Gtk-ERROR: cannot open display' >&2; exit 255")
	if _, err := guiPrompter("zenity", script).Token(context.Background(), req(1)); err == nil ||
		errors.Is(err, session.ErrAborted) || !strings.Contains(err.Error(), "cannot open display") {
		t.Fatalf("err = %v, want the dialog's failure", err)
	}
}

func TestPromptGUIMalformedThenValid(t *testing.T) {
	dir := t.TempDir()
	script, argsLog := fakeDialog(t, fmt.Sprintf(`if [ -e %[1]s ]; then echo 123456; else touch %[1]s; echo 12; fi`, filepath.Join(dir, "asked")))
	if code, err := guiPrompter("zenity", script).Token(context.Background(), req(1)); err != nil || code != "123456" {
		t.Fatalf("Token = %q, %v", code, err)
	}
	if args, _ := os.ReadFile(argsLog); !strings.Contains(string(args), "That is not a 6-digit code: it has 2 digits.\n\nMFA code") {
		t.Errorf("second dialog does not say why: %q", args)
	}
}
