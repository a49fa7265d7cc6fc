package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// TokenRequest is what the engine asks a TokenSource for.
type TokenRequest struct {
	Profile    string // the profile being assumed, for the prompt text
	Serial     string // MFA device serial (ARN)
	MFAProcess string // the profile's mfa_process command, "" if none
	Attempt    int    // 1-based; >1 means the previous code was rejected
	Rejected   string // when Attempt > 1: one sentence why the last code failed, shown before asking again
}

// TokenSource produces MFA codes. The engine calls it at most once per source identity, under its lock.
type TokenSource interface {
	Token(ctx context.Context, req TokenRequest) (string, error)
}

// ErrNoPrompt: kagi has no way to ask for a code. Errors returned for it are *NoPromptError.
var ErrNoPrompt = errors.New("no terminal or GUI to ask for an MFA code")

// ErrAborted: the user pressed Ctrl+C / Esc / Ctrl+D or closed the GUI dialog (the CLI maps it to exit 130).
var ErrAborted = errors.New("MFA prompt aborted")

// NoPromptError is ErrNoPrompt for one profile; its message is one actionable sentence.
type NoPromptError struct{ Profile string }

func (e NoPromptError) Error() string {
	return fmt.Sprintf("kagi needs an MFA code for profile %q but has no terminal or GUI to ask; "+
		"run 'kagi assume %s' in a terminal first, or set mfa_process in the profile", e.Profile, e.Profile)
}

// Is makes errors.Is(err, ErrNoPrompt) true.
func (e NoPromptError) Is(target error) bool { return target == ErrNoPrompt }

const (
	codeLen         = 6
	stepPeriod      = 30 * time.Second // TOTP time step
	justUsedWindow  = 90 * time.Second // a code counts as spent for this long
	maxStepWaits    = 2                // waits for a fresh code before giving up
	maxMalformed    = 3                // reads of malformed input before giving up
	outputLimit     = 4096             // bytes kept of a child's stdout / stderr
	processWaitDrag = time.Second      // how long a killed mfa_process may keep its pipes open
)

// Prompter is kagi's TokenSource: --mfa-token, then mfa_process, then the terminal, then a GUI dialog.
// The zero value works; every field has a production default. The --mfa-token field is MFAToken, because
// a field named Token would clash with the Token method.
type Prompter struct {
	MFAToken       string                                           // --mfa-token: used as is for Attempt 1 only
	TTYPath        string                                           // default "/dev/tty" ("CON" on Windows)
	OpenTTY        func(path string) (io.ReadWriteCloser, error)    // default: open path read-write
	GUI            bool                                             // allow zenity/kdialog/osascript when no tty
	LookPath       func(string) (string, error)                     // default exec.LookPath
	Env            Env                                              // default os.Getenv
	Steps          *StepMemory                                      // may be nil: no spent-code detection
	Now            func() time.Time                                 // default time.Now
	Sleep          func(ctx context.Context, d time.Duration) error // default: a timer that honours ctx
	ProcessTimeout time.Duration                                    // mfa_process time limit, default 30 s
	Stderr         io.Writer                                        // mfa_process's stderr is copied here, default os.Stderr
}

var _ TokenSource = (*Prompter)(nil)

// codeSource is one way of obtaining a code (mfa_process, terminal, GUI).
type codeSource interface {
	code(ctx context.Context) (string, error)
	// waiting tells the user the code was just used and kagi waits d for the next step.
	waiting(d time.Duration)
}

// Token returns an MFA code for req, never printing it (the terminal echoes what the user types). It tries, in
// order: MFAToken (Attempt 1 only); the profile's mfa_process; a prompt on the terminal (three tries at a
// malformed code); a GUI dialog when GUI is set, no terminal opens and a display is available; otherwise it
// returns a *NoPromptError. A code Steps says was used for this device within 90 s is never returned: Token
// waits for the next 30-second step and asks again, at most twice (MFAToken: an error instead). Token only
// reads Steps; the caller records each code it sends with Steps.Used.
func (p *Prompter) Token(ctx context.Context, req TokenRequest) (string, error) {
	c := p.withDefaults()
	if req.Attempt < 1 {
		req.Attempt = 1
	}
	if c.MFAToken != "" {
		return c.flagToken(req)
	}
	src, done, err := c.source(req)
	if err != nil {
		return "", err
	}
	defer done()
	for waits := 0; ; waits++ {
		code, err := src.code(ctx)
		if err != nil {
			return "", err
		}
		now := c.Now()
		if !c.Steps.JustUsed(req.Serial, code, now) {
			return code, nil
		}
		if waits == maxStepWaits {
			return "", fmt.Errorf("the MFA device %s still gave the code kagi had just used after %d time steps; "+
				"check the clock of whatever makes the codes", req.Serial, maxStepWaits)
		}
		d := untilNextStep(now)
		src.waiting(d)
		if err := c.Sleep(ctx, d); err != nil {
			if ctx.Err() != nil {
				return "", ctxAbort(ctx)
			}
			return "", err
		}
	}
}

func (p *Prompter) withDefaults() Prompter {
	c := *p
	if c.TTYPath == "" {
		c.TTYPath = "/dev/tty"
		if runtime.GOOS == "windows" {
			c.TTYPath = "CON"
		}
	}
	if c.OpenTTY == nil {
		c.OpenTTY = openTTY
	}
	if c.LookPath == nil {
		c.LookPath = exec.LookPath
	}
	if c.Env == nil {
		c.Env = os.Getenv
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.ProcessTimeout <= 0 {
		c.ProcessTimeout = 30 * time.Second
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	return c
}

func (c *Prompter) flagToken(req TokenRequest) (string, error) {
	if req.Attempt > 1 {
		why := strings.TrimRight(strings.TrimSpace(req.Rejected), ".")
		if why == "" {
			why = "AWS rejected it"
		}
		return "", fmt.Errorf("the --mfa-token code was rejected (%s); run the command again with a new code", why)
	}
	if why := malformed(c.MFAToken); why != "" {
		return "", fmt.Errorf("--mfa-token must be a 6-digit code, but %s", why)
	}
	if c.Steps.JustUsed(req.Serial, c.MFAToken, c.Now()) {
		return "", errors.New("the --mfa-token code was already used; wait for the next code")
	}
	return c.MFAToken, nil
}

// source picks how to ask: mfa_process, else the terminal, else a GUI dialog, else NoPromptError.
func (c *Prompter) source(req TokenRequest) (codeSource, func(), error) {
	if req.MFAProcess != "" {
		return &processSource{c: c, command: req.MFAProcess}, func() {}, nil
	}
	if tty, err := c.OpenTTY(c.TTYPath); err == nil {
		return newTTYSource(tty, req), func() { _ = tty.Close() }, nil
	}
	if c.GUI && c.displayAvailable() {
		if g := c.findGUI(req); g != nil {
			return g, func() {}, nil
		}
	}
	return nil, nil, &NoPromptError{Profile: req.Profile}
}

// processSource runs the profile's mfa_process.
type processSource struct {
	c       *Prompter
	command string
}

func (s *processSource) code(ctx context.Context) (string, error) {
	return s.c.runProcess(ctx, s.command)
}

// waiting tells the terminal, if there is one, why kagi pauses; mfa_process users see nothing otherwise.
func (s *processSource) waiting(d time.Duration) {
	if tty, err := s.c.OpenTTY(s.c.TTYPath); err == nil {
		_, _ = io.WriteString(tty, waitMessage(d))
		_ = tty.Close()
	}
}

// runProcess runs command through the shell and returns the 6-digit code it printed. Errors never quote the
// command beyond its program name (it may hold a TOTP secret) nor more than 20 characters of its output,
// with digits hidden.
func (c *Prompter) runProcess(ctx context.Context, command string) (string, error) {
	pctx, cancel := context.WithTimeout(ctx, c.ProcessTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(pctx, "cmd", "/C", command)
	} else {
		cmd = exec.CommandContext(pctx, "sh", "-c", command)
	}
	var stdout, stderr limitedBuffer
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(&stderr, c.Stderr)
	cmd.WaitDelay = processWaitDrag
	err := cmd.Run()
	name := commandName(command)
	switch {
	case ctx.Err() != nil:
		return "", ctxAbort(ctx)
	case errors.Is(pctx.Err(), context.DeadlineExceeded):
		return "", fmt.Errorf("mfa_process (%s) did not finish within %s", name, c.ProcessTimeout)
	case errors.Is(err, exec.ErrWaitDelay):
		// It exited successfully but left a child holding its output open; what it printed counts.
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() >= 0 {
			msg := fmt.Sprintf("mfa_process (%s) exited with status %d", name, ee.ExitCode())
			if line := firstLine(stderr.String()); line != "" {
				msg += ": " + line
			}
			return "", errors.New(msg)
		}
		return "", fmt.Errorf("mfa_process (%s) failed: %w", name, err)
	}
	code := strings.TrimSpace(stdout.String())
	if malformed(code) != "" {
		return "", fmt.Errorf("mfa_process (%s) printed %s instead of a 6-digit code", name, describeOutput(code))
	}
	return code, nil
}

// malformed says why s is not a 6-digit code, or "" if it is one.
func malformed(s string) string {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	switch {
	case s == "":
		return "nothing was entered"
	case digits != len(s):
		return "it contains characters other than digits"
	case digits != codeLen:
		return fmt.Sprintf("it has %d digits", digits)
	}
	return ""
}

// describeOutput names bad mfa_process output without revealing a code: at most 20 characters, digits as '#'.
func describeOutput(s string) string {
	switch {
	case s == "":
		return "nothing"
	case strings.Trim(s, "0123456789") == "":
		return fmt.Sprintf("%d digits", len(s))
	}
	r := []rune(s)
	more := ""
	if len(r) > 20 {
		r, more = r[:20], "…"
	}
	masked := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, string(r))
	return fmt.Sprintf("%q%s", masked, more)
}

// commandName is the program an mfa_process command runs, skipping VAR=value prefixes, for error messages.
func commandName(command string) string {
	for _, f := range strings.Fields(command) {
		if !strings.Contains(f, "=") {
			if len(f) > 40 {
				f = f[:40] + "…"
			}
			return f
		}
	}
	return "empty command"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// untilNextStep is the time from now to the next 30-second TOTP step boundary.
func untilNextStep(now time.Time) time.Duration {
	next := (now.Unix()/int64(stepPeriod/time.Second) + 1) * int64(stepPeriod/time.Second)
	return time.Unix(next, 0).Sub(now)
}

func waitMessage(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("That code was just used; waiting for the next one (%ds)…\n", secs)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ctxAbort is the error for a context that ended while kagi waited for a code: a cancellation (Ctrl+C via
// the CLI's signal context) is also ErrAborted.
func ctxAbort(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%w: %w", ErrAborted, ctx.Err())
	}
	return fmt.Errorf("waiting for an MFA code: %w", ctx.Err())
}

// limitedBuffer keeps the first outputLimit bytes written to it and discards the rest.
type limitedBuffer struct{ b bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := outputLimit - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return l.b.String() }
