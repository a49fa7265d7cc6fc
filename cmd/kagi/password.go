package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

const passwordTries = 3

func newPasswordCmd(a *app) *cobra.Command {
	var (
		generate bool
		f        sessionFlags
	)
	cmd := &cobra.Command{
		Use:   "password",
		Short: "Change your console password against the account's password policy",
		Long: `Change the console password of your IAM user. kagi reads the account's password policy, checks the new
password against each rule as you enter it, and asks for it twice. With --generate it makes a random
password that meets the policy and shows it once, after the change succeeded. Under a forced-MFA policy
this needs an MFA session: kagi asks for a code if it has none cached.`,
		GroupID: "selfservice",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			eng, err := a.engine(&f)
			if err != nil {
				return err
			}
			t, err := openTerminal(ctx)
			if err != nil {
				return errors.New("no terminal to type the password on; run 'kagi password' in a terminal")
			}
			defer t.Close()
			ss, err := eng.SelfService(ctx, a.selfProfile())
			if errors.Is(err, session.ErrAborted) {
				return errAborted
			} else if err != nil {
				return err
			}
			cfg, err := a.awsConfig()
			if err != nil {
				return err
			}
			iamc := cfg.WithCredentials(ss.Creds, "self-service").IAM()
			policy, err := awsx.GetPasswordPolicy(ctx, iamc)
			switch {
			case err != nil && !ss.MFA && awsx.Classify(err) == awsx.ClassAccessDenied:
				return fmt.Errorf("reading the password policy was denied without MFA; your account probably requires MFA first, so run 'kagi mfa register'")
			case err != nil && awsx.Classify(err) == awsx.ClassAccessDenied:
				_ = t.say("The password policy could not be read (access denied); AWS checks it when the password changes.\n")
				policy = awsx.PasswordPolicy{}
			case err != nil:
				return err
			default:
				_ = t.say(describePolicy(policy) + "\n")
			}
			old, err := t.askPassword(ctx, "Current password: ")
			if err != nil {
				return err
			}
			var pw string
			if generate {
				pw, err = awsx.GeneratePassword(policy)
			} else {
				pw, err = askNewPassword(ctx, t, policy, old)
			}
			if err != nil {
				return err
			}
			if err := awsx.ChangePassword(ctx, iamc, old, pw); err != nil {
				if !ss.MFA && awsx.Classify(err) == awsx.ClassAccessDenied {
					return fmt.Errorf("changing the password was denied without MFA; your account probably requires MFA first, so run 'kagi mfa register'")
				}
				return plainSentence(err)
			}
			if generate {
				_ = t.say("Your new password, shown only this once; store it now:\n\n    " + pw + "\n\n")
			}
			expiry := ""
			if policy.MaxAge > 0 {
				expiry = fmt.Sprintf(" It expires in %d days.", policy.MaxAge)
			}
			_, err = fmt.Fprintf(a.stderr, "Changed the console password of profile %s's user.%s\n", ss.Profile, expiry)
			return err
		},
	}
	cmd.Flags().BoolVar(&generate, "generate", false, "generate a random password that meets the policy and show it once")
	f.register(cmd)
	return cmd
}

// askNewPassword asks for the new password until it meets every rule and is typed the same twice.
func askNewPassword(ctx context.Context, t *terminal, policy awsx.PasswordPolicy, old string) (string, error) {
	for try := 0; try < passwordTries; try++ {
		pw, err := t.askPassword(ctx, "New password: ")
		if err != nil {
			return "", err
		}
		rules := awsx.CheckPassword(policy, pw)
		var b strings.Builder
		for _, r := range rules {
			mark := "✗"
			if r.OK {
				mark = "✓"
			}
			fmt.Fprintf(&b, "  %s %s\n", mark, r.Name)
		}
		_ = t.say(b.String())
		switch again := ""; {
		case !awsx.PasswordOK(rules):
			_ = t.say("That password does not meet the policy; try another.\n")
		case pw == old:
			_ = t.say("That is your current password; choose a new one.\n")
		default:
			if again, err = t.askPassword(ctx, "Repeat the new password: "); err != nil {
				return "", err
			}
			if again == pw {
				return pw, nil
			}
			_ = t.say("The two passwords differ; enter the new one again.\n")
		}
	}
	return "", fmt.Errorf("no acceptable new password after %d tries; your password is unchanged", passwordTries)
}

// describePolicy is the password policy in one sentence.
func describePolicy(p awsx.PasswordPolicy) string {
	if !p.Present {
		return fmt.Sprintf("The account sets no password policy: IAM asks for at least %d characters and three of uppercase, lowercase, numbers and symbols.", awsx.DefaultMinPasswordLength)
	}
	var need []string
	for _, c := range []struct {
		on   bool
		name string
	}{{p.RequireUpper, "an uppercase letter"}, {p.RequireLower, "a lowercase letter"}, {p.RequireNumbers, "a number"}, {p.RequireSymbols, "a symbol"}} {
		if c.on {
			need = append(need, c.name)
		}
	}
	s := fmt.Sprintf("Password policy: at least %d characters", p.MinimumLength())
	if len(need) > 0 {
		s += " with " + strings.Join(need, ", ")
	}
	if p.ReusePrevention > 0 {
		s += fmt.Sprintf("; your last %d passwords cannot be reused", p.ReusePrevention)
	}
	return s + "."
}

// The plumbing the self-service commands (password, mfa) share.

// selfProfile is the profile whose IAM user the self-service commands act for.
func (a *app) selfProfile() string {
	for _, p := range []string{a.settings.Profile, a.env("AWS_PROFILE")} {
		if p != "" {
			return p
		}
	}
	return "default"
}

// selfKey is the IAM user behind a profile, signed with its long-term key: enough for the calls the forced-MFA
// policy allows before MFA (onboarding, resync, listing devices), and asking for no MFA code.
type selfKey struct {
	source     string      // the source profile holding the key
	serial     string      // the MFA device from mfa_serial or recorded by kagi; "" if none
	fromConfig bool        // serial comes from mfa_serial in the config file
	cfg        awsx.Config // signed with the long-term key
}

// selfKeyOf mirrors the engine's lookup (keyring, then the credentials file) without starting an MFA session.
func (a *app) selfKeyOf(eng *session.Engine, profile string) (*selfKey, error) {
	chain, err := eng.Config.Chain(profile)
	if err != nil {
		return nil, err
	}
	sk := &selfKey{source: chain[len(chain)-1].Name}
	for i := len(chain) - 1; i >= 0 && sk.serial == ""; i-- {
		sk.serial = chain[i].MFASerial
	}
	if sk.fromConfig = sk.serial != ""; !sk.fromConfig {
		sk.serial = eng.RecordedSerial(sk.source)
	}
	key, err := eng.Store.Key(sk.source)
	if errors.Is(err, session.ErrNotFound) {
		var ok bool
		if eng.Creds != nil {
			key, ok = eng.Creds.Key(sk.source)
		}
		if !ok {
			return nil, fmt.Errorf("profile %q has no access key in the keyring or the credentials file; add one with 'kagi add %s'", sk.source, sk.source)
		}
	} else if err != nil {
		return nil, err
	}
	if sk.cfg, err = a.awsConfig(); err != nil {
		return nil, err
	}
	sk.cfg = sk.cfg.WithCredentials(credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""), "profile "+sk.source)
	return sk, nil
}

// user asks who the key belongs to; self-service is for IAM users only.
func (sk *selfKey) user(ctx context.Context) (*awsx.Identity, error) {
	id, err := awsx.WhoAmI(ctx, sk.cfg.STS(), sk.cfg.IAM())
	if err != nil {
		return nil, err
	}
	if id.UserName == "" {
		return nil, fmt.Errorf("the key of profile %s belongs to %s, not an IAM user; MFA and password self-service are for IAM users", sk.source, id.ARN)
	}
	return id, nil
}

// userSentence is err as the one sentence run would print.
func userSentence(err error) string { return message(plainSentence(err)) }

// plainSentence turns awsx's typed self-service errors into plain ones, so that their own sentence is shown
// instead of the generic one for the AWS error they wrap.
func plainSentence(err error) error {
	var (
		ce *awsx.CodesError
		pe *awsx.PasswordError
		le *awsx.LeftoverError
		ae *awsx.AlreadyEnrolledError
	)
	switch {
	case errors.As(err, &ce):
		return errors.New(ce.Error())
	case errors.As(err, &pe):
		return errors.New(pe.Error())
	case errors.As(err, &le):
		return errors.New(le.Error())
	case errors.As(err, &ae):
		return fmt.Errorf("user %s already has MFA device %s; use 'kagi mfa remove' first", ae.User, ae.Serial)
	}
	return err
}

// selfUser opens the engine and identifies the profile's IAM user with its long-term key.
func (a *app) selfUser(ctx context.Context, f *sessionFlags) (*session.Engine, *selfKey, *awsx.Identity, error) {
	eng, err := a.engine(f)
	if err != nil {
		return nil, nil, nil, err
	}
	sk, err := a.selfKeyOf(eng, a.selfProfile())
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := sk.user(ctx)
	return eng, sk, id, err
}
