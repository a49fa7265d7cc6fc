package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// RemoveMFADevice through a role profile: the MFA session signs the deactivation (the forced-MFA policy
// denies it otherwise, and denies the delete outright), then the source's MFA session and the role sessions
// built on it are dropped.
func TestRemoveMFADeviceThroughARoleProfile(t *testing.T) {
	f := newEngineFixture(t)
	ctx := context.Background()
	if _, err := f.engine.Credentials(ctx, "admin"); err != nil { // caches dev's MFA session and admin's role session
		t.Fatal(err)
	}
	known, err := f.engine.KnownDevice("admin")
	if err != nil || known != (session.KnownDevice{Source: "dev", Serial: f.seeded.MFASerial, FromConfig: true}) {
		t.Fatalf("KnownDevice(admin) = %+v, %v", known, err)
	}
	cfg := awsx.Config{Region: "us-east-1", IAMEndpoint: f.srv.URL(), STSEndpoint: f.srv.URL(), RetryMaxAttempts: 1}
	res, err := f.engine.RemoveMFADevice(ctx, cfg, "admin", f.seeded.UserName, f.seeded.MFASerial)
	if err != nil {
		t.Fatal(err)
	}
	var le *awsx.LeftoverError
	if res.Source != "dev" || res.Sessions != 2 || !res.FromConfig || !errors.As(res.Leftover, &le) || !le.Deactivated {
		t.Fatalf("removal %+v (leftover %v)", res, res.Leftover)
	}
	long := cfg.WithCredentials(credentials.NewStaticCredentialsProvider(f.seeded.AccessKeyID, f.seeded.SecretAccessKey, ""), "test")
	if devices, err := awsx.Devices(ctx, long.IAM(), ""); err != nil || len(devices) != 0 {
		t.Fatalf("devices after the removal: %v %v", devices, err)
	}
	if n := f.calls("DeactivateMFADevice"); n != 1 {
		t.Fatalf("%d DeactivateMFADevice calls", n)
	}
	// Nothing cached is left: the next role credentials would need a new MFA session.
	if n, err := f.engine.Store.RemoveSessions([]string{"dev", "admin", "operator", "chained", "direct"}); n != 0 || err != nil {
		t.Fatalf("%d sessions left after the removal (%v)", n, err)
	}
}

func TestForgetDeviceForgetsOnlyThatDevice(t *testing.T) {
	f := newEngineFixture(t)
	const recorded, other = "arn:aws:iam::000000000000:mfa/recorded", "arn:aws:iam::000000000000:mfa/other"
	if err := f.engine.RecordSerial("dev", recorded); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.ForgetDevice("dev", other); err != nil || f.engine.RecordedSerial("dev") != recorded {
		t.Fatalf("forgetting another device dropped the recorded one: %q %v", f.engine.RecordedSerial("dev"), err)
	}
	if _, err := f.engine.ForgetDevice("dev", recorded); err != nil || f.engine.RecordedSerial("dev") != "" {
		t.Fatalf("the recorded device is still there: %q %v", f.engine.RecordedSerial("dev"), err)
	}
}
