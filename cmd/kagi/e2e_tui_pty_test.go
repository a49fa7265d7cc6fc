//go:build linux

package main_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// eeTUITerminalQueries: before its first frame the TUI asks the terminal for its background colour once
// (OSC 11, followed by a cursor-position query that every terminal answers). Each query is a round trip to the
// terminal, and on a terminal that answers only the second one, a 5-second wait. It runs `kagi demo` on a pty
// that answers like xterm, as from an interactive shell (stdin, stdout and stderr the terminal: bubbletea's
// init asks on stdout) and as under `kagi demo > file` (the UI's renderer on stderr asks).
func eeTUITerminalQueries(t *testing.T, s *eeSuite) {
	t.Run("StdoutTerminal", func(t *testing.T) { eeTUIQueries(t, s, false) })
	t.Run("StdoutPipe", func(t *testing.T) { eeTUIQueries(t, s, true) })
}

func eeTUIQueries(t *testing.T, s *eeSuite, stdoutPipe bool) {
	master, slave, err := eeOpenPTY()
	if err != nil {
		eeRequire(t, "no pseudo-terminal: %v", err)
	}
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, "kagi"), "demo")
	cmd.Env = []string{"HOME=" + home, "TERM=xterm-256color", "LANG=C.UTF-8", "PATH=" + os.Getenv("PATH"),
		"XDG_RUNTIME_DIR=" + home, "KAGI_KEYRING_BACKEND=file", "KAGI_FILE_PASSPHRASE=demo"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	var stdout bytes.Buffer
	if stdoutPipe {
		cmd.Stdout = &stdout
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	defer func() { _ = cmd.Process.Kill() }() // cmd.Wait runs below, or when ctx ends

	osc11, dsr := regexp.MustCompile(`\x1b\]11;\?`), regexp.MustCompile(`\x1b\[6n`)
	var screen []byte
	answered := [2]int{}
	buf := make([]byte, 65536)
	for !bytes.Contains(screen, []byte("Set up MFA")) {
		_ = master.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := master.Read(buf)
		if err != nil {
			t.Fatalf("no first frame from kagi demo: %v\nterminal: %q", err, screen)
		}
		screen = append(screen, buf[:n]...)
		for ; answered[0] < len(osc11.FindAll(screen, -1)); answered[0]++ {
			_, _ = master.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
		}
		for ; answered[1] < len(dsr.FindAll(screen, -1)); answered[1]++ {
			_, _ = master.Write([]byte("\x1b[1;1R"))
		}
	}
	if answered[0] != 1 {
		t.Fatalf("the TUI asked the terminal for its background colour %d times before the first frame, want 1", answered[0])
	}
	// Leave as a person would (Ctrl+C, the quit key), then read what reached stdout once the process is gone.
	go func() { _, _ = io.Copy(io.Discard, master) }()
	_, _ = master.Write([]byte("\x03"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("kagi demo did not exit cleanly on Ctrl+C: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kagi demo did not exit on Ctrl+C")
	}
	if stdoutPipe && stdout.Len() != 0 {
		t.Fatalf("the TUI wrote to stdout: %q", stdout.String())
	}
}
