package awsx_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

// endpoint starts the embedded endpoint with a scenario and returns a Config signed with the scenario user's key.
func endpoint(t *testing.T, scenario string) (*localaws.Server, *localaws.Seeded, awsx.Config) {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	seeded, err := srv.Seed(scenario)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cfg, err := awsx.Resolve(awsx.Settings{EndpointURL: url}, mapEnv(map[string]string{
		"HOME": t.TempDir(), "AWS_ACCESS_KEY_ID": seeded.AccessKeyID, "AWS_SECRET_ACCESS_KEY": seeded.SecretAccessKey,
	}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryMaxAttempts = 1
	return srv, seeded, cfg
}

func TestWhoAmIOverHTTP(t *testing.T) {
	ctx := context.Background()
	srv, seeded, cfg := endpoint(t, localaws.ScenarioOnboarded)

	id, err := awsx.WhoAmI(ctx, cfg.STS(), cfg.IAM())
	if err != nil {
		t.Fatalf("WhoAmI as user: %v", err)
	}
	if id.Account != "000000000000" || id.UserName != "alice" || id.ARN != "arn:aws:iam::000000000000:user/alice" || id.CreatedAt == nil {
		t.Errorf("user identity = %+v", id)
	}
	if len(id.MFADevices) != 1 || id.MFADevices[0].SerialNumber != seeded.MFASerial {
		t.Errorf("MFA devices = %+v, want %s", id.MFADevices, seeded.MFASerial)
	}

	// An assumed-role session has no IAM user: WhoAmI must not call GetUser (it would fail).
	srv.Clock().Set(time.Now())
	code := localaws.CodeAt(seeded.MFASecret, srv.Clock().Now())
	out, err := cfg.STS().AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(seeded.Roles["iam-role-admin"]), RoleSessionName: aws.String("whoami-test"),
		SerialNumber: aws.String(seeded.MFASerial), TokenCode: aws.String(code),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	roleCfg := cfg.WithCredentials(credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "test")
	before := srv.Calls().Calls["GetUser"]
	id, err = awsx.WhoAmI(ctx, roleCfg.STS(), roleCfg.IAM())
	if err != nil {
		t.Fatalf("WhoAmI as role: %v", err)
	}
	if id.RoleName != "iam-role-admin" || id.UserName != "" || id.ARN != "arn:aws:sts::000000000000:assumed-role/iam-role-admin/whoami-test" {
		t.Errorf("role identity = %+v", id)
	}
	if after := srv.Calls().Calls["GetUser"]; after != before {
		t.Errorf("GetUser called %d times for a role session", after-before)
	}
}

func TestWhoAmIWorksBeforeMFAUnderForcedMFAPolicy(t *testing.T) {
	_, _, cfg := endpoint(t, localaws.ScenarioNewUser)
	id, err := awsx.WhoAmI(context.Background(), cfg.STS(), cfg.IAM())
	if err != nil {
		t.Fatalf("WhoAmI: %v", err)
	}
	if len(id.MFADevices) != 0 || id.UserName != "alice" {
		t.Errorf("identity = %+v", id)
	}
}

func TestWhoAmIReportsBadCredentials(t *testing.T) {
	_, _, cfg := endpoint(t, localaws.ScenarioNewUser)
	bad := cfg.WithCredentials(credentials.NewStaticCredentialsProvider("AKIAUNKNOWN000000000", "nope", ""), "test")
	_, err := awsx.WhoAmI(context.Background(), bad.STS(), bad.IAM())
	if awsx.Classify(err) != awsx.ClassInvalidClientToken {
		t.Fatalf("WhoAmI with an unknown key: class %v (%v)", awsx.Classify(err), err)
	}
}

// fakeUserAPI is a unit fake: func fields per method.
type fakeUserAPI struct {
	getUser func() (*iam.GetUserOutput, error)
}

func (f fakeUserAPI) GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return f.getUser()
}

func (f fakeUserAPI) ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	return &iam.ListMFADevicesOutput{}, nil
}

type fakeIdentity struct{ arn string }

func (f fakeIdentity) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Arn: aws.String(f.arn), Account: aws.String("000000000000"), UserId: aws.String("AIDA")}, nil
}

func TestWhoAmIWrapsGetUserError(t *testing.T) {
	boom := errors.New("boom")
	_, err := awsx.WhoAmI(context.Background(), fakeIdentity{"arn:aws:iam::000000000000:user/team/bob"}, fakeUserAPI{getUser: func() (*iam.GetUserOutput, error) { return nil, boom }})
	if !errors.Is(err, boom) || err.Error() != "get user: boom" {
		t.Fatalf("err = %v", err)
	}
	id, err := awsx.WhoAmI(context.Background(), fakeIdentity{"arn:aws:iam::000000000000:root"}, fakeUserAPI{getUser: func() (*iam.GetUserOutput, error) {
		t.Fatal("GetUser must not be called for root")
		return nil, nil
	}})
	if err != nil || id.ARN != "arn:aws:iam::000000000000:root" {
		t.Fatalf("root: %+v %v", id, err)
	}
}
