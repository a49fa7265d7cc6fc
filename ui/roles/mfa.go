package roles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// How the terminal UI answers the engine's MFA questions without touching /dev/tty behind bubbletea's back:
// a screen calls the engine once with no code. If the engine needs one, Tokens fails at once with a
// *NeedCodeError (before any AWS call), the screen asks for the code in a text input and calls the engine
// again with WithCode(ctx, code). A profile's mfa_process still runs, as on the command line.

// NeedCodeError: the engine needs an MFA code for Serial and the UI has not given one yet.
type NeedCodeError struct {
	Profile string
	Serial  string
}

func (e *NeedCodeError) Error() string {
	return fmt.Sprintf("profile %q needs an MFA code from the device %s", e.Profile, e.Serial)
}

// Is makes errors.Is(err, common.ErrMFACodeNeeded) true, as for the self-service screens.
func (e *NeedCodeError) Is(target error) bool { return target == common.ErrMFACodeNeeded }

type codeKey struct{}

// WithCode returns ctx carrying the MFA code the user typed, for the engine calls made with it.
func WithCode(ctx context.Context, code string) context.Context {
	return context.WithValue(ctx, codeKey{}, code)
}

// Tokens is the engine's TokenSource inside the terminal UI.
type Tokens struct {
	Steps   *session.StepMemory // may be nil
	Now     func() time.Time
	Process session.TokenSource // runs mfa_process; never prompts
}

var _ session.TokenSource = (*Tokens)(nil)

// UseTokens makes e ask the UI for MFA codes: Tokens instead of the terminal prompter, and no retry loop
// (a rejected code comes back to the screen, which asks again).
func UseTokens(e *session.Engine) {
	now := e.Now
	if now == nil {
		now = time.Now
	}
	noTTY := func(string) (io.ReadWriteCloser, error) { return nil, errors.New("the terminal belongs to the UI") }
	e.Tokens = &Tokens{
		Steps:   e.Steps,
		Now:     now,
		Process: &session.Prompter{OpenTTY: noTTY, Steps: e.Steps, Now: now, Stderr: io.Discard},
	}
	e.Interactive = false
}

// Token returns the code carried by ctx, runs the profile's mfa_process, or asks for a code.
func (t *Tokens) Token(ctx context.Context, req session.TokenRequest) (string, error) {
	if req.MFAProcess != "" {
		return t.Process.Token(ctx, req)
	}
	code, _ := ctx.Value(codeKey{}).(string)
	switch {
	case code == "":
		return "", &NeedCodeError{Profile: req.Profile, Serial: req.Serial}
	case req.Attempt > 1:
		return "", fmt.Errorf("the MFA code was rejected: %s", strings.TrimRight(req.Rejected, "."))
	case t.Steps != nil && t.Steps.JustUsed(req.Serial, code, t.Now()):
		return "", common.ErrMFACodeJustUsed
	}
	return code, nil
}
