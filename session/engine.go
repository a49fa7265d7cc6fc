package session

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session/warm"
)

// Defaults of the credential chain.
const (
	DefaultSessionDuration = 12 * time.Hour // GetSessionToken with MFA, per source identity
	DefaultRoleDuration    = time.Hour      // AssumeRole, per role profile
	maxChainedRoleDuration = time.Hour      // AWS caps role chaining at one hour
	maxMFAAttempts         = 3
)

// Engine turns a profile name into short-lived credentials: cached when possible, otherwise long-term key →
// GetSessionToken with MFA → AssumeRole (→ AssumeRole when roles chain), with every step cached in the store.
type Engine struct {
	Config *Config
	Creds  *Credentials // ~/.aws/credentials; may be nil
	Store  *Store
	// STS builds an STS client signing with the given credentials (awsx.Config.WithCredentials(...).STS()).
	STS    func(creds aws.CredentialsProvider) awsx.STSAPI
	Tokens TokenSource
	Steps  *StepMemory // may be nil
	Dirs   Dirs
	Now    func() time.Time
	Log    *awsx.DebugLog

	Window          time.Duration // never hand out cached credentials with less than this left (default 15 min)
	SessionDuration time.Duration // GetSessionToken lifetime unless the profile sets kagi_session_duration
	RoleDuration    time.Duration // AssumeRole lifetime unless the profile sets duration_seconds
	Interactive     bool          // a person answers prompts: retry a rejected MFA code up to 3 times

	devicesMu sync.Mutex // guards the recorded MFA devices file
}

// Result is the outcome of Engine.Credentials.
type Result struct {
	Profile   string
	Source    string // the source profile whose long-term key started the chain
	Entry     warm.Entry
	FromCache bool
	Prompted  bool // an MFA code was asked for
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) window() time.Duration {
	if e.Window > 0 {
		return e.Window
	}
	return warm.DefaultWindow
}

// Credentials returns credentials for profile that stay valid for at least the window.
func (e *Engine) Credentials(ctx context.Context, profile string) (*Result, error) {
	chain, err := e.Config.Chain(profile)
	if err != nil {
		return nil, err
	}
	target, source := chain[0], chain[len(chain)-1]
	res := &Result{Profile: profile, Source: source.Name}
	if entry, ok, err := e.cached(target); err != nil || ok {
		res.Entry, res.FromCache = entry, ok
		return res, err
	}
	// Serialise per source identity: one prompt and one GetSessionToken however many processes ask.
	unlock, err := LockSource(ctx, e.Dirs.Locks, source.Name)
	if err != nil {
		return nil, fmt.Errorf("wait for another kagi using profile %q: %w", source.Name, err)
	}
	defer unlock()
	if entry, ok, err := e.cached(target); err != nil || ok { // another process may have done the work
		res.Entry, res.FromCache = entry, ok
		return res, err
	}
	entry, prompted, err := e.issue(ctx, chain)
	res.Entry, res.Prompted = entry, prompted
	return res, err
}

// kindOf: a profile with role_arn caches role credentials, a source profile its MFA session.
func kindOf(p *Profile) string {
	if p.RoleARN != "" {
		return warm.KindRole
	}
	return warm.KindSession
}

// cached returns a stored entry for p that is valid for the window and was made from p's current settings.
// An entry made under an older config file with the same settings is re-stamped so the warm path hits again.
func (e *Engine) cached(p *Profile) (warm.Entry, bool, error) {
	fp, err := e.Config.Fingerprint(p.Name)
	if err != nil {
		return warm.Entry{}, false, err
	}
	now := e.now()
	entry, ok, err := e.Store.EntryAt(kindOf(p), p.Name, now, now.Add(e.window()))
	if err != nil || !ok || entry.Fingerprint != fp {
		return warm.Entry{}, false, err
	}
	if stamp := warm.ConfigStamp(e.Config.Path); entry.Stamp != stamp {
		entry.Stamp = stamp
		if err := e.Store.PutEntry(kindOf(p), p.Name, entry); err != nil {
			return warm.Entry{}, false, err
		}
	}
	return entry, true, nil
}

// issue walks the chain from the source up to the target, reusing cached links, calling STS for the rest.
// Caller holds the source lock.
func (e *Engine) issue(ctx context.Context, chain []*Profile) (warm.Entry, bool, error) {
	source := chain[len(chain)-1]
	roles := make([]*Profile, 0, len(chain))
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].RoleARN != "" {
			roles = append(roles, chain[i])
		}
	}
	key, err := e.longTermKey(source.Name)
	if err != nil {
		return warm.Entry{}, false, err
	}
	serial, mfaProcess := mfaSettings(chain)
	if serial == "" {
		serial = e.RecordedSerial(source.Name)
	}
	prompted := false

	// The base credentials every AssumeRole signs with: the source's MFA session, unless the first role
	// asks for MFA on AssumeRole itself.
	var current warm.Entry
	cachedFrom := "" // the profile whose cached session current is; "" when AWS just issued it
	mfaOnAssume := len(roles) > 0 && roles[0].MFAOnAssume
	if !mfaOnAssume {
		session, ok, err := e.cached(source)
		if err != nil {
			return warm.Entry{}, false, err
		}
		if ok {
			cachedFrom = source.Name
		} else {
			session, err = e.getSessionToken(ctx, source, chain[0].Name, key, serial, mfaProcess)
			if err != nil {
				return warm.Entry{}, false, err
			}
			prompted = serial != ""
		}
		current = session
	}
	for i, role := range roles {
		if entry, ok, err := e.cached(role); err != nil {
			return warm.Entry{}, false, err
		} else if ok {
			current, cachedFrom = entry, role.Name
			continue
		}
		in := e.assumeRoleInput(role, i > 0)
		signer := staticProvider(current.AccessKeyID, current.SecretAccessKey, current.SessionToken)
		var entry warm.Entry
		if i == 0 && mfaOnAssume {
			signer = staticProvider(key.AccessKeyID, key.SecretAccessKey, "")
			entry, err = e.withMFA(ctx, role.Name, serial, mfaProcess, func(code string) (warm.Entry, error) {
				if serial != "" {
					in.SerialNumber, in.TokenCode = aws.String(serial), aws.String(code)
				}
				return e.assumeRole(ctx, signer, in, false)
			})
			prompted = prompted || serial != ""
		} else {
			entry, err = e.assumeRole(ctx, signer, in, serial != "")
			if err != nil && cachedFrom != "" {
				err = e.staleSession(cachedFrom, current, err)
			}
		}
		if err != nil {
			return warm.Entry{}, false, fmt.Errorf("assume %s for profile %q: %w", aws.ToString(in.RoleArn), role.Name, err)
		}
		if err := e.store(role, entry); err != nil {
			return warm.Entry{}, false, err
		}
		current, cachedFrom = entry, ""
	}
	return current, prompted, nil
}

// mfaSettings picks the MFA device for the chain: the source's mfa_serial, else the nearest role's;
// likewise mfa_process.
func mfaSettings(chain []*Profile) (serial, process string) {
	for i := len(chain) - 1; i >= 0; i-- {
		if serial == "" {
			serial = chain[i].MFASerial
		}
		if process == "" {
			process = chain[i].MFAProcess
		}
	}
	return serial, process
}

// longTermKey finds the source profile's key: the keyring first, then ~/.aws/credentials.
func (e *Engine) longTermKey(profile string) (LongTermKey, error) {
	k, err := e.Store.Key(profile)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return LongTermKey{}, err
	}
	if e.Creds != nil {
		if k, ok := e.Creds.Key(profile); ok {
			e.Log.Printf("profile %q: using the access key in %s (plaintext); 'kagi import %s' moves it to the keyring", profile, e.Creds.Path, profile)
			return k, nil
		}
	}
	return LongTermKey{}, fmt.Errorf("profile %q has no access key in the keyring or the credentials file; add one with 'kagi add %s'", profile, profile)
}

func (e *Engine) getSessionToken(ctx context.Context, source *Profile, forProfile string, key LongTermKey, serial, mfaProcess string) (warm.Entry, error) {
	d := e.SessionDuration
	if source.SessionDuration > 0 {
		d = source.SessionDuration
	}
	if d == 0 {
		d = DefaultSessionDuration
	}
	client := e.STS(staticProvider(key.AccessKeyID, key.SecretAccessKey, ""))
	entry, err := e.withMFA(ctx, forProfile, serial, mfaProcess, func(code string) (warm.Entry, error) {
		in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(int32(d / time.Second))}
		if serial != "" {
			in.SerialNumber, in.TokenCode = aws.String(serial), aws.String(code)
		}
		out, err := client.GetSessionToken(ctx, in)
		if err != nil {
			return warm.Entry{}, err
		}
		return entryFrom(out.Credentials)
	})
	if err != nil {
		return warm.Entry{}, fmt.Errorf("get an MFA session for profile %q: %w", source.Name, err)
	}
	return entry, e.store(source, entry)
}

// withMFA obtains a code (when serial is set) and runs call with it, asking again up to 3 times when AWS
// rejects the code and a person is at the prompt. Each code sent is remembered as used.
func (e *Engine) withMFA(ctx context.Context, profile, serial, mfaProcess string, call func(code string) (warm.Entry, error)) (warm.Entry, error) {
	if serial == "" {
		return call("")
	}
	req := TokenRequest{Profile: profile, Serial: serial, MFAProcess: mfaProcess}
	for attempt := 1; ; attempt++ {
		req.Attempt = attempt
		code, err := e.Tokens.Token(ctx, req)
		if err != nil {
			return warm.Entry{}, err
		}
		entry, err := call(code)
		if e.Steps != nil {
			if serr := e.Steps.Used(serial, code, e.now()); serr != nil {
				e.Log.Printf("remember MFA step: %v", serr)
			}
		}
		class := awsx.Classify(err)
		if err == nil || (class != awsx.ClassInvalidMFA && class != awsx.ClassMFAUsed) || !e.Interactive || attempt >= maxMFAAttempts {
			return entry, err
		}
		req.Rejected = awsx.Humanize(err)
	}
}

// assumeRoleInput builds the AssumeRole call for a role profile; chained means the caller is itself a role.
func (e *Engine) assumeRoleInput(role *Profile, chained bool) *sts.AssumeRoleInput {
	d := e.RoleDuration
	if role.DurationSeconds > 0 {
		d = time.Duration(role.DurationSeconds) * time.Second
	}
	if d == 0 {
		d = DefaultRoleDuration
	}
	if chained && d > maxChainedRoleDuration {
		e.Log.Printf("profile %q: role chaining caps sessions at 1h; asking for 1h instead of %s", role.Name, d)
		d = maxChainedRoleDuration
	}
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(role.RoleARN),
		RoleSessionName: aws.String(sessionName(role)),
		DurationSeconds: aws.Int32(int32(d / time.Second)),
	}
	if role.ExternalID != "" {
		in.ExternalId = aws.String(role.ExternalID)
	}
	return in
}

func (e *Engine) assumeRole(ctx context.Context, signer aws.CredentialsProvider, in *sts.AssumeRoleInput, withMFA bool) (warm.Entry, error) {
	out, err := e.STS(signer).AssumeRole(ctx, in)
	if err != nil {
		if withMFA && awsx.Classify(err) == awsx.ClassAccessDenied {
			// The session has MFA, so the usual missing-MFA explanation is wrong: most likely a source-IP condition.
			err = awsx.DeniedDespiteMFA(err)
		}
		if awsx.Classify(err) == awsx.ClassInvalidInput && strings.Contains(err.Error(), "DurationSeconds exceeds") {
			return warm.Entry{}, &DurationError{Seconds: int(aws.ToInt32(in.DurationSeconds)), Err: err}
		}
		return warm.Entry{}, err
	}
	return entryFrom(out.Credentials)
}

// DurationError: the requested role session is longer than the role (or role chaining) allows.
type DurationError struct {
	Seconds int
	Err     error
}

func (d *DurationError) Error() string {
	return fmt.Sprintf("a %d-second session is longer than the role allows; lower duration_seconds for this profile in your AWS config", d.Seconds)
}

func (d *DurationError) Unwrap() error { return d.Err }

// store saves an entry for p with the current config stamp and p's fingerprint.
func (e *Engine) store(p *Profile, entry warm.Entry) error {
	fp, err := e.Config.Fingerprint(p.Name)
	if err != nil {
		return err
	}
	entry.Stamp, entry.Fingerprint = warm.ConfigStamp(e.Config.Path), fp
	if err := e.Store.PutEntry(kindOf(p), p.Name, entry); err != nil {
		return fmt.Errorf("cache the session for profile %q: %w", p.Name, err)
	}
	return nil
}

func entryFrom(c *ststypes.Credentials) (warm.Entry, error) {
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.Expiration == nil {
		return warm.Entry{}, errors.New("STS returned no credentials")
	}
	return warm.Entry{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: aws.ToString(c.SessionToken), Expires: c.Expiration.UTC()}, nil
}

func staticProvider(id, secret, token string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, token)
}

// sessionName is role_session_name, else "kagi-<os user>" reduced to the characters STS accepts.
func sessionName(p *Profile) string {
	if p.RoleSessionName != "" {
		return p.RoleSessionName
	}
	name := "kagi"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name += "-" + u.Username
	}
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			b.WriteRune(r)
		}
		if b.Len() == 64 {
			break
		}
	}
	return b.String()
}
