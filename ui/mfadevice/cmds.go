package mfadevice

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/credentials"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// Messages: each command returns exactly one of these.
type (
	// devicesMsg: the IAM user, its MFA devices and the device kagi uses for the profile.
	devicesMsg struct {
		user    string
		devices []awsx.MFADevice
		known   session.KnownDevice
		err     error
	}
	// resyncedMsg reports the end of a ResyncMFADevice call.
	resyncedMsg struct {
		serial string
		err    error
	}
	// removedMsg reports the end of session.RemoveMFADevice.
	removedMsg struct {
		serial string
		res    *session.MFARemoval
		err    error
	}
)

// target is what every command needs to reach AWS as the user: copied out of the context when the command is
// made, so that the command's goroutine never reads the model or the shared context.
type target struct {
	engine  *session.Engine
	profile string
	aws     awsx.Config
}

func targetOf(c *common.Context) target {
	return target{engine: c.Engine, profile: c.Profile, aws: c.AWS}
}

// longTermIAM signs with the profile's long-term key. Listing devices and resynchronizing one are allowed
// before MFA under the forced-MFA policy, and a device whose codes drifted cannot open an MFA session anyway.
func (t target) longTermIAM() (awsx.Config, error) {
	source, key, _, err := t.engine.StoredKey(t.profile)
	if err != nil {
		return awsx.Config{}, err
	}
	return t.aws.WithCredentials(credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""), "profile "+source), nil
}

// loadDevices asks who the profile's IAM user is (GetCallerIdentity, GetUser, ListMFADevices) and which device
// kagi uses for it.
func loadDevices(t target) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		known, err := t.engine.KnownDevice(t.profile)
		if err != nil {
			return devicesMsg{err: err}
		}
		cfg, err := t.longTermIAM()
		if err != nil {
			return devicesMsg{err: err}
		}
		id, err := awsx.WhoAmI(ctx, cfg.STS(), cfg.IAM())
		if err != nil {
			return devicesMsg{err: err}
		}
		if id.UserName == "" {
			return devicesMsg{err: fmt.Errorf("the key of profile %s belongs to %s, not to an IAM user; MFA devices are managed for IAM users", known.Source, id.ARN)}
		}
		return devicesMsg{user: id.UserName, devices: id.MFADevices, known: known}
	}
}

// resync brings AWS's idea of the device's clock back in line with two consecutive codes.
func resync(t target, user, serial, code1, code2 string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		cfg, err := t.longTermIAM()
		if err == nil {
			err = awsx.Resync(ctx, cfg.IAM(), user, serial, code1, code2)
		}
		return resyncedMsg{serial: serial, err: err}
	}
}

// remove deactivates and deletes the device with engine (common.QuietEngine: where the MFA session needs a
// code it fails with common.ErrMFACodeNeeded, and the screen asks for one), then forgets it as the CLI does.
func remove(engine *session.Engine, cfg awsx.Config, profile, user, serial string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		res, err := engine.RemoveMFADevice(ctx, cfg, profile, user, serial)
		return removedMsg{serial: serial, res: res, err: err}
	}
}

func msgCmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
