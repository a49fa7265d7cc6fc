package main

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"

	"golang.org/x/term"
)

// The key commands ask their questions on the terminal (/dev/tty, CONIN$/CONOUT$ on Windows), never on
// stdin and stdout: stdout stays data, and a pipe cannot answer a question meant for a person.
//
// How the terminal is opened travels in the command's context (withTTY): tests run kagi with a fake
// terminal, or none, through run's ctx; production uses the default. There is no package-level state.

// ttyOpener opens the terminal read-write.
type ttyOpener func() (io.ReadWriteCloser, error)

type ttyCtxKey struct{}

// withTTY makes the commands run under ctx open the terminal with open.
func withTTY(ctx context.Context, open ttyOpener) context.Context {
	return context.WithValue(ctx, ttyCtxKey{}, open)
}

// openTerminal opens the terminal of ctx (withTTY), by default the process's controlling terminal.
func openTerminal(ctx context.Context) (*terminal, error) {
	open, _ := ctx.Value(ttyCtxKey{}).(ttyOpener)
	if open == nil {
		open = openControllingTTY
	}
	rw, err := open()
	if err != nil {
		return nil, err
	}
	return &terminal{rw: rw}, nil
}

func openControllingTTY() (io.ReadWriteCloser, error) {
	if runtime.GOOS == "windows" {
		in, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		out, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
		if err != nil {
			_ = in.Close()
			return nil, err
		}
		return consoleIO{in, out}, nil
	}
	return os.OpenFile("/dev/tty", os.O_RDWR, 0)
}

// consoleIO is the Windows console's input and output halves as one terminal.
type consoleIO struct{ in, out *os.File }

func (c consoleIO) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c consoleIO) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c consoleIO) Close() error                { return errors.Join(c.in.Close(), c.out.Close()) }
func (c consoleIO) Fd() uintptr                 { return c.in.Fd() }

// terminal is an open conversation with the user.
type terminal struct{ rw io.ReadWriteCloser }

func (t *terminal) Close() error { return t.rw.Close() }

func (t *terminal) say(s string) error {
	_, err := io.WriteString(t.rw, s)
	return err
}

// ask shows prompt and reads one line, echoed as typed, without its surrounding blanks (IDs, codes,
// names, yes/no).
func (t *terminal) ask(ctx context.Context, prompt string) (string, error) {
	if err := t.say(prompt); err != nil {
		return "", err
	}
	line, err := t.await(ctx, func() (string, error) { return readLine(t.rw) }, nil)
	return strings.TrimSpace(line), err
}

// askSecret is askPassword without the surrounding blanks: for secrets that never hold one (an AWS secret
// access key is letters, digits, + and /), where blanks around it are left over from pasting.
func (t *terminal) askSecret(ctx context.Context, prompt string) (string, error) {
	line, err := t.askPassword(ctx, prompt)
	return strings.TrimSpace(line), err
}

// askPassword shows prompt and reads one line without echoing it, when the terminal is a real one. Only
// the line ending is dropped: a password may begin or end with a blank.
func (t *terminal) askPassword(ctx context.Context, prompt string) (string, error) {
	if err := t.say(prompt); err != nil {
		return "", err
	}
	f, ok := t.rw.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return t.await(ctx, func() (string, error) { return readLine(t.rw) }, nil)
	}
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	line, err := t.await(ctx, func() (string, error) {
		b, err := term.ReadPassword(fd)
		return string(b), err
	}, func() { _ = term.Restore(fd, state) })
	_ = t.say("\n") // the Enter key was not echoed either
	return line, err
}

// confirm asks a yes/no question; only y or yes is yes.
func (t *terminal) confirm(ctx context.Context, question string) (bool, error) {
	answer, err := t.ask(ctx, question+" [y/N] ")
	if err != nil {
		return false, err
	}
	answer = strings.ToLower(answer)
	return answer == "y" || answer == "yes", nil
}

// await runs read, or gives up when ctx ends (Ctrl+C): it then restores the terminal (echo back on) and
// closes it. End of input (Ctrl+D) is an abort too. The line comes back as read, without its line ending.
func (t *terminal) await(ctx context.Context, read func() (string, error), restore func()) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := read()
		ch <- result{line, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil && (strings.TrimSpace(r.line) == "" || !errors.Is(r.err, io.EOF)) {
			if errors.Is(r.err, io.EOF) || errors.Is(r.err, os.ErrClosed) {
				return "", errAborted
			}
			return "", r.err
		}
		return r.line, nil
	case <-ctx.Done():
		if restore != nil {
			restore()
		}
		_ = t.say("\n")
		_ = t.rw.Close()
		return "", errAborted
	}
}

// readLine reads up to a newline one byte at a time, so nothing typed after it is consumed: the next
// question (which may read the descriptor directly) gets it.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for b.Len() < 4096 {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return strings.TrimSuffix(b.String(), "\r"), nil
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			return b.String(), err
		}
	}
	return "", errors.New("the line typed is longer than 4096 characters; enter it again")
}
