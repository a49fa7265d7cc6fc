package awsx_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

// keysEndpoint starts localaws (onboarded) with a frozen clock and returns the user's long-term Config and one
// signing with an MFA session from GetSessionToken, as kagi's self-service calls do.
func keysEndpoint(t *testing.T, delay time.Duration) (*localaws.Server, *localaws.Seeded, awsx.Config, awsx.Config) {
	t.Helper()
	srv := localaws.New(localaws.Options{KeyPropagationDelay: delay})
	srv.Clock().Set(time.Now().Truncate(30 * time.Second).Add(5 * time.Second))
	seeded, err := srv.Seed(localaws.ScenarioOnboarded)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cfg := awsx.Config{Region: "us-east-1", IAMEndpoint: url, STSEndpoint: url, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(seeded.AccessKeyID, seeded.SecretAccessKey, "")}
	out, err := cfg.STS().GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
		SerialNumber: aws.String(seeded.MFASerial), TokenCode: aws.String(localaws.CodeAt(seeded.MFASecret, srv.Clock().Now())),
	})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	c := out.Credentials
	mfa := cfg.WithCredentials(credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "mfa session")
	return srv, seeded, cfg, mfa
}

func TestAccessKeysLifecycleUnderForcedMFAPolicy(t *testing.T) {
	ctx := context.Background()
	srv, seeded, longTerm, mfa := keysEndpoint(t, 0)

	// Without MFA the policy denies even listing.
	if _, err := awsx.ListKeys(ctx, longTerm.IAM(), ""); awsx.Classify(err) != awsx.ClassAccessDenied {
		t.Fatalf("ListKeys without MFA: %v (class %v), want access denied", err, awsx.Classify(err))
	}

	keys, err := awsx.ListKeysLastUsed(ctx, mfa.IAM(), "")
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	if len(keys) != 1 || keys[0].ID != seeded.AccessKeyID || !keys[0].Active() || keys[0].Created.IsZero() {
		t.Fatalf("keys = %+v", keys)
	}
	// The policy does not allow iam:GetAccessKeyLastUsed: the list degrades instead of failing.
	if keys[0].LastUsed != nil || keys[0].LastUsedErr != awsx.LastUsedNotPermitted {
		t.Fatalf("last used = %v %q, want %q", keys[0].LastUsed, keys[0].LastUsedErr, awsx.LastUsedNotPermitted)
	}

	created, err := awsx.CreateKey(ctx, mfa.IAM(), "")
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if !strings.HasPrefix(created.ID, "AKIA") || len(created.Secret) < 16 || strings.Contains(created.String(), created.Secret) {
		t.Fatalf("created %s (secret shown by String: %v)", created, strings.Contains(created.String(), created.Secret))
	}
	// The 2-key quota: a third key is refused with LimitExceeded.
	if _, err := awsx.CreateKey(ctx, mfa.IAM(), ""); awsx.Classify(err) != awsx.ClassLimitExceeded {
		t.Fatalf("third CreateKey: %v, want limit exceeded", err)
	}
	if err := awsx.SetKeyStatus(ctx, mfa.IAM(), "", created.ID, false); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	srv.ResetCalls()
	keys, err = awsx.ListKeysLastUsed(ctx, mfa.IAM(), "")
	if err != nil || len(keys) != 2 {
		t.Fatalf("after deactivate: %+v %v", keys, err)
	}
	for _, k := range keys {
		if (k.ID == created.ID) == k.Active() || k.LastUsedErr != awsx.LastUsedNotPermitted {
			t.Fatalf("after deactivate: %+v", keys)
		}
	}
	if n := srv.Calls().Calls["GetAccessKeyLastUsed"]; n != 1 {
		t.Errorf("GetAccessKeyLastUsed called %d times; once is enough to learn it is not permitted", n)
	}
	// An inactive key does not authenticate.
	inactive := longTerm.WithCredentials(credentials.NewStaticCredentialsProvider(created.ID, created.Secret, ""), "new")
	if _, err := inactive.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); awsx.Classify(err) != awsx.ClassInvalidClientToken {
		t.Fatalf("inactive key accepted: %v", err)
	}
	if err := awsx.SetKeyStatus(ctx, mfa.IAM(), "", created.ID, true); err != nil {
		t.Fatalf("activate: %v", err)
	}
	if _, err := awsx.WaitUsable(ctx, inactive.STS(), time.Second); err != nil {
		t.Fatalf("reactivated key: %v", err)
	}
	if err := awsx.DeleteKey(ctx, mfa.IAM(), "", created.ID); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if err := awsx.DeleteKey(ctx, mfa.IAM(), "", created.ID); awsx.Classify(err) != awsx.ClassNoSuchEntity {
		t.Fatalf("second DeleteKey: %v, want no such entity", err)
	}
	if keys, err = awsx.ListKeys(ctx, mfa.IAM(), ""); err != nil || len(keys) != 1 {
		t.Fatalf("after delete: %+v %v", keys, err)
	}
}

func TestListKeysLastUsedWhenPermittedAndOnFailure(t *testing.T) {
	ctx := context.Background()
	srv, seeded, longTerm, mfa := keysEndpoint(t, 0)
	// The admin role may read when a key was last used (AdministratorAccess).
	out, err := mfa.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(seeded.Roles["iam-role-admin"]), RoleSessionName: aws.String("keys-test")})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	admin := longTerm.WithCredentials(credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "admin")
	keys, err := awsx.ListKeysLastUsed(ctx, admin.IAM(), seeded.UserName)
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListKeys as admin: %+v %v", keys, err)
	}
	k := keys[0]
	if k.LastUsed == nil || k.LastUsedErr != "" || k.LastService != "sts" || k.LastRegion != "us-east-1" {
		t.Fatalf("last used = %v %q %q %q", k.LastUsed, k.LastService, k.LastRegion, k.LastUsedErr)
	}
	// A plain listing never asks.
	before := srv.Calls().Calls["GetAccessKeyLastUsed"]
	if keys, err = awsx.ListKeys(ctx, admin.IAM(), seeded.UserName); err != nil || keys[0].LastUsed != nil || keys[0].LastUsedAsked {
		t.Fatalf("ListKeys asked for last used: %+v %v", keys, err)
	}
	if after := srv.Calls().Calls["GetAccessKeyLastUsed"]; after != before {
		t.Fatalf("ListKeys called GetAccessKeyLastUsed %d times", after-before)
	}
	// Any other failure of GetAccessKeyLastUsed degrades too, saying what it was.
	srv.InjectFault("GetAccessKeyLastUsed", localaws.Fault{Code: "Throttling", Times: 1})
	keys, err = awsx.ListKeysLastUsed(ctx, admin.IAM(), seeded.UserName)
	if err != nil || keys[0].LastUsed != nil || keys[0].LastUsedErr != "unavailable (throttled)" {
		t.Fatalf("throttled last used: %+v %v", keys, err)
	}
}

func TestWaitUsableRetriesWhileTheKeyPropagates(t *testing.T) {
	ctx := context.Background()
	srv, _, longTerm, mfa := keysEndpoint(t, 10*time.Second)
	created, err := awsx.CreateKey(ctx, mfa.IAM(), "")
	if err != nil {
		t.Fatal(err)
	}
	newKey := longTerm.WithCredentials(credentials.NewStaticCredentialsProvider(created.ID, created.Secret, ""), "new")
	var slept time.Duration
	w := awsx.Waiter{Timeout: 30 * time.Second, Now: srv.Clock().Now, Sleep: func(_ context.Context, d time.Duration) error {
		slept += d
		srv.Clock().Advance(d)
		return nil
	}}
	srv.ResetCalls()
	out, err := w.Wait(ctx, newKey.STS())
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if !strings.HasSuffix(aws.ToString(out.Arn), ":user/alice") || slept < 10*time.Second || slept > 20*time.Second {
		t.Fatalf("arn %s after sleeping %s", aws.ToString(out.Arn), slept)
	}
	if errs := srv.Calls().Errors["GetCallerIdentity:InvalidClientTokenId"]; errs < 3 {
		t.Errorf("only %d rejected attempts; back-off should start small", errs)
	}

	// A key that never becomes usable: the wait ends at the timeout with the AWS error inside.
	w.Timeout, slept = 5*time.Second, 0
	wrong := longTerm.WithCredentials(credentials.NewStaticCredentialsProvider(created.ID, "not-the-secret-0000000000", ""), "wrong")
	_, err = w.Wait(ctx, wrong.STS())
	if awsx.Classify(err) != awsx.ClassInvalidClientToken || !strings.Contains(err.Error(), "not accepted after") || slept > 5*time.Second {
		t.Fatalf("Wait with a wrong secret: %v after %s", err, slept)
	}
}

type identityFunc func() (*sts.GetCallerIdentityOutput, error)

func (f identityFunc) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return f()
}

func TestWaitStopsAtOnceOnOtherErrorsAndOnCancel(t *testing.T) {
	calls := 0
	denied := identityFunc(func() (*sts.GetCallerIdentityOutput, error) {
		calls++
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "no"}
	})
	if _, err := awsx.WaitUsable(context.Background(), denied, time.Minute); awsx.Classify(err) != awsx.ClassAccessDenied || calls != 1 {
		t.Fatalf("AccessDenied: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	invalid := identityFunc(func() (*sts.GetCallerIdentityOutput, error) {
		cancel()
		return nil, &smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "no"}
	})
	if _, err := awsx.WaitUsable(ctx, invalid, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled wait: %v", err)
	}
}
