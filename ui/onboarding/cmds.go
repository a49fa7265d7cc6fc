package onboarding

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// callTimeout bounds each step's AWS calls so a dead network ends in an inline error, not a frozen spinner.
const callTimeout = 30 * time.Second

// demoRefresh is how often the demo authenticator reads the current code.
const demoRefresh = time.Second

// Messages: each command returns exactly one of these.
type (
	enrolledMsg struct {
		enr  *awsx.Enrollment
		user string
		err  error
	}
	enabledMsg   struct{ err error }
	startedMsg   struct{ err error }
	cancelledMsg struct{ err error }
	demoCodeMsg  struct{ serial, code string }
)

// target is what every command needs to reach AWS as the user: copied out of the context when the command
// is made, so the command's goroutine never reads the model or the shared context.
type target struct {
	engine  *session.Engine
	profile string
	aws     awsx.Config
}

func targetOf(c *common.Context) target {
	return target{engine: c.Engine, profile: c.Profile, aws: c.AWS}
}

// selfService returns an AWS config signing with the user's self-service credentials (before MFA, the
// long-term key, which the forced-MFA policy lets set up MFA).
func (t target) selfService(ctx context.Context) (awsx.Config, *session.SelfService, error) {
	if t.engine == nil {
		return awsx.Config{}, nil, errors.New("internal error: the onboarding screen has no session engine")
	}
	ss, err := t.engine.SelfService(ctx, t.profile)
	if err != nil {
		return awsx.Config{}, nil, err
	}
	return t.aws.WithCredentials(ss.Creds, "self-service"), ss, nil
}

// createCmd finds the IAM user behind the profile and creates its virtual MFA device.
func createCmd(t target) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		cfg, _, err := t.selfService(ctx)
		if err != nil {
			return enrolledMsg{err: err}
		}
		iamc := cfg.IAM()
		id, err := awsx.WhoAmI(ctx, cfg.STS(), iamc)
		if err != nil {
			return enrolledMsg{err: err}
		}
		if id.UserName == "" {
			return enrolledMsg{err: fmt.Errorf("the key of profile %q belongs to %s, not to an IAM user; kagi sets up MFA for IAM users", t.profile, id.ARN)}
		}
		enr, err := awsx.BeginEnrollment(ctx, iamc, id.UserName, id.UserName)
		return enrolledMsg{enr: enr, user: id.UserName, err: err}
	}
}

// enableCmd assigns the device to the user with two consecutive codes.
func enableCmd(t target, user, serial, code1, code2 string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		cfg, ss, err := t.selfService(ctx)
		if err != nil {
			return enabledMsg{err: err}
		}
		if err := awsx.Enable(ctx, cfg.IAM(), user, serial, code1, code2); err != nil {
			return enabledMsg{err: err}
		}
		// Record the device now, not only when the session starts: if the user leaves before the third
		// code, kagi must still know the profile has MFA. StartSession records it again and reports a
		// failure to write, so one here is not worth failing an enabled device for.
		_ = t.engine.RecordSerial(ss.Profile, serial)
		return enabledMsg{}
	}
}

// startCmd opens the first MFA session with a third code; the engine caches it and records the device.
func startCmd(t target, serial, code string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		_, err := t.engine.StartSession(ctx, t.profile, serial, code)
		return startedMsg{err: err}
	}
}

// cancelCmd deletes the device that was created but not enabled. Before MFA the delete is denied and the
// result is an awsx.ErrLeftover error: harmless, the next attempt picks a new device name.
func cancelCmd(t target, serial string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		cfg, _, err := t.selfService(ctx)
		if err != nil {
			return cancelledMsg{err: err}
		}
		return cancelledMsg{err: awsx.CancelEnrollment(ctx, cfg.IAM(), serial)}
	}
}

// demoCodeCmd reads the demo authenticator's code for serial, now (after 0) or after a delay.
func demoCodeCmd(code func(string) string, serial string, after time.Duration) tea.Cmd {
	read := func() tea.Msg { return demoCodeMsg{serial: serial, code: code(serial)} }
	if after <= 0 {
		return read
	}
	return tea.Tick(after, func(time.Time) tea.Msg { return read() })
}

func msgCmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
