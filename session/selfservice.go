package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/session/warm"
)

// SelfService is what an IAM user's own calls (MFA set-up, password, keys, Git credentials) sign with.
type SelfService struct {
	Profile string                  // the source profile: the IAM user's long-term key
	Serial  string                  // the user's MFA device, "" before onboarding
	Creds   aws.CredentialsProvider // an MFA session when Serial is set, else the long-term key
	MFA     bool                    // Creds carry MFA (needed under a forced-MFA policy)
	Session warm.Entry              // the MFA session (zero without MFA)
}

// SelfService returns credentials for the IAM user behind profile (a role profile means its source). With an
// MFA device (mfa_serial in the config, or the device kagi recorded at onboarding) they come from the cached
// MFA session, asking for a code if there is none; without one, the long-term key — which under a forced-MFA
// policy may only set up MFA.
func (e *Engine) SelfService(ctx context.Context, profile string) (*SelfService, error) {
	chain, err := e.Config.Chain(profile)
	if err != nil {
		return nil, err
	}
	source := chain[len(chain)-1]
	serial, mfaProcess := mfaSettings(chain)
	if serial == "" {
		serial = e.RecordedSerial(source.Name)
	}
	key, err := e.longTermKey(source.Name)
	if err != nil {
		return nil, err
	}
	out := &SelfService{Profile: source.Name, Serial: serial}
	if serial == "" {
		out.Creds = staticProvider(key.AccessKeyID, key.SecretAccessKey, "")
		return out, nil
	}
	entry, ok, err := e.cached(source)
	if err != nil {
		return nil, err
	}
	if !ok {
		unlock, err := LockSource(ctx, e.Dirs.Locks, source.Name)
		if err != nil {
			return nil, fmt.Errorf("wait for another kagi using profile %q: %w", source.Name, err)
		}
		defer unlock()
		if entry, ok, err = e.cached(source); err != nil {
			return nil, err
		}
		if !ok {
			if entry, err = e.getSessionToken(ctx, source, source.Name, key, serial, mfaProcess); err != nil {
				return nil, err
			}
		}
	}
	out.Creds, out.MFA, out.Session = staticProvider(entry.AccessKeyID, entry.SecretAccessKey, entry.SessionToken), true, entry
	return out, nil
}

// StartSession opens the MFA session of profile's source with a code the caller already has (onboarding asks
// for one more code right after enabling the device), caches it, and records serial as the source's device.
func (e *Engine) StartSession(ctx context.Context, profile, serial, code string) (warm.Entry, error) {
	chain, err := e.Config.Chain(profile)
	if err != nil {
		return warm.Entry{}, err
	}
	source := chain[len(chain)-1]
	key, err := e.longTermKey(source.Name)
	if err != nil {
		return warm.Entry{}, err
	}
	if err := e.RecordSerial(source.Name, serial); err != nil {
		return warm.Entry{}, err
	}
	d := e.SessionDuration
	if source.SessionDuration > 0 {
		d = source.SessionDuration
	}
	if d == 0 {
		d = DefaultSessionDuration
	}
	out, err := e.STS(staticProvider(key.AccessKeyID, key.SecretAccessKey, "")).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(int32(d.Seconds())), SerialNumber: aws.String(serial), TokenCode: aws.String(code),
	})
	if e.Steps != nil {
		_ = e.Steps.Used(serial, code, e.now())
	}
	if err != nil {
		return warm.Entry{}, fmt.Errorf("start an MFA session for profile %q: %w", source.Name, err)
	}
	entry, err := entryFrom(out.Credentials)
	if err != nil {
		return warm.Entry{}, err
	}
	return entry, e.store(source, entry)
}

// devicesFile records the MFA device kagi enabled for a source profile whose config has no mfa_serial.
// It holds serial numbers (ARNs), nothing secret.
const devicesFile = "mfa-devices.json"

// RecordedSerial returns the MFA device recorded for profile, "" if none.
func (e *Engine) RecordedSerial(profile string) string {
	e.devicesMu.Lock()
	defer e.devicesMu.Unlock()
	return e.readDevices()[profile]
}

// RecordSerial remembers serial as profile's MFA device ("" forgets it).
func (e *Engine) RecordSerial(profile, serial string) error {
	e.devicesMu.Lock()
	defer e.devicesMu.Unlock()
	devices := e.readDevices()
	if serial == "" {
		delete(devices, profile)
	} else {
		devices[profile] = serial
	}
	data, err := json.MarshalIndent(devices, "", "  ")
	if err != nil {
		return err
	}
	if err := ensureDir(e.Dirs.State); err != nil {
		return fmt.Errorf("record MFA device: %w", err)
	}
	return WriteFileAtomic(filepath.Join(e.Dirs.State, devicesFile), data, 0o600)
}

func (e *Engine) readDevices() map[string]string {
	devices := map[string]string{}
	data, err := os.ReadFile(filepath.Join(e.Dirs.State, devicesFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		e.Log.Printf("read %s: %v", devicesFile, err)
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &devices); err != nil {
			e.Log.Printf("%s is corrupt, ignoring it: %v", devicesFile, err)
			return map[string]string{}
		}
	}
	return devices
}
