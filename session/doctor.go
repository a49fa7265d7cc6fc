package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session/warm"
)

// DoctorOptions configure RunDoctor. The embedded Options are Open's: Env, AWS (region, endpoints, debug
// log), MFAToken, SessionDuration and Store (nil: OpenStore from Env).
type DoctorOptions struct {
	Options
	Profile string      // whose self-service credentials sign the AWS checks ("" = "default")
	Tokens  TokenSource // nil: Open's prompter
	Now     func() time.Time
}

// RunDoctor runs kagi's health checks in a stable order: the keyring, plaintext keys, then the AWS checks
// (awsx.Doctor) signed with the profile's self-service credentials. Problems are checks, not errors: the
// error is only ErrAborted (the user cancelled an MFA prompt) or the context's.
func RunDoctor(ctx context.Context, opts DoctorOptions) ([]awsx.Check, error) {
	env := opts.Env
	if env == nil {
		env = func(string) string { return "" }
	}
	store, storeErr := opts.Store, error(nil)
	if store == nil {
		store, storeErr = OpenStore(StoreOptions{Env: env, Debug: opts.AWS.Debug.Printf, SplitSessions: true})
	}
	checks := []awsx.Check{KeyringCheck(store, storeErr)}
	creds, credsErr := LoadCredentials(CredentialsPath(env))
	checks = append(checks, VolatileImportNote(PlaintextKeysCheck(creds, credsErr), store))

	profile := opts.Profile
	if profile == "" {
		profile = "default"
	}
	if storeErr != nil {
		return append(checks, awsx.SkippedAWSChecks(fmt.Sprintf("The keyring could not be opened, so kagi cannot read the access key of profile %s.", profile),
			"Fix the keyring first (see above).")...), nil
	}
	o := opts.Options
	o.Env, o.Store = env, store
	eng, err := Open(o)
	if err != nil {
		return append(checks, awsx.SkippedAWSChecks(doctorSplitFix(err.Error(), ""))...), nil
	}
	if opts.Tokens != nil {
		eng.Tokens = opts.Tokens
	}
	if opts.Now != nil {
		eng.Now = opts.Now
	}
	ss, err := eng.SelfService(ctx, profile)
	switch {
	case errors.Is(err, ErrAborted):
		return nil, ErrAborted
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return append(checks, awsx.SkippedAWSChecks(doctorSplitFix(Explain(err), ""))...), nil
	}
	signer := fmt.Sprintf("profile %s's long-term key", ss.Profile)
	if ss.MFA {
		signer = fmt.Sprintf("profile %s's MFA session", ss.Profile)
	}
	cfg := opts.AWS.WithCredentials(ss.Creds, "self-service")
	checks = append(checks, awsx.Doctor(ctx, awsx.DoctorInput{
		IAM: cfg.IAM(), STS: cfg.STS(), Signer: signer, MFA: ss.MFA, Profile: ss.Profile, Now: opts.Now,
	})...)
	if ctx.Err() != nil {
		return nil, ctx.Err() // interrupted: the AWS checks say nothing
	}
	return checks, nil
}

// doctorProfile names the keyring item of the health check: a session item kagi owns whose name says it
// expired in 1970, so any kagi purges it should it ever be left behind.
const doctorProfile = "kagi-doctor"

// CheckHealth writes a harmless item to the keyring, reads it back and removes it.
func (s *Store) CheckHealth() error {
	name := warm.ItemName(warm.KindSession, doctorProfile, time.Unix(0, 0))
	data, err := warm.Entry{AccessKeyID: "KAGIDOCTOR", SecretAccessKey: "not-a-secret", Expires: time.Unix(0, 0)}.Encode()
	if err != nil {
		return err
	}
	if err := s.set(keyring.Item{Key: name, Data: data, Label: "kagi: health check", Description: "kagi doctor's test item (safe to delete)"}); err != nil {
		return fmt.Errorf("writing a test item failed: %w", err)
	}
	got, err := s.kr.Get(name)
	if err != nil {
		_ = s.remove(name)
		return fmt.Errorf("reading back a test item failed: %w", s.wrap(err))
	}
	if !bytes.Equal(got.Data, data) {
		_ = s.remove(name)
		return errors.New("the keyring returned different data than kagi stored in a test item")
	}
	if err := s.remove(name); err != nil {
		return fmt.Errorf("removing a test item failed: %w", err)
	}
	return nil
}

// KeyringCheck reports whether the keyring opened (openErr) and a test item round-trips.
func KeyringCheck(s *Store, openErr error) awsx.Check {
	c := awsx.Check{ID: "keyring", Title: "Keyring"}
	if openErr == nil && s == nil {
		openErr = errors.New("no keyring was opened")
	}
	if openErr != nil {
		c.Status = awsx.CheckFail
		c.Detail, c.Fix = doctorSplitFix(openErr.Error(), "Set KAGI_KEYRING_BACKEND to a backend that works here (file works everywhere).")
		return c
	}
	if err := s.CheckHealth(); err != nil {
		c.Status = awsx.CheckFail
		msg := strings.Replace(err.Error(), ": "+s.Backend()+" keyring: ", ": ", 1)
		c.Detail, c.Fix = doctorSplitFix("the "+s.Backend()+" keyring opened, but "+msg, "Set KAGI_KEYRING_BACKEND to a backend that works here (file works everywhere).")
		return c
	}
	c.Status, c.Detail = awsx.CheckOK, fmt.Sprintf("The %s keyring works: a test item was written, read back and removed.", s.Backend())
	if s.sess != nil {
		if err := s.sess.CheckHealth(); err != nil {
			c.Status = awsx.CheckWarn
			c.Detail += " The kernel keyring, where kagi caches sessions, failed a test item: " + doctorSentence(err)
			c.Fix = "Set KAGI_SESSION_CACHE=backend to cache sessions in the " + s.Backend() + " keyring instead."
			return c
		}
		c.Detail += " Cached sessions go to the kernel keyring (keyctl), which works too."
	}
	return c
}

// PlaintextKeysCheck warns about long-term keys in the shared credentials file, which `kagi import` moves to
// the keyring.
func PlaintextKeysCheck(c *Credentials, readErr error) awsx.Check {
	check := awsx.Check{ID: "plaintext-keys", Title: "Plaintext keys"}
	if readErr != nil {
		check.Status = awsx.CheckWarn
		check.Detail, check.Fix = doctorSentence(readErr), "Fix or remove the credentials file."
		return check
	}
	var plain []string
	for _, p := range c.Profiles() {
		if _, ok := c.Key(p); ok {
			plain = append(plain, p)
		}
	}
	switch len(plain) {
	case 0:
		check.Status, check.Detail = awsx.CheckOK, fmt.Sprintf("No long-term access keys in plaintext in %s.", c.Path)
	case 1:
		check.Status = awsx.CheckWarn
		check.Detail = fmt.Sprintf("%s holds the long-term access key of profile %s in plaintext.", c.Path, plain[0])
		check.Fix = fmt.Sprintf("Move it into the keyring with 'kagi import %s'.", plain[0])
	default:
		check.Status = awsx.CheckWarn
		check.Detail = fmt.Sprintf("%s holds the long-term access keys of profiles %s in plaintext.", c.Path, strings.Join(plain, ", "))
		check.Fix = fmt.Sprintf("Move them into the keyring with 'kagi import PROFILE' for each (%s).", strings.Join(plain, ", "))
	}
	return check
}

// VolatileImportNote adds to a plaintext-keys warning what 'kagi import' will say when store is volatile
// (keyctl): it moves the only copy of a key there only with --volatile.
func VolatileImportNote(check awsx.Check, store *Store) awsx.Check {
	if check.ID == "plaintext-keys" && check.Status == awsx.CheckWarn && check.Fix != "" && store != nil && store.Volatile() {
		check.Fix += " The keyctl keyring forgets keys at reboot: use a lasting one (KAGI_KEYRING_BACKEND=file), or keep a copy elsewhere and pass --volatile."
	}
	return check
}

// doctorSplitFix cuts "what happened; what to do" into a detail and a fix sentence; without "; " the fix is def.
func doctorSplitFix(msg, def string) (detail, fix string) {
	if d, f, ok := strings.Cut(msg, "; "); ok {
		return doctorSentence(errors.New(d)), doctorSentence(errors.New(f))
	}
	return doctorSentence(errors.New(msg)), def
}

// doctorSentence is err's text as one capitalised sentence ending in a period.
func doctorSentence(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	s = strings.TrimRight(s, ".;: ")
	if s == "" {
		return "An unexpected error occurred."
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + "."
}
