//go:build linux

package main_test

// Running kagi on a real pseudo-terminal for the bad-input catalogue: the pty is the process's controlling
// terminal (so /dev/tty opens), while stdin, stdout and stderr stay pipes of their own, which proves that
// prompts never read stdin or write stdout. Ctrl+C is the byte 0x03 typed on the terminal: the kernel's line
// discipline turns it into SIGINT for the foreground process group, exactly as for a person at a keyboard.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// eeTTYStep waits until the terminal shows expect (after the previous step's match), or, with call set,
// until the endpoint has received that call (an action name) since the process started; then it types send.
type eeTTYStep struct {
	expect string
	call   string
	send   string
}

// eeCtrlC is what the Ctrl+C key sends.
const eeCtrlC = "\x03"

// eeOpenPTY opens a new pseudo-terminal pair.
func eeOpenPTY() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	raw, err := m.SyscallConn()
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	var n uint32
	var ioctlErr error
	err = raw.Control(func(fd uintptr) {
		var unlock int32
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
			ioctlErr = fmt.Errorf("unlock pty: %w", e)
			return
		}
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
			ioctlErr = fmt.Errorf("pty number: %w", e)
		}
	})
	if err = errors.Join(err, ioctlErr); err != nil {
		m.Close()
		return nil, nil, err
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, s, nil
}

// runTTY runs name in the world with a pseudo-terminal as its controlling terminal, plays steps on it, and
// waits for the process to end. stdin is fed on a pipe. The terminal transcript is returned for the log.
func (w *eeWorld) runTTY(extraEnv []string, stdin string, steps []eeTTYStep, name string, args ...string) (eeResult, string) {
	w.t.Helper()
	master, slave, err := eeOpenPTY()
	if err != nil {
		eeRequire(w.t, "no pseudo-terminal: %v", err)
	}
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := w.command(ctx, extraEnv, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.ExtraFiles = []*os.File{slave} // fd 3 in the child
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 3}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var screen eeBuffer
	var baseline eeCalls
	if slices.ContainsFunc(steps, func(s eeTTYStep) bool { return s.call != "" }) {
		baseline = w.calls()
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		slave.Close()
		w.t.Fatalf("start %s under a pty: %v", name, err)
	}
	slave.Close() // the child holds it now; the master reads EIO once the child is gone
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			screen.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	from := 0
	for i, s := range steps {
		deadline := time.Now().Add(30 * time.Second)
		for {
			text := screen.String()
			if s.call != "" {
				if w.calls().Calls[s.call] > baseline.Calls[s.call] {
					break
				}
			} else if at := strings.Index(text[from:], s.expect); at >= 0 {
				from += at + len(s.expect)
				break
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				w.t.Fatalf("step %d: the terminal never showed %q\nterminal: %q\nstderr: %q", i+1, s.expect, screen.String(), stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := master.Write([]byte(s.send)); err != nil {
			w.t.Fatalf("type on the terminal: %v", err)
		}
	}
	err = cmd.Wait()
	r := eeResult{name: filepath.Base(cmd.Path) + " " + strings.Join(cmd.Args[1:], " "), stdout: stdout.String(),
		stderr: stderr.String(), elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		r.code = exit.ExitCode()
	default:
		w.t.Fatalf("%s: %v\n%s", r.name, err, r)
	}
	select {
	case <-copied:
	case <-time.After(5 * time.Second): // a grandchild may still hold the terminal
	}
	return r, screen.String()
}
