package common

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kagi-cli/kagi/session"
)

// How the terminal UI answers the engine's MFA questions without touching /dev/tty behind bubbletea's back:
// a screen calls the engine with no code. A profile's mfa_process runs, as on the command line. Otherwise, if
// the engine needs a code, Tokens fails at once with a *NeedCodeError (before any AWS call); the screen asks
// for the code in a text input and calls the engine again with WithMFACode(ctx, code).

// NeedCodeError: the engine needs an MFA code for Serial and the UI has not given one yet.
type NeedCodeError struct {
	Profile string
	Serial  string
}

func (e *NeedCodeError) Error() string {
	return fmt.Sprintf("profile %q needs an MFA code from the device %s", e.Profile, e.Serial)
}

// Is makes errors.Is(err, ErrMFACodeNeeded) true.
func (e *NeedCodeError) Is(target error) bool { return target == ErrMFACodeNeeded }

type codeKey struct{}

// WithMFACode returns ctx carrying the MFA code the user typed, for the engine calls made with it.
func WithMFACode(ctx context.Context, code string) context.Context {
	return context.WithValue(ctx, codeKey{}, code)
}

// Tokens is the engine's TokenSource inside the terminal UI: the profile's mfa_process, else the code the
// user typed (carried by the call's context), used once.
type Tokens struct {
	Steps   *session.StepMemory // may be nil
	Now     func() time.Time
	Process session.TokenSource // runs mfa_process; never prompts
}

var _ session.TokenSource = (*Tokens)(nil)

// NewTokens is the UI's TokenSource for e: it reads and runs nothing on the terminal, and checks typed codes
// against e's memory of spent codes with e's clock (the clock the engine records them with).
func NewTokens(e *session.Engine) *Tokens {
	now := e.Now
	if now == nil {
		now = time.Now
	}
	noTTY := func(string) (io.ReadWriteCloser, error) { return nil, errors.New("the terminal belongs to the UI") }
	return &Tokens{
		Steps:   e.Steps,
		Now:     now,
		Process: &session.Prompter{OpenTTY: noTTY, Steps: e.Steps, Now: now, Stderr: io.Discard},
	}
}

// UseTokens makes e ask the UI for MFA codes: Tokens instead of the terminal prompter, and no retry loop
// (a rejected code comes back to the screen, which asks again).
func UseTokens(e *session.Engine) {
	e.Tokens = NewTokens(e)
	e.Interactive = false
}

// Token runs the profile's mfa_process, returns the code carried by ctx, or asks the screen for one.
func (t *Tokens) Token(ctx context.Context, req session.TokenRequest) (string, error) {
	if req.MFAProcess != "" {
		return t.Process.Token(ctx, req)
	}
	code, _ := ctx.Value(codeKey{}).(string)
	switch {
	case code == "":
		return "", &NeedCodeError{Profile: req.Profile, Serial: req.Serial}
	case req.Attempt > 1: // not reached while Interactive is off: a rejected code ends the call
		return "", fmt.Errorf("the MFA code was rejected: %s", strings.TrimRight(req.Rejected, "."))
	case t.Steps != nil && t.Steps.JustUsed(req.Serial, code, t.Now()):
		return "", ErrMFACodeJustUsed
	}
	return code, nil
}

// withTokens is e with its prompts replaced by ts and retries off (the screen asks again itself). Built
// field by field because Engine holds a mutex; it guards only the recorded-devices file, whose writes are
// atomic renames, so a second mutex is harmless.
func withTokens(e *session.Engine, ts session.TokenSource) *session.Engine {
	return &session.Engine{
		Config: e.Config, Creds: e.Creds, Store: e.Store, STS: e.STS, Tokens: ts, Steps: e.Steps, Dirs: e.Dirs,
		Now: e.Now, Log: e.Log, Window: e.Window, SessionDuration: e.SessionDuration, RoleDuration: e.RoleDuration,
		Interactive: false,
	}
}
