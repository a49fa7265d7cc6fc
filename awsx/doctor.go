package awsx

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CheckStatus is the outcome of one health check.
type CheckStatus string

// Check outcomes. Unknown means kagi could not tell (not permitted, or AWS does not say).
const (
	CheckOK      CheckStatus = "ok"
	CheckWarn    CheckStatus = "warn"
	CheckFail    CheckStatus = "fail"
	CheckUnknown CheckStatus = "unknown"
)

// Check is one line of `kagi doctor`.
type Check struct {
	ID     string      `json:"id"`
	Title  string      `json:"title"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail"` // one sentence: what kagi found
	Fix    string      `json:"fix"`    // one sentence, or "" when there is nothing to do
}

// Thresholds of the AWS checks.
const (
	MaxKeyAge       = 90 * 24 * time.Hour // older active access keys should be rotated
	MaxKeyIdle      = 90 * 24 * time.Hour // active keys unused this long should go
	newKeyGrace     = 24 * time.Hour      // a key younger than this may not have been used yet
	MaxClockSkew    = 30 * time.Second    // TOTP steps are 30 s; AWS accepts one step of skew
	passwordWarning = 14 * 24 * time.Hour
)

// DoctorAPI is the IAM calls of the health checks.
type DoctorAPI interface {
	UserAPI
	GetAccountPasswordPolicy(ctx context.Context, in *iam.GetAccountPasswordPolicyInput, optFns ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error)
	GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, optFns ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, optFns ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, optFns ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
}

var _ DoctorAPI = (*iam.Client)(nil)

// DoctorInput is what the AWS checks run with.
type DoctorInput struct {
	IAM DoctorAPI
	STS CallerIdentityAPI
	// Signer describes the credentials for messages, e.g. "profile dev's MFA session".
	Signer string
	// MFA: the credentials carry MFA. Without it a forced-MFA policy denies most reads, and the checks say so.
	MFA     bool
	Profile string           // the source profile, for fixes
	Now     func() time.Time // the local clock; nil = time.Now
}

// AWSCheckIDs are the IDs of the AWS checks, in the order Doctor returns them.
var AWSCheckIDs = []string{"credentials", "clock", "mfa", "password-age", "access-key-age", "unused-keys"}

var checkTitles = map[string]string{
	"credentials": "AWS credentials", "clock": "Clock", "mfa": "MFA device", "password-age": "Password age",
	"access-key-age": "Access key age", "unused-keys": "Unused access keys",
}

func newCheck(id string, status CheckStatus, detail, fix string) Check {
	return Check{ID: id, Title: checkTitles[id], Status: status, Detail: detail, Fix: fix}
}

// SkippedAWSChecks are the AWS checks when there are no credentials to run them with: the credentials check
// fails with detail and fix, the others are unknown.
func SkippedAWSChecks(detail, fix string) []Check {
	out := []Check{newCheck("credentials", CheckFail, detail, fix)}
	for _, id := range AWSCheckIDs[1:] {
		out = append(out, newCheck(id, CheckUnknown, "Not checked: kagi has no working AWS credentials to check with.", ""))
	}
	return out
}

// doctorResults holds every AWS answer; each goroutine writes only its own fields.
type doctorResults struct {
	ident     *sts.GetCallerIdentityOutput
	identErr  error
	date      string    // the Date header of the STS response
	dateAt    time.Time // when the response arrived
	mfa       *iam.ListMFADevicesOutput
	mfaErr    error
	policy    *iam.GetAccountPasswordPolicyOutput
	policyErr error
	login     *iam.GetLoginProfileOutput
	loginErr  error
	keys      *iam.ListAccessKeysOutput
	keysErr   error
	lastUsed  []*iam.GetAccessKeyLastUsedOutput // by index into keys
	lastErrs  []error
}

// Doctor runs the AWS health checks, its calls in parallel, and returns them in AWSCheckIDs order. Every
// check tolerates AccessDenied (a forced-MFA policy denies most reads before MFA): it is then unknown.
func Doctor(ctx context.Context, in DoctorInput) []Check {
	now := in.Now
	if now == nil {
		now = time.Now
	}
	var r doctorResults
	var wg sync.WaitGroup
	wg.Go(func() {
		r.ident, r.identErr = in.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions, captureDate(&r.date, &r.dateAt))
		})
	})
	wg.Go(func() { r.mfa, r.mfaErr = in.IAM.ListMFADevices(ctx, &iam.ListMFADevicesInput{}) })
	wg.Go(func() {
		r.policy, r.policyErr = in.IAM.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	})
	wg.Go(func() { r.login, r.loginErr = in.IAM.GetLoginProfile(ctx, &iam.GetLoginProfileInput{}) })
	wg.Go(func() {
		if r.keys, r.keysErr = in.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}); r.keysErr != nil {
			return
		}
		n := len(r.keys.AccessKeyMetadata)
		r.lastUsed, r.lastErrs = make([]*iam.GetAccessKeyLastUsedOutput, n), make([]error, n)
		var inner sync.WaitGroup
		for i, k := range r.keys.AccessKeyMetadata {
			inner.Go(func() {
				r.lastUsed[i], r.lastErrs[i] = in.IAM.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
			})
		}
		inner.Wait()
	})
	wg.Wait()
	t := now()
	return []Check{
		credentialsCheck(in, &r),
		clockCheck(&r),
		mfaCheck(in, &r),
		passwordCheck(in, &r, t),
		keyAgeCheck(in, &r, t),
		unusedKeysCheck(in, &r, t),
	}
}

// captureDate records the Date header of the last HTTP response (error responses too) and when it arrived.
// It runs innermost in the deserialize step, right after the transport returns.
func captureDate(date *string, at *time.Time) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("kagiCaptureDate",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
					*date, *at = resp.Header.Get("Date"), time.Now()
				}
				return out, md, err
			}), middleware.After)
	}
}

func credentialsCheck(in DoctorInput, r *doctorResults) Check {
	signer := in.Signer
	if signer == "" {
		signer = "your credentials"
	}
	if r.identErr != nil {
		return newCheck("credentials", CheckFail, fmt.Sprintf("A call signed with %s failed: %s.", signer, lowerFirstRune(strings.TrimSuffix(Humanize(r.identErr), "."))), "")
	}
	return newCheck("credentials", CheckOK, fmt.Sprintf("AWS accepts %s (%s).", signer, aws.ToString(r.ident.Arn)), "")
}

func clockCheck(r *doctorResults) Check {
	server, err := http.ParseTime(r.date)
	if r.date == "" || err != nil {
		return newCheck("clock", CheckUnknown, "AWS's response carried no usable Date header, so the clock could not be compared.", "")
	}
	// Date has whole seconds: the server's time was somewhere in the second after it.
	skew := r.dateAt.Sub(server.Add(500 * time.Millisecond))
	abs := skew.Abs().Round(time.Second)
	if abs <= MaxClockSkew {
		return newCheck("clock", CheckOK, fmt.Sprintf("Your clock agrees with AWS's (within %s).", max(abs, time.Second)), "")
	}
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	return newCheck("clock", CheckWarn, fmt.Sprintf("Your clock is %s %s AWS's; TOTP codes fail when the clock is off.", abs, dir),
		"Turn on automatic time synchronisation (NTP), e.g. 'timedatectl set-ntp true' or your system's date and time settings.")
}

// unknownCheck is a check kagi could not run because of err: not permitted, or another error.
func unknownCheck(in DoctorInput, id, what, action string, err error) Check {
	if c := Classify(err); c == ClassAccessDenied || c == ClassAccessDeniedSourceIP {
		fix := ""
		if !in.MFA {
			fix = "Run kagi doctor again with an MFA session: add an MFA device (kagi mfa register) if you have none."
		}
		return newCheck(id, CheckUnknown, fmt.Sprintf("Not permitted to %s (%s).", what, action), fix)
	}
	return newCheck(id, CheckUnknown, fmt.Sprintf("Could not %s: %s.", what, lowerFirstRune(strings.TrimSuffix(Humanize(err), "."))), "")
}

func mfaCheck(in DoctorInput, r *doctorResults) Check {
	if r.mfaErr != nil {
		return unknownCheck(in, "mfa", "list your MFA devices", "iam:ListMFADevices", r.mfaErr)
	}
	devices := r.mfa.MFADevices
	if len(devices) == 0 {
		return newCheck("mfa", CheckFail, "No MFA device is enabled for your IAM user.",
			"Run kagi mfa register to add a virtual MFA device.")
	}
	serial := aws.ToString(devices[0].SerialNumber)
	since := aws.ToTime(devices[0].EnableDate).UTC().Format(time.DateOnly)
	if !in.MFA {
		fix := "Add mfa_serial = " + serial + " to the profile in ~/.aws/config so that kagi uses MFA sessions."
		if in.Profile != "" {
			fix = "Add mfa_serial = " + serial + " to [profile " + in.Profile + "] in ~/.aws/config so that kagi uses MFA sessions."
		}
		return newCheck("mfa", CheckWarn, fmt.Sprintf("MFA device %s is enabled (since %s), but kagi signed without MFA, so most checks were not permitted.", serial, since), fix)
	}
	return newCheck("mfa", CheckOK, fmt.Sprintf("MFA device %s is enabled (since %s).", serial, since), "")
}

// passwordCheck: IAM tells a user the policy's maximum age, but not when their password last changed
// (GetUser's PasswordLastUsed is the last sign-in; GetLoginProfile's CreateDate is when the first password was
// set). A password first set less than MaxPasswordAge ago cannot have expired; otherwise kagi cannot know.
func passwordCheck(in DoctorInput, r *doctorResults, now time.Time) Check {
	const id = "password-age"
	if Classify(r.policyErr) == ClassNoSuchEntity {
		return newCheck(id, CheckOK, "The account has no password policy, so console passwords do not expire.", "")
	}
	if r.policyErr != nil {
		return unknownCheck(in, id, "read the account password policy", "iam:GetAccountPasswordPolicy", r.policyErr)
	}
	p := r.policy.PasswordPolicy
	if p == nil || !p.ExpirePasswords || aws.ToInt32(p.MaxPasswordAge) <= 0 {
		return newCheck(id, CheckOK, "The account password policy does not expire console passwords.", "")
	}
	days := int(aws.ToInt32(p.MaxPasswordAge))
	maxAge := time.Duration(days) * 24 * time.Hour
	changeFix := fmt.Sprintf("If you have not changed your console password in the last %d days, change it now (kagi password).", days)
	switch {
	case Classify(r.loginErr) == ClassNoSuchEntity:
		return newCheck(id, CheckOK, "You have no console password, so none can expire.", "")
	case r.loginErr != nil:
		why := "not permitted to read your login profile (iam:GetLoginProfile)"
		if c := Classify(r.loginErr); c != ClassAccessDenied && c != ClassAccessDeniedSourceIP {
			why = "could not read your login profile: " + lowerFirstRune(strings.TrimSuffix(Humanize(r.loginErr), "."))
		}
		return newCheck(id, CheckUnknown, fmt.Sprintf("Console passwords expire after %d days, but IAM does not tell you when yours last changed (%s).", days, why), changeFix)
	case r.login.LoginProfile != nil && r.login.LoginProfile.PasswordResetRequired:
		return newCheck(id, CheckWarn, "AWS requires you to set a new console password at your next sign-in.", "Change your console password now (kagi password).")
	}
	created := time.Time{}
	if r.login.LoginProfile != nil {
		created = aws.ToTime(r.login.LoginProfile.CreateDate)
	}
	if !created.IsZero() && now.Sub(created) < maxAge {
		left := created.Add(maxAge).Sub(now)
		if left < passwordWarning {
			return newCheck(id, CheckWarn, fmt.Sprintf("Your console password was set on %s and expires within %d days unless you changed it since.",
				created.UTC().Format(time.DateOnly), int((left+24*time.Hour-1)/(24*time.Hour))), changeFix)
		}
		return newCheck(id, CheckOK, fmt.Sprintf("Your console password was set on %s, less than %d days ago, so it has not expired.", created.UTC().Format(time.DateOnly), days), "")
	}
	return newCheck(id, CheckUnknown, fmt.Sprintf("Console passwords expire after %d days, and IAM tells only that yours was first set on %s, not when it last changed.", days, created.UTC().Format(time.DateOnly)), changeFix)
}

func keyAgeCheck(in DoctorInput, r *doctorResults, now time.Time) Check {
	const id = "access-key-age"
	if r.keysErr != nil {
		return unknownCheck(in, id, "list your access keys", "iam:ListAccessKeys", r.keysErr)
	}
	var old []string
	oldest := time.Duration(0)
	active := 0
	for _, k := range r.keys.AccessKeyMetadata {
		if k.Status != "Active" {
			continue
		}
		active++
		if age := now.Sub(aws.ToTime(k.CreateDate)); age > MaxKeyAge {
			old = append(old, maskKeyID(aws.ToString(k.AccessKeyId)))
			oldest = max(oldest, age)
		}
	}
	switch {
	case active == 0:
		return newCheck(id, CheckOK, "You have no active access keys.", "")
	case len(old) == 0:
		return newCheck(id, CheckOK, fmt.Sprintf("Your active access keys are less than %d days old.", int(MaxKeyAge.Hours()/24)), "")
	}
	return newCheck(id, CheckWarn, fmt.Sprintf("Access key %s is older than %d days (oldest: %d days).", strings.Join(old, ", "), int(MaxKeyAge.Hours()/24), int(oldest.Hours()/24)),
		"Rotate old keys: create a new key, switch to it, then delete the old one (kagi keys rotate).")
}

func unusedKeysCheck(in DoctorInput, r *doctorResults, now time.Time) Check {
	const id = "unused-keys"
	if r.keysErr != nil {
		return unknownCheck(in, id, "list your access keys", "iam:ListAccessKeys", r.keysErr)
	}
	var idle []string
	checked := 0
	for i, k := range r.keys.AccessKeyMetadata {
		if k.Status != "Active" {
			continue
		}
		if err := r.lastErrs[i]; err != nil {
			return unknownCheck(in, id, "read when your access keys were last used", "iam:GetAccessKeyLastUsed", err)
		}
		checked++
		key := maskKeyID(aws.ToString(k.AccessKeyId))
		var last time.Time
		if out := r.lastUsed[i]; out != nil && out.AccessKeyLastUsed != nil {
			last = aws.ToTime(out.AccessKeyLastUsed.LastUsedDate)
		}
		switch {
		case last.IsZero() && now.Sub(aws.ToTime(k.CreateDate)) >= newKeyGrace:
			idle = append(idle, key+" (never used)")
		case !last.IsZero() && now.Sub(last) > MaxKeyIdle:
			idle = append(idle, fmt.Sprintf("%s (last used %d days ago)", key, int(now.Sub(last).Hours()/24)))
		}
	}
	switch {
	case checked == 0:
		return newCheck(id, CheckOK, "You have no active access keys.", "")
	case len(idle) == 0:
		return newCheck(id, CheckOK, fmt.Sprintf("Your active access keys were used in the last %d days.", int(MaxKeyIdle.Hours()/24)), "")
	}
	return newCheck(id, CheckWarn, "Unused active access keys: "+strings.Join(idle, ", ")+".",
		"Deactivate keys you do not use, then delete them once nothing breaks (kagi keys deactivate, kagi keys delete).")
}

// maskKeyID shows an access key ID as AKIA…WXYZ (as session.MaskKeyID does).
func maskKeyID(id string) string {
	if len(id) < 12 {
		return "…"
	}
	return id[:4] + "…" + id[len(id)-4:]
}

func lowerFirstRune(s string) string {
	if s == "" || strings.HasPrefix(s, "AWS") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
