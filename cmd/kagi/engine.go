package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session"
)

// sessionFlags are the flags of every command that obtains role credentials.
type sessionFlags struct {
	mfaToken        string
	window          time.Duration
	sessionDuration time.Duration
}

func (f *sessionFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.mfaToken, "mfa-token", "", "MFA code to use instead of prompting")
	fs.DurationVar(&f.window, "window", 15*time.Minute, "never use cached credentials with less than this left")
	fs.DurationVar(&f.sessionDuration, "session-duration", session.DefaultSessionDuration, "lifetime of the MFA session (GetSessionToken), 15m to 36h")
}

func (f *sessionFlags) validate() error {
	if f.window < 0 || f.window > 12*time.Hour {
		return usagef("--window %s must be between 0 and 12h", f.window)
	}
	if f.sessionDuration < 15*time.Minute || f.sessionDuration > 36*time.Hour {
		return usagef("--session-duration %s must be between 15m and 36h", f.sessionDuration)
	}
	if f.mfaToken != "" && (len(f.mfaToken) != 6 || !allDigits(f.mfaToken)) {
		return usagef("--mfa-token must be the 6-digit code your authenticator shows")
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// profileArg picks the profile from the positional argument or --profile; both must agree.
func (a *app) profileArg(cmd *cobra.Command, args []string) (string, error) {
	switch {
	case len(args) == 1 && a.settings.Profile != "" && a.settings.Profile != args[0]:
		return "", usagef("profile given twice (%q and --profile %q); give it once", args[0], a.settings.Profile)
	case len(args) == 1:
		return args[0], nil
	case a.settings.Profile != "":
		return a.settings.Profile, nil
	case a.env("AWS_PROFILE") != "":
		return a.env("AWS_PROFILE"), nil
	}
	return "", usagef("name the profile, e.g. '%s admin'", cmd.CommandPath())
}

// engine opens the credential engine: AWS config, credentials file, keyring, MFA prompter.
func (a *app) engine(f *sessionFlags) (*session.Engine, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	cfg, err := a.awsConfig()
	if err != nil {
		return nil, err
	}
	return session.Open(session.Options{
		Env: session.Env(a.env), AWS: cfg, MFAToken: f.mfaToken, Window: f.window, SessionDuration: f.sessionDuration,
	})
}

// credentials runs the engine for one profile.
func (a *app) credentials(ctx context.Context, f *sessionFlags, profile string) (*session.Engine, *session.Result, error) {
	eng, err := a.engine(f)
	if err != nil {
		return nil, nil, err
	}
	res, err := eng.Credentials(ctx, profile)
	if errors.Is(err, session.ErrAborted) {
		return nil, nil, errAborted
	}
	return eng, res, err
}

// errAborted: the user cancelled a prompt (exit 130).
var errAborted = errors.New("aborted")
