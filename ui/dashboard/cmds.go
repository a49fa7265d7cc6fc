package dashboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
	"github.com/kagi-cli/kagi/ui/common"
)

// identityMsg: who the profile's user is, with its MFA devices (STS GetCallerIdentity, IAM GetUser and
// ListMFADevices — all three allowed before MFA under the forced-MFA policy).
type identityMsg struct {
	id  *awsx.Identity
	mfa bool // the calls were signed with an MFA session
	err error
}

// localMsg: what kagi knows without calling AWS (config file, keyring item names, recorded device).
type localMsg struct {
	info localInfo
	err  error
}

// localInfo is the offline half of the dashboard.
type localInfo struct {
	Source      string        // the source profile whose key c.Profile uses
	Key         string        // where that key lives (session.KeyIn*)
	Serial      string        // the MFA device kagi uses for it (mfa_serial or recorded), "" if none
	SessionLeft time.Duration // of the cached MFA session; 0: none
	Roles       []roleInfo
	Plaintext   *awsx.Check // session.PlaintextKeysCheck; nil without a credentials file
}

type roleInfo struct {
	Profile string
	Left    time.Duration // of the cached role session; 0: none
}

// loadIdentity asks AWS who the user is. With an MFA session cached (or no MFA device known) it signs with
// the self-service credentials; when a new session would be needed, with the long-term key instead — the three
// calls are allowed without MFA, and the dashboard never asks for a code nor runs mfa_process.
func loadIdentity(c *common.Context) tea.Cmd {
	e, profile, cfg := c.Engine, c.Profile, c.AWS
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.CallTimeout)
		defer cancel()
		var creds aws.CredentialsProvider
		mfa := false
		if !common.MFASessionNeeded(c) {
			ss, err := e.SelfService(ctx, profile)
			switch {
			case err == nil:
				creds, mfa = ss.Creds, ss.MFA
			case !errors.Is(err, common.ErrMFACodeNeeded):
				return identityMsg{err: err}
			}
		}
		if creds == nil {
			key, err := longTermKey(e, profile)
			if err != nil {
				return identityMsg{err: err}
			}
			creds = credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, "")
		}
		signed := cfg.WithCredentials(creds, "self-service")
		id, err := awsx.WhoAmI(ctx, signed.STS(), signed.IAM())
		return identityMsg{id: id, mfa: mfa, err: err}
	}
}

// longTermKey is the source profile's key: the keyring, else the credentials file (as the engine looks).
func longTermKey(e *session.Engine, profile string) (session.LongTermKey, error) {
	chain, err := e.Config.Chain(profile)
	if err != nil {
		return session.LongTermKey{}, err
	}
	source := chain[len(chain)-1].Name
	k, err := e.Store.Key(source)
	if errors.Is(err, session.ErrNotFound) && e.Creds != nil {
		if k, ok := e.Creds.Key(source); ok {
			return k, nil
		}
		return k, fmt.Errorf("profile %q has no access key in the keyring or the credentials file; add one with 'kagi add %s'", source, source)
	}
	return k, err
}

// loadLocal reads the config, the keyring's item names and the recorded device: no secret, no network.
func loadLocal(c *common.Context) tea.Cmd {
	e, profile, now := c.Engine, c.Profile, c.Clock()
	return func() tea.Msg {
		l, err := session.List(e.Config, e.Creds, e.Store, now)
		if err != nil {
			return localMsg{err: err}
		}
		chain, err := e.Config.Chain(profile)
		if err != nil {
			return localMsg{err: err}
		}
		info := localInfo{Source: chain[len(chain)-1].Name}
		for i := len(chain) - 1; i >= 0 && info.Serial == ""; i-- {
			info.Serial = chain[i].MFASerial
		}
		if info.Serial == "" {
			info.Serial = e.RecordedSerial(info.Source)
		}
		for _, p := range l.Profiles {
			switch {
			case p.Name == info.Source:
				info.Key, info.SessionLeft = p.Key, newest(p.Sessions, warm.KindSession)
			case p.Kind == session.KindRole:
				info.Roles = append(info.Roles, roleInfo{Profile: p.Name, Left: newest(p.Sessions, warm.KindRole)})
			}
		}
		if e.Creds != nil {
			check := session.VolatileImportNote(session.PlaintextKeysCheck(e.Creds, nil), e.Store)
			info.Plaintext = &check
		}
		return localMsg{info: info}
	}
}

// newest is the time left of the longest-lived cached session of kind.
func newest(sessions []session.CachedSession, kind string) time.Duration {
	var left time.Duration
	for _, s := range sessions {
		if s.Kind == kind {
			left = max(left, time.Duration(s.SecondsLeft)*time.Second)
		}
	}
	return left
}
