package session

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
	"unicode"
)

// openTTY opens the terminal read-write. It reads in cooked mode: the terminal echoes and edits the line,
// Ctrl+C sends SIGINT (the CLI's signal context turns it into exit 130), Ctrl+D on an empty line is EOF.
// On Windows "CON" opens the console's input and output halves.
func openTTY(path string) (io.ReadWriteCloser, error) {
	if runtime.GOOS == "windows" && path == "CON" {
		in, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		out, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
		if err != nil {
			_ = in.Close()
			return nil, err
		}
		return consolePair{in, out}, nil
	}
	return os.OpenFile(path, os.O_RDWR, 0)
}

type consolePair struct{ in, out *os.File }

func (c consolePair) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c consolePair) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c consolePair) Close() error                { return errors.Join(c.in.Close(), c.out.Close()) }

// ttySource asks on the terminal. Its reader persists across questions, so typed-ahead lines are kept.
type ttySource struct {
	tty     io.ReadWriteCloser
	r       *bufio.Reader
	req     TokenRequest
	started bool
}

func newTTYSource(tty io.ReadWriteCloser, req TokenRequest) *ttySource {
	return &ttySource{tty: tty, r: bufio.NewReader(tty), req: req}
}

func (s *ttySource) code(ctx context.Context) (string, error) {
	if !s.started {
		s.started = true
		if s.req.Attempt > 1 {
			if err := s.say(rejectedText(s.req) + "\n"); err != nil {
				return "", err
			}
		}
	}
	for try := 1; ; try++ {
		if err := s.say(fmt.Sprintf("MFA code for %s (%s): ", clean(s.req.Profile), clean(s.req.Serial))); err != nil {
			return "", err
		}
		line, err := s.readLine(ctx)
		if err != nil {
			return "", err
		}
		if hasBareEsc(line) {
			return "", ErrAborted
		}
		code := strings.TrimSpace(line)
		why := malformed(code)
		if why == "" {
			return code, nil
		}
		if try == maxMalformed {
			_ = s.say(fmt.Sprintf("That is not a 6-digit code: %s.\n", why))
			return "", fmt.Errorf("no valid MFA code after %d tries (the last: %s); "+
				"an MFA code is the 6 digits the device shows", maxMalformed, why)
		}
		if err := s.say(fmt.Sprintf("That is not a 6-digit code: %s; try again.\n", why)); err != nil {
			return "", err
		}
	}
}

func (s *ttySource) waiting(d time.Duration) { _ = s.say(waitMessage(d)) }

func (s *ttySource) say(text string) error {
	if _, err := io.WriteString(s.tty, text); err != nil {
		return fmt.Errorf("writing the MFA prompt to the terminal: %w", err)
	}
	return nil
}

// readLine reads one line, or gives up when ctx ends: it then closes the terminal, which unblocks the read.
// EOF (Ctrl+D on an empty line, the other end gone) is ErrAborted.
func (s *ttySource) readLine(ctx context.Context) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := s.r.ReadString('\n')
		ch <- result{line, err}
	}()
	select {
	case res := <-ch:
		switch {
		case res.err == nil:
			return res.line, nil
		case errors.Is(res.err, io.EOF) && strings.TrimSpace(res.line) != "":
			return res.line, nil // a last line without newline; the next read reports EOF
		case errors.Is(res.err, io.EOF), errors.Is(res.err, io.ErrClosedPipe), errors.Is(res.err, os.ErrClosed):
			return "", ErrAborted
		}
		return "", fmt.Errorf("reading the MFA code from the terminal: %w", res.err)
	case <-ctx.Done():
		_ = s.tty.Close()
		return "", ctxAbort(ctx)
	}
}

// rejectedText is the sentence shown before asking again after AWS rejected a code.
func rejectedText(req TokenRequest) string {
	why := strings.TrimSpace(req.Rejected)
	if why == "" {
		why = "AWS rejected the last MFA code."
	}
	return clean(why)
}

// hasBareEsc reports whether the line holds an Esc key press (an ESC not starting an arrow-key sequence).
func hasBareEsc(line string) bool {
	for i := 0; i < len(line); i++ {
		if line[i] != 0x1b {
			continue
		}
		if i+1 < len(line) && (line[i+1] == '[' || line[i+1] == 'O') {
			continue
		}
		return true
	}
	return false
}

// clean replaces control characters, so a profile name cannot drive the terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}
