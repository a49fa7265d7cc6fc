package roles

import (
	"context"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
	"github.com/kagi-cli/kagi/ui/common"
)

// callTimeout bounds one engine call made from the UI (the STS calls of an assume).
const callTimeout = 2 * time.Minute

// row is one role profile and its cached role session.
type row struct {
	Profile string
	Role    string // the role's name, from role_arn
	Source  string
	Expires time.Time // of the cached role session; zero: none
	Left    time.Duration
	MFA     bool // kagi knows an MFA device for the chain (mfa_serial, or recorded at onboarding)
}

// rowsMsg: the role profiles were read (config file and keyring item names; no secret, no network).
type rowsMsg struct {
	rows []row
	err  error
}

// assumedMsg: engine.Credentials returned for profile. It carries no secret.
type assumedMsg struct {
	profile   string
	expires   time.Time
	fromCache bool
	err       error
}

// shellFailedMsg: the subshell could not be prepared.
type shellFailedMsg struct {
	profile string
	err     error
}

// loadRows lists the role profiles with the time left of each cached role session.
func loadRows(c *common.Context) tea.Cmd {
	e, now := c.Engine, c.Clock()
	return func() tea.Msg {
		l, err := session.List(e.Config, e.Creds, e.Store, now)
		if err != nil {
			return rowsMsg{err: err}
		}
		var rows []row
		for _, p := range l.Profiles {
			if p.Kind != session.KindRole {
				continue
			}
			r := row{Profile: p.Name, Role: roleName(p.RoleARN), Source: p.SourceProfile, MFA: hasMFADevice(e, p.Name)}
			for _, s := range p.Sessions {
				if s.Kind == warm.KindRole && s.Expires.After(r.Expires) {
					r.Expires, r.Left = s.Expires, time.Duration(s.SecondsLeft)*time.Second
				}
			}
			rows = append(rows, r)
		}
		return rowsMsg{rows: rows}
	}
}

// hasMFADevice: the chain of profile names an MFA device (the engine's choice: any mfa_serial in the chain,
// else the device recorded for the source).
func hasMFADevice(e *session.Engine, profile string) bool {
	chain, err := e.Config.Chain(profile)
	if err != nil {
		return true // let the engine report the broken config
	}
	for _, p := range chain {
		if p.MFASerial != "" {
			return true
		}
	}
	return e.RecordedSerial(chain[len(chain)-1].Name) != ""
}

// assume runs the engine for profile: cached when possible, otherwise the STS calls, with code when the
// user typed one (see common.Tokens).
func assume(c *common.Context, profile, code string) tea.Cmd {
	e := c.Engine
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if code != "" {
			ctx = common.WithMFACode(ctx, code)
		}
		res, err := e.Credentials(ctx, profile)
		if err != nil {
			return assumedMsg{profile: profile, err: err}
		}
		return assumedMsg{profile: profile, expires: res.Entry.Expires, fromCache: res.FromCache}
	}
}

// shell prepares a subshell with profile's role session, as 'kagi exec PROFILE' does, for the root to run.
func shell(c *common.Context, profile string) tea.Cmd {
	e := c.Engine
	region := e.Config.Region(profile, c.AWS.Region)
	endpoint := ""
	if c.Demo != nil {
		endpoint = c.Demo.EndpointURL
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		res, err := e.Credentials(ctx, profile)
		if err != nil {
			return shellFailedMsg{profile: profile, err: err}
		}
		vars := session.SessionVars(profile, region, res.Entry)
		if endpoint != "" { // the demo's credentials are only good on the demo endpoint
			vars["AWS_ENDPOINT_URL"] = endpoint
		}
		argv, env := session.Subshell(os.Getenv("SHELL"), profile, session.Environ(os.Environ(), vars), e.Dirs.State)
		return common.ExecMsg{Argv: argv, Env: env}
	}
}

// roleName is the last part of a role ARN ("arn:aws:iam::1:role/path/admin" → "admin").
func roleName(arn string) string {
	_, res, ok := strings.Cut(arn, ":role/")
	if !ok {
		return arn
	}
	return res[strings.LastIndex(res, "/")+1:]
}
