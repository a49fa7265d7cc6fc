package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session"
)

// profileFiles are what the key commands work on: the AWS config and credentials files and the keyring.
// Opening them resolves no AWS settings and calls no AWS API.
type profileFiles struct {
	config    *session.Config
	creds     *session.Credentials
	store     *session.Store
	configErr error // why the config file was taken as empty (strict false)
}

// openProfileFiles opens the keyring and reads both files. With strict false, a file that cannot be read
// counts as empty: storing or removing a key must not wait until the config file is fixed.
func (a *app) openProfileFiles(strict bool) (*profileFiles, error) {
	env := session.Env(a.env)
	cfg, configErr := session.LoadConfig(session.ConfigPath(env))
	if configErr != nil && (strict || cfg == nil) {
		return nil, configErr
	} else if configErr != nil {
		a.debugLog.Printf("ignoring the config file: %v", configErr)
		cfg = &session.Config{Path: cfg.Path}
	}
	creds, err := session.LoadCredentials(session.CredentialsPath(env))
	if err != nil && (strict || creds == nil) {
		return nil, err
	} else if err != nil {
		a.debugLog.Printf("ignoring the credentials file: %v", err)
		creds = &session.Credentials{Path: creds.Path}
	}
	cfg.AddCredentialsProfiles(creds)
	store, err := session.OpenStore(session.StoreOptions{Env: env, Debug: a.debugLog.Printf, SplitSessions: true})
	if err != nil {
		return nil, err
	}
	return &profileFiles{config: cfg, creds: creds, store: store, configErr: configErr}, nil
}

// keyProfileArg is the PROFILE argument of add, remove and import (and --profile, if given, must agree).
func (a *app) keyProfileArg(cmd *cobra.Command, args []string) (string, error) {
	profile, err := a.profileArg(cmd, args)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(profile) == "" || strings.ContainsFunc(profile, unicode.IsControl) {
		return "", usagef("the profile name %q is empty or holds control characters; name a profile of your AWS config", profile)
	}
	if n := utf8.RuneCountInString(profile); n > maxProfileName {
		return "", usagef("the profile name is %d characters long; name a profile of your AWS config (at most %d characters)", n, maxProfileName)
	}
	return profile, nil
}

// maxProfileName bounds the profile names kagi keeps keys and sessions for: keyring item names hold them, and
// keyrings limit names (keyctl descriptions to 4 KB, file names to 255 bytes), failing with errors that blame
// the keyring instead of the name.
const maxProfileName = 128

// clearSessions removes the cached sessions made with profile's key: its own and those of the roles it is
// the source of.
func (pf *profileFiles) clearSessions(profile string) int {
	n, _ := pf.store.RemoveSessions(session.Dependents(pf.config, profile))
	return n
}

func newAddCmd(a *app) *cobra.Command {
	var fromEnv, replace bool
	cmd := &cobra.Command{
		Use:   "add PROFILE",
		Short: "Store a long-term access key for PROFILE in the keyring",
		Long: `Store the long-term access key (AKIA…) that PROFILE's role sessions start from in the keyring.
kagi asks for the access key ID and the secret on the terminal (the secret is not echoed); with --env
it takes AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment instead.

  kagi add dev
  AWS_ACCESS_KEY_ID=AKIA… AWS_SECRET_ACCESS_KEY=… kagi add dev --env

A key already in ~/.aws/credentials is moved with 'kagi import PROFILE' instead.`,
		GroupID: "keys",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, err := a.keyProfileArg(cmd, args)
			if err != nil {
				return err
			}
			pf, err := a.openProfileFiles(false)
			if err != nil {
				return err
			}
			if p, err := pf.config.Profile(profile); err == nil && p.RoleARN != "" && p.SourceProfile != "" && p.SourceProfile != profile {
				return fmt.Errorf("profile %s is a role profile (role_arn) that starts from profile %s; add the key to %s: 'kagi add %s'", profile, p.SourceProfile, p.SourceProfile, p.SourceProfile)
			}
			had, err := pf.store.HasKey(profile)
			if err != nil {
				return err
			}
			if had && !replace {
				return fmt.Errorf("profile %s already has an access key in the keyring; pass --replace to overwrite it, or 'kagi remove %s' first", profile, profile)
			}
			key, err := a.readNewKey(cmd.Context(), profile, fromEnv)
			if err != nil {
				return err
			}
			if err := session.CheckLongTermKey(key); err != nil {
				return err
			}
			if err := pf.store.PutKeyVerified(profile, key); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Added access key %s for profile %s (keyring: %s).\n", session.MaskKeyID(key.AccessKeyID), profile, pf.store.Backend())
			if pf.store.Volatile() {
				fmt.Fprintf(a.stderr, "Note: %s.\n", session.VolatileNote)
			}
			if had {
				if n := pf.clearSessions(profile); n > 0 {
					fmt.Fprintf(a.stderr, "Removed %s made with the old key.\n", plural(n, "cached session"))
				}
			}
			if pf.configErr != nil {
				fmt.Fprintf(a.stderr, "Note: %s\n", pf.configErr)
			} else if _, err := pf.config.Profile(profile); errors.Is(err, session.ErrUnknownProfile) {
				fmt.Fprintf(a.stderr, "Profile %s is not in %s yet; add [profile %s] with mfa_serial, and role profiles with source_profile = %s.\n", profile, pf.config.Path, profile, profile)
			} else if _, plain := pf.creds.Key(profile); plain {
				fmt.Fprintf(a.stderr, "%s still holds a key for %s in plaintext; kagi uses the keyring's now, so delete aws_access_key_id and aws_secret_access_key from [%s] there.\n", pf.creds.Path, profile, profile)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&fromEnv, "env", false, "take the key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking")
	cmd.Flags().BoolVar(&replace, "replace", false, "overwrite a key the keyring already holds for PROFILE")
	return cmd
}

// readNewKey takes the key from the environment (--env) or asks for it on the terminal.
func (a *app) readNewKey(ctx context.Context, profile string, fromEnv bool) (session.LongTermKey, error) {
	if fromEnv {
		k := session.LongTermKey{AccessKeyID: strings.TrimSpace(a.env("AWS_ACCESS_KEY_ID")), SecretAccessKey: strings.TrimSpace(a.env("AWS_SECRET_ACCESS_KEY"))}
		if k.AccessKeyID == "" || k.SecretAccessKey == "" {
			return k, errors.New("--env needs both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; set them, or leave out --env to type the key")
		}
		return k, nil
	}
	t, err := openTerminal(ctx)
	if err != nil {
		return session.LongTermKey{}, fmt.Errorf("no terminal to type the key into; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and run 'kagi add %s --env'", profile)
	}
	defer t.Close()
	var k session.LongTermKey
	_ = t.say(fmt.Sprintf("Access key for profile %s (an IAM user's long-term key, AKIA…).\n", profile))
	if k.AccessKeyID, err = t.ask(ctx, "Access key ID: "); err != nil {
		return k, err
	}
	if err := session.CheckLongTermKey(session.LongTermKey{AccessKeyID: k.AccessKeyID, SecretAccessKey: strings.Repeat("x", 40)}); err != nil {
		return k, err // before asking for the secret
	}
	k.SecretAccessKey, err = t.askSecret(ctx, "Secret access key: ")
	return k, err
}

func newRemoveCmd(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "remove PROFILE",
		Short: "Delete PROFILE's long-term access key and cached sessions from the keyring",
		Long: `Delete PROFILE's long-term access key from the keyring, with the cached sessions made with it (its
own and those of the role profiles it is the source of). kagi asks first, unless --yes is given.
The key stays valid in AWS: deactivate or delete it in IAM if it is no longer needed.`,
		GroupID: "keys",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, err := a.keyProfileArg(cmd, args)
			if err != nil {
				return err
			}
			pf, err := a.openProfileFiles(false)
			if err != nil {
				return err
			}
			id := "of"
			key, err := pf.store.Key(profile)
			switch {
			case errors.Is(err, session.ErrNotFound):
				return fmt.Errorf("profile %s has no key in the keyring; run 'kagi list' to see where its key is", profile)
			case err == nil:
				id = session.MaskKeyID(key.AccessKeyID) + " of"
			default: // unreadable: it can still be removed
				if has, herr := pf.store.HasKey(profile); herr != nil || !has {
					return err
				}
				id = "(unreadable) of"
			}
			if !yes {
				t, err := openTerminal(cmd.Context())
				if err != nil {
					return fmt.Errorf("no terminal to confirm on; run 'kagi remove %s --yes' to remove the key without asking", profile)
				}
				ok, err := t.confirm(cmd.Context(), fmt.Sprintf("Remove the access key %s profile %s from the keyring?", id, profile))
				t.Close()
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("kept the access key of profile %s, as you did not answer y; answer y (or pass --yes) to remove it", profile)
				}
			}
			if err := pf.store.RemoveKey(profile); err != nil && !errors.Is(err, session.ErrNotFound) {
				return err
			}
			n := pf.clearSessions(profile)
			fmt.Fprintf(a.stderr, "Removed the access key %s profile %s from the keyring (%s), and %s.\n", id, profile, pf.store.Backend(), plural(n, "cached session"))
			if _, plain := pf.creds.Key(profile); plain {
				fmt.Fprintf(a.stderr, "%s still holds a key for %s in plaintext, which kagi uses now.\n", pf.creds.Path, profile)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
	return cmd
}

func newImportCmd(a *app) *cobra.Command {
	var replace, volatile bool
	cmd := &cobra.Command{
		Use:   "import PROFILE",
		Short: "Move PROFILE's access key from ~/.aws/credentials into the keyring",
		Long: `Move the long-term access key of [PROFILE] from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
else ~/.aws/credentials) into the keyring. kagi stores the key, reads it back, and only then deletes
aws_access_key_id and aws_secret_access_key from [PROFILE]. Every other line stays as it was, the file
is replaced atomically, and no copy of the plaintext key is left behind.

The keyctl keyring (the default on Linux without a D-Bus session) forgets keys at reboot, so kagi does not
move a key there unless --volatile says you keep a copy elsewhere.`,
		GroupID: "keys",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, err := a.keyProfileArg(cmd, args)
			if err != nil {
				return err
			}
			pf, err := a.openProfileFiles(false)
			if err != nil {
				return err
			}
			res, err := session.ImportKey(pf.store, pf.creds.Path, profile, session.ImportOptions{Replace: replace, Volatile: volatile})
			if err != nil {
				return err
			}
			if res.AlreadyStored {
				fmt.Fprintf(a.stderr, "The keyring (%s) already held access key %s of profile %s; deleted it from %s.\n", pf.store.Backend(), session.MaskKeyID(res.AccessKeyID), profile, res.From)
			} else {
				fmt.Fprintf(a.stderr, "Moved access key %s of profile %s from %s to the keyring (%s).\n", session.MaskKeyID(res.AccessKeyID), profile, res.From, pf.store.Backend())
			}
			if res.Replaced {
				if n := pf.clearSessions(profile); n > 0 {
					fmt.Fprintf(a.stderr, "Removed %s made with the replaced key.\n", plural(n, "cached session"))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "overwrite a different key the keyring already holds for PROFILE")
	cmd.Flags().BoolVar(&volatile, "volatile", false, "move the key even into the keyctl keyring, which forgets it at reboot")
	return cmd
}

// plural is "1 cached session", "2 cached sessions".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
