package localaws_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// iamCall is one IAM action as a policy check exercises it.
type iamCall struct {
	name string
	call func(c *iam.Client) error
}

func wantAllowed(t *testing.T, who string, c *iam.Client, calls ...iamCall) {
	t.Helper()
	for _, k := range calls {
		if err := k.call(c); err != nil {
			t.Errorf("%s: %s should be allowed, got %v", who, k.name, err)
		}
	}
}

func wantDenied(t *testing.T, who string, c *iam.Client, calls ...iamCall) {
	t.Helper()
	for _, k := range calls {
		if err := k.call(c); errCode(err) != "AccessDenied" {
			t.Errorf("%s: %s should be AccessDenied, got %v", who, k.name, err)
		}
	}
}

// TestForceMFAPolicyNewUserFlow walks the first-login flow of a user holding force-mfa-self-manage.json:
// without MFA only the MFA set-up actions work; an MFA session unlocks self-management, and only of itself.
func TestForceMFAPolicyNewUserFlow(t *testing.T) {
	srv, url := newTestEndpoint(t)
	seed, err := srv.Seed(localaws.ScenarioNewUser)
	mustOK(t, err, "Seed")
	if err := srv.CreateUser("bob", "Bob-initial-Passw0rd!", nil); err != nil {
		t.Fatal(err)
	}
	bobKey, _, err := srv.CreateAccessKeyFor("bob")
	mustOK(t, err, "CreateAccessKeyFor bob")
	alice := iamClient(t, url, seed.AccessKeyID, seed.SecretAccessKey, "")
	ctx := context.Background()
	password := seed.Password

	listKeys := iamCall{"ListAccessKeys", func(c *iam.Client) error {
		_, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
		return err
	}}
	changePassword := iamCall{"ChangePassword", func(c *iam.Client) error {
		next := "Kagi-changed-Passw0rd-1!"
		if password == next {
			next = "Kagi-changed-Passw0rd-2!"
		}
		_, err := c.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(password), NewPassword: aws.String(next)})
		if err == nil {
			password = next
		}
		return err
	}}
	passwordPolicy := iamCall{"GetAccountPasswordPolicy", func(c *iam.Client) error {
		_, err := c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
		return err
	}}
	createKey := iamCall{"CreateAccessKey", func(c *iam.Client) error {
		_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
		return err
	}}
	listGitCreds := iamCall{"ListServiceSpecificCredentials", func(c *iam.Client) error {
		_, err := c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{})
		return err
	}}
	createGitCred := iamCall{"CreateServiceSpecificCredential", func(c *iam.Client) error {
		_, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{
			UserName: aws.String(seed.UserName), ServiceName: aws.String(codecommit)})
		return err
	}}
	getUser := iamCall{"GetUser", func(c *iam.Client) error {
		_, err := c.GetUser(ctx, &iam.GetUserInput{})
		return err
	}}
	listMFA := iamCall{"ListMFADevices", func(c *iam.Client) error {
		_, err := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{})
		return err
	}}
	listVirtualMFA := iamCall{"ListVirtualMFADevices", func(c *iam.Client) error {
		_, err := c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
		return err
	}}
	selfManagement := []iamCall{listKeys, changePassword, passwordPolicy, createKey, listGitCreds, createGitCred}
	mfaSetup := []iamCall{getUser, listMFA, listVirtualMFA}

	// 1. The long-term key, no MFA device yet.
	wantDenied(t, "long-term key", alice, selfManagement...)
	wantAllowed(t, "long-term key", alice, mfaSetup...)

	out, err := alice.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(seed.UserName)})
	mustOK(t, err, "CreateVirtualMFADevice with the long-term key")
	serial, mfaSeed := aws.ToString(out.VirtualMFADevice.SerialNumber), string(out.VirtualMFADevice.Base32StringSeed)

	// 2. A session without MFA is no better than the key.
	noMFA := iamClientFor(t, url, sessionToken(t, url, seed.AccessKeyID, seed.SecretAccessKey))
	wantDenied(t, "session without MFA", noMFA, selfManagement...)
	wantAllowed(t, "session without MFA", noMFA, mfaSetup...)

	// 3. Enable the device with the long-term key.
	now := srv.Clock().Now()
	_, err = alice.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(seed.UserName), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(localaws.CodeAt(mfaSeed, now)), AuthenticationCode2: aws.String(nextCode(srv, mfaSeed))})
	mustOK(t, err, "EnableMFADevice with the long-term key")
	wantAllowed(t, "long-term key", alice, listMFA)

	// 4. An MFA session manages the user's own credentials; the key alone still cannot.
	mfaCreds := mfaSession(t, srv, url, seed.AccessKeyID, seed.SecretAccessKey, serial, mfaSeed)
	withMFA := iamClientFor(t, url, mfaCreds)
	wantAllowed(t, "MFA session", withMFA, append(selfManagement, mfaSetup...)...)
	wantDenied(t, "long-term key after MFA set-up", alice, listKeys, listGitCreds)
	wantDenied(t, "session without MFA after MFA set-up", noMFA, listKeys, listGitCreds)

	// 5. ... and only its own: bob's keys, credentials and devices are out of reach even with MFA.
	bob := aws.String("bob")
	wantDenied(t, "MFA session on bob", withMFA,
		iamCall{"ListAccessKeys bob", func(c *iam.Client) error {
			_, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: bob})
			return err
		}},
		iamCall{"CreateAccessKey bob", func(c *iam.Client) error {
			_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: bob})
			return err
		}},
		iamCall{"UpdateAccessKey bob", func(c *iam.Client) error {
			_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: bob, AccessKeyId: aws.String(bobKey), Status: "Inactive"})
			return err
		}},
		iamCall{"DeleteAccessKey bob", func(c *iam.Client) error {
			_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: bob, AccessKeyId: aws.String(bobKey)})
			return err
		}},
		iamCall{"CreateServiceSpecificCredential bob", func(c *iam.Client) error {
			_, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: bob, ServiceName: aws.String(codecommit)})
			return err
		}},
		iamCall{"GetUser bob", func(c *iam.Client) error {
			_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: bob})
			return err
		}},
		iamCall{"ListMFADevices bob", func(c *iam.Client) error {
			_, err := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: bob})
			return err
		}},
	)
	// Without UserName, alice's own calls never touch bob's key.
	_, err = withMFA.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(bobKey)})
	wantCode(t, err, "NoSuchEntity")

	// The MFA session also carries MFA into STS: the admin role's trust requires it.
	_, err = stsClientFor(t, url, mfaCreds).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(seed.Roles["iam-role-admin"]), RoleSessionName: aws.String("alice")})
	mustOK(t, err, "AssumeRole iam-role-admin from the MFA session")
	_, err = stsClient(t, url, seed.AccessKeyID, seed.SecretAccessKey, "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(seed.Roles["iam-role-admin"]), RoleSessionName: aws.String("alice")})
	wantCode(t, err, "AccessDenied")
}
