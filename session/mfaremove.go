package session

import (
	"context"
	"errors"

	"github.com/kagi-cli/kagi/awsx"
)

// KnownDevice is the MFA device kagi uses for a profile, read from the config and the recorded devices (no
// AWS call).
type KnownDevice struct {
	Source     string // the source profile: the IAM user's long-term key
	Serial     string // the device; "" when kagi knows none
	FromConfig bool   // Serial is an mfa_serial of the config (of the source or a role profile using it)
}

// KnownDevice returns the MFA device kagi uses for profile: an mfa_serial in its chain (the source's first),
// else the device kagi recorded for the source at onboarding.
func (e *Engine) KnownDevice(profile string) (KnownDevice, error) {
	chain, err := e.Config.Chain(profile)
	if err != nil {
		return KnownDevice{}, err
	}
	d := KnownDevice{Source: chain[len(chain)-1].Name}
	d.Serial, _ = mfaSettings(chain)
	if d.FromConfig = d.Serial != ""; !d.FromConfig {
		d.Serial = e.RecordedSerial(d.Source)
	}
	return d, nil
}

// MFARemoval is what RemoveMFADevice did.
type MFARemoval struct {
	Source   string // the source profile the device belonged to
	Sessions int    // cached sessions removed: the source's MFA session and the role sessions built on it
	// Leftover is the *awsx.LeftoverError of a device that was deactivated but whose deletion was denied (the
	// forced-MFA policy does not allow DeleteVirtualMFADevice): a warning, the device stays unassigned.
	Leftover error
	// FromConfig: an mfa_serial in the config names the device; the user must delete it, else kagi keeps
	// asking for codes of a device that no longer exists.
	FromConfig bool
}

// RemoveMFADevice deactivates and deletes serial, the MFA device of userName, the IAM user behind profile,
// and then forgets it (ForgetDevice). The calls sign with profile's MFA session, which the forced-MFA policy
// requires for DeactivateMFADevice; the engine's TokenSource is asked for a code if none is cached. When kagi
// knows no device for the profile, serial is recorded first so that the session is opened with it. cfg says
// where IAM calls go; its credentials are replaced by the MFA session.
func (e *Engine) RemoveMFADevice(ctx context.Context, cfg awsx.Config, profile, userName, serial string) (*MFARemoval, error) {
	known, err := e.KnownDevice(profile)
	if err != nil {
		return nil, err
	}
	if known.Serial == "" { // tell the engine which device to ask a code for
		if err := e.RecordSerial(known.Source, serial); err != nil {
			return nil, err
		}
	}
	ss, err := e.SelfService(ctx, profile)
	if err != nil {
		return nil, err
	}
	err = awsx.Remove(ctx, cfg.WithCredentials(ss.Creds, "MFA session").IAM(), userName, serial)
	if err != nil && !errors.Is(err, awsx.ErrLeftover) {
		return nil, err
	}
	n, _ := e.ForgetDevice(known.Source, serial) // the device is gone; a cache left behind expires on its own
	return &MFARemoval{Source: known.Source, Sessions: n, Leftover: err, FromConfig: known.FromConfig}, nil
}

// ForgetDevice is kagi's clean-up after serial, the MFA device of the source profile, was removed: the
// recorded device is forgotten if it is serial, and the cached MFA session of source and the role sessions of
// every profile using source are removed (they were opened with the removed device). It returns how many
// sessions it removed.
func (e *Engine) ForgetDevice(source, serial string) (int, error) {
	var errs []error
	if e.RecordedSerial(source) == serial {
		errs = append(errs, e.RecordSerial(source, ""))
	}
	n, err := e.Store.RemoveSessions(Dependents(e.Config, source))
	return n, errors.Join(append(errs, err)...)
}
