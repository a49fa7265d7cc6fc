package awsx_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

func checksByID(t *testing.T, checks []awsx.Check) map[string]awsx.Check {
	t.Helper()
	if len(checks) != len(awsx.AWSCheckIDs) {
		t.Fatalf("%d checks, want %d: %+v", len(checks), len(awsx.AWSCheckIDs), checks)
	}
	m := map[string]awsx.Check{}
	for i, c := range checks {
		if c.ID != awsx.AWSCheckIDs[i] || c.Title == "" || !strings.HasSuffix(c.Detail, ".") || (c.Fix != "" && !strings.HasSuffix(c.Fix, ".")) {
			t.Errorf("check %d = %+v (want id %s, a title, sentences)", i, c, awsx.AWSCheckIDs[i])
		}
		m[c.ID] = c
	}
	return m
}

func wantCheck(t *testing.T, m map[string]awsx.Check, id string, status awsx.CheckStatus, detail ...string) {
	t.Helper()
	c := m[id]
	if c.Status != status {
		t.Errorf("%s: status %s, want %s (%+v)", id, c.Status, status, c)
	}
	for _, d := range detail {
		if !strings.Contains(c.Detail+" "+c.Fix, d) {
			t.Errorf("%s: %q / %q lacks %q", id, c.Detail, c.Fix, d)
		}
	}
}

func TestDoctorBeforeMFA(t *testing.T) {
	_, _, cfg := selfEndpoint(t, localaws.ScenarioNewUser, time.Now(), 0)
	m := checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: cfg.IAM(), STS: cfg.STS(), Signer: "profile dev's long-term key", Profile: "dev"}))
	wantCheck(t, m, "credentials", awsx.CheckOK, "profile dev's long-term key", "user/alice")
	wantCheck(t, m, "clock", awsx.CheckOK)
	wantCheck(t, m, "mfa", awsx.CheckFail, "No MFA device", "kagi mfa register")
	wantCheck(t, m, "password-age", awsx.CheckUnknown, "Not permitted", "iam:GetAccountPasswordPolicy", "MFA session")
	wantCheck(t, m, "access-key-age", awsx.CheckUnknown, "Not permitted", "iam:ListAccessKeys")
	wantCheck(t, m, "unused-keys", awsx.CheckUnknown, "Not permitted")
}

func TestDoctorWithMFASessionAndAnOldKey(t *testing.T) {
	// The account, its key and MFA device were made 100 days ago.
	srv, seeded, cfg := selfEndpoint(t, localaws.ScenarioOnboarded, time.Now().Add(-100*24*time.Hour), 0)

	// Signed with the long-term key although a device exists: kagi says how to use it.
	m := checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: cfg.IAM(), STS: cfg.STS(), Profile: "dev"}))
	wantCheck(t, m, "mfa", awsx.CheckWarn, seeded.MFASerial, "mfa_serial = "+seeded.MFASerial+" to [profile dev]")
	wantCheck(t, m, "access-key-age", awsx.CheckUnknown, "Not permitted")

	mfa := mfaSession(t, srv, seeded, cfg)
	m = checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: mfa.IAM(), STS: mfa.STS(), Signer: "profile dev's MFA session", MFA: true, Profile: "dev"}))
	wantCheck(t, m, "credentials", awsx.CheckOK, "MFA session")
	wantCheck(t, m, "clock", awsx.CheckOK)
	wantCheck(t, m, "mfa", awsx.CheckOK, seeded.MFASerial)
	wantCheck(t, m, "access-key-age", awsx.CheckWarn, seeded.AccessKeyID[:4]+"…", "older than 90 days (oldest: 100 days)", "kagi keys rotate")
	// The fixture policy allows neither GetAccessKeyLastUsed nor GetLoginProfile: unknown, never a failure.
	wantCheck(t, m, "unused-keys", awsx.CheckUnknown, "iam:GetAccessKeyLastUsed")
	if m["unused-keys"].Fix != "" {
		t.Errorf("unused-keys fix %q: nothing to do with an MFA session", m["unused-keys"].Fix)
	}
	wantCheck(t, m, "password-age", awsx.CheckUnknown, "expire after 90 days", "kagi password")
}

func TestDoctorDetectsClockSkew(t *testing.T) {
	// The endpoint answers with a Date 5 minutes ahead: the local clock is 5 minutes behind AWS's.
	_, _, cfg := selfEndpoint(t, localaws.ScenarioNewUser, time.Now(), 5*time.Minute)
	m := checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: cfg.IAM(), STS: cfg.STS()}))
	wantCheck(t, m, "clock", awsx.CheckWarn, "behind AWS's", "TOTP codes fail when the clock is off", "NTP")
	wantSkew(t, m["clock"], 5*time.Minute)
	wantCheck(t, m, "credentials", awsx.CheckOK)

	_, _, cfg = selfEndpoint(t, localaws.ScenarioNewUser, time.Now(), -2*time.Minute)
	m = checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: cfg.IAM(), STS: cfg.STS()}))
	wantCheck(t, m, "clock", awsx.CheckWarn, "ahead of AWS's")
	wantSkew(t, m["clock"], 2*time.Minute)

	_, _, cfg = selfEndpoint(t, localaws.ScenarioNewUser, time.Now(), 20*time.Second)
	m = checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: cfg.IAM(), STS: cfg.STS()}))
	wantCheck(t, m, "clock", awsx.CheckOK)
}

// wantSkew checks the skew the clock check reports, give or take the Date header's 1 s resolution.
func wantSkew(t *testing.T, c awsx.Check, want time.Duration) {
	t.Helper()
	for _, d := range []time.Duration{want - time.Second, want, want + time.Second} {
		if strings.Contains(c.Detail, "clock is "+d.String()+" ") {
			return
		}
	}
	t.Errorf("clock detail %q, want a skew of about %s", c.Detail, want)
}

func TestDoctorBadCredentials(t *testing.T) {
	_, _, cfg := selfEndpoint(t, localaws.ScenarioNewUser, time.Now(), 3*time.Minute)
	bad := cfg.WithCredentials(credentials.NewStaticCredentialsProvider("AKIAUNKNOWN000000000", "nope", ""), "test")
	m := checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: bad.IAM(), STS: bad.STS(), Signer: "profile x's long-term key"}))
	wantCheck(t, m, "credentials", awsx.CheckFail, "profile x's long-term key", "AWS did not accept your credentials")
	// The clock is read from the error response too.
	wantCheck(t, m, "clock", awsx.CheckWarn, "behind AWS's")
	wantSkew(t, m["clock"], 3*time.Minute)
	wantCheck(t, m, "mfa", awsx.CheckUnknown, "Could not list your MFA devices")
}

// fakeDoctor answers the doctor's calls from fields; every call first waits until all five first-round calls
// have started, which proves that they run in parallel.
type fakeDoctor struct {
	barrier   *sync.WaitGroup
	mfa       []types.MFADevice
	policy    *types.PasswordPolicy
	policyErr error
	login     *types.LoginProfile
	loginErr  error
	keys      []types.AccessKeyMetadata
	lastUsed  map[string]*time.Time
}

func (f *fakeDoctor) arrive() error {
	f.barrier.Done()
	done := make(chan struct{})
	go func() { f.barrier.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return errors.New("the doctor's calls did not run in parallel")
	}
}

func (f *fakeDoctor) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if err := f.arrive(); err != nil {
		return nil, err
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String("arn:aws:iam::000000000000:user/bob")}, nil
}

func (f *fakeDoctor) GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return nil, errors.New("GetUser is not needed")
}

func (f *fakeDoctor) ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	return &iam.ListMFADevicesOutput{MFADevices: f.mfa}, f.arrive()
}

func (f *fakeDoctor) GetAccountPasswordPolicy(context.Context, *iam.GetAccountPasswordPolicyInput, ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error) {
	if err := f.arrive(); err != nil {
		return nil, err
	}
	return &iam.GetAccountPasswordPolicyOutput{PasswordPolicy: f.policy}, f.policyErr
}

func (f *fakeDoctor) GetLoginProfile(context.Context, *iam.GetLoginProfileInput, ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error) {
	if err := f.arrive(); err != nil {
		return nil, err
	}
	return &iam.GetLoginProfileOutput{LoginProfile: f.login}, f.loginErr
}

func (f *fakeDoctor) ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	return &iam.ListAccessKeysOutput{AccessKeyMetadata: f.keys}, f.arrive()
}

func (f *fakeDoctor) GetAccessKeyLastUsed(_ context.Context, in *iam.GetAccessKeyLastUsedInput, _ ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	return &iam.GetAccessKeyLastUsedOutput{AccessKeyLastUsed: &types.AccessKeyLastUsed{LastUsedDate: f.lastUsed[*in.AccessKeyId]}}, nil
}

func runFake(t *testing.T, f *fakeDoctor, now time.Time) map[string]awsx.Check {
	t.Helper()
	f.barrier = &sync.WaitGroup{}
	f.barrier.Add(5)
	return checksByID(t, awsx.Doctor(context.Background(), awsx.DoctorInput{IAM: f, STS: f, MFA: true, Now: func() time.Time { return now }}))
}

func TestDoctorChecksFromAnswers(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	days := func(n int) *time.Time { t := now.Add(-time.Duration(n) * 24 * time.Hour); return &t }
	key := func(id string, status types.StatusType, created int) types.AccessKeyMetadata {
		return types.AccessKeyMetadata{AccessKeyId: aws.String(id), Status: status, CreateDate: days(created)}
	}
	expiring := &types.PasswordPolicy{ExpirePasswords: true, MaxPasswordAge: aws.Int32(90)}
	f := &fakeDoctor{
		mfa:    []types.MFADevice{{SerialNumber: aws.String("arn:aws:iam::000000000000:mfa/bob"), EnableDate: days(3)}},
		policy: expiring, login: &types.LoginProfile{CreateDate: days(10)},
		keys: []types.AccessKeyMetadata{key("AKIAUSEDRECENTLY0001", "Active", 200), key("AKIANEVERUSED0000002", "Active", 30),
			key("AKIAIDLEIDLEIDLE0003", "Inactive", 400)},
		lastUsed: map[string]*time.Time{"AKIAUSEDRECENTLY0001": days(1)},
	}
	m := runFake(t, f, now)
	wantCheck(t, m, "credentials", awsx.CheckOK, "your credentials", "user/bob")
	wantCheck(t, m, "clock", awsx.CheckUnknown, "no usable Date header")
	wantCheck(t, m, "mfa", awsx.CheckOK, "mfa/bob")
	wantCheck(t, m, "password-age", awsx.CheckOK, "set on 2025-05-22, less than 90 days ago")
	wantCheck(t, m, "access-key-age", awsx.CheckWarn, "AKIA…0001 is older than 90 days (oldest: 200 days)")
	if strings.Contains(m["access-key-age"].Detail, "0003") || strings.Contains(m["unused-keys"].Detail, "0003") {
		t.Errorf("inactive keys checked: %+v", m)
	}
	wantCheck(t, m, "unused-keys", awsx.CheckWarn, "AKIA…0002 (never used)")
	if strings.Contains(m["unused-keys"].Detail, "0001") {
		t.Errorf("a recently used key is reported unused: %q", m["unused-keys"].Detail)
	}

	// A key unused for 100 days; a new key not used yet is not reported; password set 80 days ago.
	f.keys = []types.AccessKeyMetadata{key("AKIAUSEDRECENTLY0001", "Active", 200), key("AKIABRANDNEWKEY00004", "Active", 0)}
	f.lastUsed = map[string]*time.Time{"AKIAUSEDRECENTLY0001": days(100)}
	f.login = &types.LoginProfile{CreateDate: days(80)}
	m = runFake(t, f, now)
	wantCheck(t, m, "unused-keys", awsx.CheckWarn, "AKIA…0001 (last used 100 days ago)")
	if strings.Contains(m["unused-keys"].Detail, "0004") {
		t.Errorf("a brand-new key is reported unused: %q", m["unused-keys"].Detail)
	}
	wantCheck(t, m, "password-age", awsx.CheckWarn, "expires within 10 days", "kagi password")

	// First set 200 days ago: it may have changed since, which IAM does not tell. Honestly unknown.
	f.login = &types.LoginProfile{CreateDate: days(200)}
	wantCheck(t, runFake(t, f, now), "password-age", awsx.CheckUnknown, "first set on", "not when it last changed")
	f.login = &types.LoginProfile{CreateDate: days(5), PasswordResetRequired: true}
	wantCheck(t, runFake(t, f, now), "password-age", awsx.CheckWarn, "next sign-in")
	f.login, f.loginErr = nil, &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "Login Profile for User bob cannot be found."}
	wantCheck(t, runFake(t, f, now), "password-age", awsx.CheckOK, "no console password")
	f.loginErr = &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: iam:GetLoginProfile"}
	wantCheck(t, runFake(t, f, now), "password-age", awsx.CheckUnknown, "not permitted to read your login profile")
	f.policy = &types.PasswordPolicy{MinimumPasswordLength: aws.Int32(14)}
	wantCheck(t, runFake(t, f, now), "password-age", awsx.CheckOK, "does not expire")
	f.policy, f.policyErr = nil, &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "The Password Policy with domain name 000000000000 cannot be found."}
	wantCheck(t, runFake(t, f, now), "password-age", awsx.CheckOK, "no password policy")

	f.keys, f.mfa = nil, nil
	m = runFake(t, f, now)
	wantCheck(t, m, "access-key-age", awsx.CheckOK, "no active access keys")
	wantCheck(t, m, "unused-keys", awsx.CheckOK, "no active access keys")
	wantCheck(t, m, "mfa", awsx.CheckFail, "kagi mfa register")
}
