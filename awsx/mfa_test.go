package awsx_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
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

// The calls the forced-MFA policy allows before MFA (../shared/FIELD.md), besides sts:GetCallerIdentity.
var mfxPreMFAAllowed = []string{"CreateVirtualMFADevice", "EnableMFADevice", "GetUser", "ListMFADevices",
	"ListVirtualMFADevices", "ResyncMFADevice", "GetSessionToken"}

// mfxFrozen fixes the endpoint clock at the start of a TOTP step and returns a function that reads the code of
// secret after moving the clock by d.
func mfxFrozen(srv *localaws.Server) func(secret string, d time.Duration) string {
	srv.Clock().Set(time.Now().Truncate(30 * time.Second).Add(30 * time.Second)) // forward: keys created now are already usable
	return func(secret string, d time.Duration) string {
		srv.Clock().Advance(d)
		return localaws.CodeAt(secret, srv.Clock().Now())
	}
}

// mfxSession returns cfg signed with an MFA session of serial (GetSessionToken with code).
func mfxSession(t *testing.T, cfg awsx.Config, serial, code string) awsx.Config {
	t.Helper()
	out, err := cfg.STS().GetSessionToken(context.Background(), &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	c := out.Credentials
	return cfg.WithCredentials(credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "test")
}

func TestEnrollNewUserUnderForcedMFAPolicy(t *testing.T) {
	ctx := context.Background()
	srv, _, cfg := endpoint(t, localaws.ScenarioNewUser)
	code := mfxFrozen(srv)
	api := cfg.IAM()

	e, err := awsx.BeginEnrollment(ctx, api, "", "")
	if err != nil {
		t.Fatalf("BeginEnrollment: %v", err)
	}
	secret, _ := srv.MFASecret(e.Serial)
	wantURI := "otpauth://totp/Amazon%20Web%20Services:alice@000000000000?secret=" + secret + "&issuer=Amazon%20Web%20Services"
	if e.Serial != "arn:aws:iam::000000000000:mfa/alice" || e.Secret != secret || e.URI != wantURI || e.Replaced != "" {
		t.Fatalf("enrollment = %+v, want URI %s", e, wantURI)
	}
	if u, err := url.Parse(e.URI); err != nil || u.Query().Get("secret") != secret || u.Query().Get("issuer") != "Amazon Web Services" {
		t.Fatalf("URI does not parse back: %v %v", u, err)
	}
	if g := e.GroupedSecret(); strings.ReplaceAll(g, " ", "") != secret || len(strings.Fields(g)) != 16 || len(strings.Fields(g)[0]) != 4 {
		t.Fatalf("GroupedSecret = %q", g)
	}
	if err := awsx.Enable(ctx, api, "alice", e.Serial, code(secret, 0), code(secret, 30*time.Second)); err != nil {
		t.Fatalf("Enable: %v", err)
	}
	e.Forget()
	if e.Secret != "" || e.URI != "" || e.Serial == "" {
		t.Fatalf("after Forget: %+v", e)
	}
	devices, err := awsx.Devices(ctx, api, "alice")
	if err != nil || len(devices) != 1 || devices[0].SerialNumber != e.Serial || devices[0].EnabledAt.IsZero() {
		t.Fatalf("Devices = %+v, %v", devices, err)
	}
	// The whole onboarding, and the MFA session after it, made only calls the policy allows before MFA.
	mfxSession(t, cfg, e.Serial, code(secret, 30*time.Second))
	calls := srv.Calls()
	if len(calls.Errors) != 0 {
		t.Fatalf("errors during onboarding: %v", calls.Errors)
	}
	for action := range calls.Calls {
		if !slices.Contains(mfxPreMFAAllowed, action) {
			t.Errorf("onboarding called %s, which the forced-MFA policy denies before MFA", action)
		}
	}

	// A second enrollment is refused: the user has MFA now.
	var already *awsx.AlreadyEnrolledError
	if _, err := awsx.BeginEnrollment(ctx, api, "alice", ""); !errors.As(err, &already) || already.Serial != e.Serial {
		t.Fatalf("second BeginEnrollment: %v", err)
	}
}

func TestEnrollmentLeftoversGetFreshNames(t *testing.T) {
	ctx := context.Background()
	srv, _, cfg := endpoint(t, localaws.ScenarioNewUser)
	code := mfxFrozen(srv)
	api := cfg.IAM()

	first, err := awsx.BeginEnrollment(ctx, api, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	// Cancelling before MFA: the policy denies the delete, the device stays, and that is not fatal.
	err = awsx.CancelEnrollment(ctx, api, first.Serial)
	var le *awsx.LeftoverError
	if !errors.Is(err, awsx.ErrLeftover) || !errors.As(err, &le) || le.Serial != first.Serial || le.Deactivated ||
		awsx.Classify(err) != awsx.ClassAccessDenied || !strings.Contains(err.Error(), "stays in the account") {
		t.Fatalf("CancelEnrollment before MFA: %v", err)
	}
	if _, ok := srv.MFASecret(first.Serial); !ok {
		t.Fatal("the leftover device is gone")
	}

	second, err := awsx.BeginEnrollment(ctx, api, "alice", "")
	if err != nil || second.Serial != "arn:aws:iam::000000000000:mfa/alice-2" || second.Replaced != first.Serial {
		t.Fatalf("after a leftover: %+v, %v", second, err)
	}
	_ = awsx.CancelEnrollment(ctx, api, second.Serial)
	third, err := awsx.BeginEnrollment(ctx, api, "alice", "")
	if err != nil || third.Serial != "arn:aws:iam::000000000000:mfa/alice-3" || third.Replaced != second.Serial {
		t.Fatalf("after two leftovers: %+v, %v", third, err)
	}
	secret, _ := srv.MFASecret(third.Serial)
	if err := awsx.Enable(ctx, api, "alice", third.Serial, code(secret, 0), code(secret, 30*time.Second)); err != nil {
		t.Fatalf("Enable alice-3: %v", err)
	}
	if n := srv.Calls().Errors["DeleteVirtualMFADevice:AccessDenied"]; n != 2 {
		t.Fatalf("denied deletes = %d, want 2 (only the two cancels)", n)
	}

	// A custom device name is honoured; its own leftovers are separate from alice's.
	other, err := awsx.BeginEnrollment(ctx, api, "alice", "laptop")
	var already *awsx.AlreadyEnrolledError
	if !errors.As(err, &already) || other != nil {
		t.Fatalf("BeginEnrollment after enabling: %+v %v", other, err)
	}
}

func TestEnableRejectsBadCodes(t *testing.T) {
	ctx := context.Background()
	srv, _, cfg := endpoint(t, localaws.ScenarioNewUser)
	code := mfxFrozen(srv)
	api := cfg.IAM()
	e, err := awsx.BeginEnrollment(ctx, api, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := srv.MFASecret(e.Serial)

	for _, pair := range [][2]string{{"12345", "123456"}, {"123456", "1234567"}, {"12a456", "123456"}, {"", ""}, {"123456", "１２３４５６"}} {
		before := srv.Calls().Calls["EnableMFADevice"]
		err := awsx.Enable(ctx, api, "alice", e.Serial, pair[0], pair[1])
		if err == nil || !strings.Contains(err.Error(), "must be the 6 digits") || srv.Calls().Calls["EnableMFADevice"] != before {
			t.Errorf("Enable(%q, %q) = %v (AWS called: %v)", pair[0], pair[1], err, srv.Calls().Calls["EnableMFADevice"] != before)
		}
	}
	now, next := code(secret, 0), localaws.CodeAt(secret, srv.Clock().Now().Add(30*time.Second))
	later := localaws.CodeAt(secret, srv.Clock().Now().Add(90*time.Second))
	for name, pair := range map[string][2]string{"same code twice": {now, now}, "swapped": {next, now}, "not consecutive": {now, later}} {
		err := awsx.Enable(ctx, api, "alice", e.Serial, pair[0], pair[1])
		var ce *awsx.CodesError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "two consecutive codes") || awsx.Classify(err) != awsx.ClassInvalidMFA {
			t.Errorf("%s: %v", name, err)
		}
	}
	if devices, _ := awsx.Devices(ctx, api, ""); len(devices) != 0 {
		t.Fatalf("a rejected Enable assigned the device: %+v", devices)
	}
	if err := awsx.Enable(ctx, api, "alice", e.Serial, now, next); err != nil {
		t.Fatalf("Enable with good codes after failures: %v", err)
	}
}

func TestResyncAfterClockDrift(t *testing.T) {
	ctx := context.Background()
	srv, seeded, cfg := endpoint(t, localaws.ScenarioOnboarded)
	mfxFrozen(srv)
	api := cfg.IAM()
	drifted := func(d time.Duration) string { // the phone's clock runs five minutes ahead
		return localaws.CodeAt(seeded.MFASecret, srv.Clock().Now().Add(5*time.Minute+d))
	}
	if _, err := cfg.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(seeded.MFASerial), TokenCode: aws.String(drifted(0))}); awsx.Classify(err) != awsx.ClassInvalidMFA {
		t.Fatalf("a drifted code before resync: %v", err)
	}
	var ce *awsx.CodesError
	if err := awsx.Resync(ctx, api, "alice", seeded.MFASerial, drifted(0), drifted(0)); !errors.As(err, &ce) {
		t.Fatalf("Resync with one code twice: %v", err)
	}
	if err := awsx.Resync(ctx, api, "alice", seeded.MFASerial, "abc", drifted(0)); err == nil || strings.Contains(err.Error(), "AWS") {
		t.Fatalf("Resync with a malformed code: %v", err)
	}
	if err := awsx.Resync(ctx, api, "alice", seeded.MFASerial, drifted(0), drifted(30*time.Second)); err != nil {
		t.Fatalf("Resync: %v", err)
	}
	srv.Clock().Advance(60 * time.Second)
	if _, err := cfg.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(seeded.MFASerial), TokenCode: aws.String(drifted(0))}); err != nil {
		t.Fatalf("a drifted code after resync: %v", err)
	}
}

func TestRemoveNeedsMFAAndLeavesLeftoverUnderFixturePolicy(t *testing.T) {
	ctx := context.Background()
	srv, seeded, cfg := endpoint(t, localaws.ScenarioOnboarded)
	code := mfxFrozen(srv)

	// Without MFA the policy denies the deactivation: nothing changes.
	if err := awsx.Remove(ctx, cfg.IAM(), "alice", seeded.MFASerial); awsx.Classify(err) != awsx.ClassAccessDenied || errors.Is(err, awsx.ErrLeftover) {
		t.Fatalf("Remove without MFA: %v", err)
	}
	// With MFA the deactivation works; the fixture policy never allows iam:DeleteVirtualMFADevice, so the
	// device stays unassigned and the next enrollment takes a new name.
	sess := mfxSession(t, cfg, seeded.MFASerial, code(seeded.MFASecret, 0))
	err := awsx.Remove(ctx, sess.IAM(), "alice", seeded.MFASerial)
	var le *awsx.LeftoverError
	if !errors.As(err, &le) || !le.Deactivated || !strings.Contains(err.Error(), "was deactivated") {
		t.Fatalf("Remove with MFA: %v", err)
	}
	if devices, err := awsx.Devices(ctx, cfg.IAM(), ""); err != nil || len(devices) != 0 {
		t.Fatalf("devices after Remove: %+v %v", devices, err)
	}
	e, err := awsx.BeginEnrollment(ctx, cfg.IAM(), "alice", "")
	if err != nil || e.Serial != seeded.MFASerial+"-2" || e.Replaced != seeded.MFASerial {
		t.Fatalf("enrollment after Remove: %+v %v", e, err)
	}
}

func TestRemoveDeletesWhenAllowed(t *testing.T) {
	ctx := context.Background()
	srv, _, cfg := endpoint(t, localaws.ScenarioNewUser)
	code := mfxFrozen(srv)
	if err := srv.CreateUser("bob", "", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)); err != nil {
		t.Fatal(err)
	}
	id, secret, _ := srv.CreateAccessKeyFor("bob")
	serial, seed, _ := srv.EnableVirtualMFAFor("bob")
	bob := cfg.WithCredentials(credentials.NewStaticCredentialsProvider(id, secret, ""), "test")
	sess := mfxSession(t, bob, serial, code(seed, 0))
	if err := awsx.Remove(ctx, sess.IAM(), "", serial); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, ok := srv.MFASecret(serial); ok {
		t.Fatal("the device still exists")
	}
	// Cancelling a device that is already gone is not an error.
	if err := awsx.CancelEnrollment(ctx, sess.IAM(), serial); err != nil {
		t.Fatalf("CancelEnrollment of a deleted device: %v", err)
	}
}

// mfxFakeMFA overrides the calls a unit test needs; the embedded nil interface panics on any other.
type mfxFakeMFA struct {
	awsx.MFAAPI
	created  []string
	taken    map[string]bool
	listed   int
	pages    [][]string
	deleteFn func() error
}

func (f *mfxFakeMFA) ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	return &iam.ListMFADevicesOutput{}, nil
}

func (f *mfxFakeMFA) ListVirtualMFADevices(_ context.Context, in *iam.ListVirtualMFADevicesInput, _ ...func(*iam.Options)) (*iam.ListVirtualMFADevicesOutput, error) {
	if in.AssignmentStatus != types.AssignmentStatusTypeUnassigned {
		return nil, errors.New("want AssignmentStatus Unassigned")
	}
	page := f.pages[f.listed]
	f.listed++
	out := &iam.ListVirtualMFADevicesOutput{IsTruncated: f.listed < len(f.pages)}
	if out.IsTruncated {
		out.Marker = aws.String("next")
	}
	for _, s := range page {
		out.VirtualMFADevices = append(out.VirtualMFADevices, types.VirtualMFADevice{SerialNumber: aws.String(s)})
	}
	return out, nil
}

func (f *mfxFakeMFA) CreateVirtualMFADevice(_ context.Context, in *iam.CreateVirtualMFADeviceInput, _ ...func(*iam.Options)) (*iam.CreateVirtualMFADeviceOutput, error) {
	name := *in.VirtualMFADeviceName
	f.created = append(f.created, name)
	if f.taken[name] {
		return nil, &smithy.GenericAPIError{Code: "EntityAlreadyExists", Message: "exists"}
	}
	return &iam.CreateVirtualMFADeviceOutput{VirtualMFADevice: &types.VirtualMFADevice{
		SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/" + name), Base32StringSeed: []byte("JBSWY3DPEHPK3PXP"), QRCodePNG: []byte{1, 2},
	}}, nil
}

func (f *mfxFakeMFA) DeleteVirtualMFADevice(context.Context, *iam.DeleteVirtualMFADeviceInput, ...func(*iam.Options)) (*iam.DeleteVirtualMFADeviceOutput, error) {
	return &iam.DeleteVirtualMFADeviceOutput{}, f.deleteFn()
}

func TestBeginEnrollmentNamesAndPages(t *testing.T) {
	f := &mfxFakeMFA{
		pages: [][]string{{"arn:aws:iam::123456789012:mfa/bob", "arn:aws:iam::123456789012:mfa/team/j.doe+1"}, {"arn:aws:iam::123456789012:mfa/j.doe+1-2"}},
	}
	e, err := awsx.BeginEnrollment(context.Background(), f, "j.doe+1", "")
	if err != nil {
		t.Fatal(err)
	}
	// "team/j.doe+1" has another path and "j.doe+1-2" another name: neither is a leftover of "j.doe+1".
	if f.listed != 2 || !slices.Equal(f.created, []string{"j.doe+1"}) {
		t.Fatalf("listed %d pages, created %v; want 2 pages and [j.doe+1]", f.listed, f.created)
	}
	if e.Serial != "arn:aws:iam::123456789012:mfa/j.doe+1" || e.Replaced != "" {
		t.Fatalf("enrollment %+v, created %v", e, f.created)
	}
	if want := "otpauth://totp/Amazon%20Web%20Services:j.doe%2B1@123456789012?secret=JBSWY3DPEHPK3PXP&issuer=Amazon%20Web%20Services"; e.URI != want {
		t.Fatalf("URI %s, want %s", e.URI, want)
	}
	if e.GroupedSecret() != "JBSW Y3DP EHPK 3PXP" {
		t.Fatalf("GroupedSecret %q", e.GroupedSecret())
	}

	f = &mfxFakeMFA{pages: [][]string{{"arn:aws:iam::123456789012:mfa/ci", "arn:aws:iam::123456789012:mfa/ci-2"}}, taken: map[string]bool{"ci-3": true}}
	e, err = awsx.BeginEnrollment(context.Background(), f, "bob", "ci")
	if err != nil || e.Serial != "arn:aws:iam::123456789012:mfa/ci-4" || e.Replaced != "arn:aws:iam::123456789012:mfa/ci-2" || !slices.Equal(f.created, []string{"ci-3", "ci-4"}) {
		t.Fatalf("enrollment %+v %v, created %v", e, err, f.created)
	}

	boom := errors.New("connection reset")
	f.deleteFn = func() error { return boom }
	if err := awsx.CancelEnrollment(context.Background(), f, e.Serial); !errors.Is(err, boom) || errors.Is(err, awsx.ErrLeftover) {
		t.Fatalf("CancelEnrollment with a network error: %v", err)
	}
}
