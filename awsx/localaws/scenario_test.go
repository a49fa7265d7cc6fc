package localaws_test

import (
	"bytes"
	"encoding/base32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// sharedFixtureDir holds the policies the embedded copies must match, outside this repository.
const sharedFixtureDir = "../../../shared/fixtures/policies"

func TestSeedScenarios(t *testing.T) {
	for _, scenario := range []string{localaws.ScenarioNewUser, localaws.ScenarioOnboarded} {
		t.Run(scenario, func(t *testing.T) {
			srv, url := newTestEndpoint(t)
			seed, err := srv.Seed(scenario)
			mustOK(t, err, "Seed")

			if seed.AccountID != testAccount || seed.Region != "us-east-1" || seed.UserName != localaws.DemoUserName {
				t.Errorf("seeded account %q region %q user %q", seed.AccountID, seed.Region, seed.UserName)
			}
			wantRoles := map[string]string{
				"iam-role-admin":    "arn:aws:iam::" + testAccount + ":role/iam-role-admin",
				"iam-role-operator": "arn:aws:iam::" + testAccount + ":role/iam-role-operator",
			}
			if len(seed.Roles) != len(wantRoles) {
				t.Errorf("Roles = %v, want %v", seed.Roles, wantRoles)
			}
			for name, arn := range wantRoles {
				if seed.Roles[name] != arn {
					t.Errorf("Roles[%s] = %q, want %q", name, seed.Roles[name], arn)
				}
			}
			if !strings.HasPrefix(seed.AccessKeyID, "AKIA") || len(seed.AccessKeyID) != 20 || len(seed.SecretAccessKey) != 40 {
				t.Errorf("access key %q / secret of %d characters", seed.AccessKeyID, len(seed.SecretAccessKey))
			}
			if seed.Password == "" {
				t.Error("no console password")
			}

			// The user signs in with the key.
			ident, err := stsClient(t, url, seed.AccessKeyID, seed.SecretAccessKey, "").GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
			mustOK(t, err, "GetCallerIdentity with the seeded key")
			if aws.ToString(ident.Arn) != "arn:aws:iam::"+testAccount+":user/"+localaws.DemoUserName || aws.ToString(ident.Account) != testAccount {
				t.Errorf("caller = %s in %s", aws.ToString(ident.Arn), aws.ToString(ident.Account))
			}
			alice := iamClient(t, url, seed.AccessKeyID, seed.SecretAccessKey, "")
			devices, err := alice.ListMFADevices(wireCtx, &iam.ListMFADevicesInput{})
			mustOK(t, err, "ListMFADevices")

			if scenario == localaws.ScenarioNewUser {
				if seed.MFASerial != "" || seed.MFASecret != "" {
					t.Errorf("new-user has MFA %q / %q", seed.MFASerial, seed.MFASecret)
				}
				if len(devices.MFADevices) != 0 {
					t.Errorf("new-user has devices %+v", devices.MFADevices)
				}
				// Password policy and roles need MFA, so check them through the admin API only.
				return
			}

			if seed.MFASerial != "arn:aws:iam::"+testAccount+":mfa/"+localaws.DemoUserName {
				t.Errorf("MFASerial = %q", seed.MFASerial)
			}
			if _, err := base32.StdEncoding.DecodeString(seed.MFASecret); err != nil || seed.MFASecret == "" {
				t.Errorf("MFASecret %q is not base32: %v", seed.MFASecret, err)
			}
			if secret, found := srv.MFASecret(seed.MFASerial); !found || secret != seed.MFASecret {
				t.Errorf("MFASecret(%s) = %q, %v", seed.MFASerial, secret, found)
			}
			if len(devices.MFADevices) != 1 || aws.ToString(devices.MFADevices[0].SerialNumber) != seed.MFASerial {
				t.Errorf("onboarded devices = %+v", devices.MFADevices)
			}

			// With MFA: the password policy of the fixtures, the console password, both roles.
			creds := mfaSession(t, srv, url, seed.AccessKeyID, seed.SecretAccessKey, seed.MFASerial, seed.MFASecret)
			withMFA := iamClientFor(t, url, creds)
			pp, err := withMFA.GetAccountPasswordPolicy(wireCtx, &iam.GetAccountPasswordPolicyInput{})
			mustOK(t, err, "GetAccountPasswordPolicy")
			if p := pp.PasswordPolicy; aws.ToInt32(p.MinimumPasswordLength) != 14 || !p.RequireSymbols || !p.RequireNumbers ||
				!p.RequireUppercaseCharacters || !p.RequireLowercaseCharacters || aws.ToInt32(p.PasswordReusePrevention) != 5 {
				t.Errorf("password policy = %+v", p)
			}
			_, err = withMFA.ChangePassword(wireCtx, &iam.ChangePasswordInput{OldPassword: aws.String(seed.Password), NewPassword: aws.String("Kagi-rotated-Passw0rd!")})
			mustOK(t, err, "ChangePassword from the seeded console password")
			for name, arn := range seed.Roles {
				out, err := stsClientFor(t, url, creds).AssumeRole(wireCtx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("alice")})
				if name == "iam-role-admin" {
					mustOK(t, err, "AssumeRole "+name)
					if want := "arn:aws:sts::" + testAccount + ":assumed-role/" + name + "/alice"; aws.ToString(out.AssumedRoleUser.Arn) != want {
						t.Errorf("AssumedRoleUser.Arn = %q, want %q", aws.ToString(out.AssumedRoleUser.Arn), want)
					}
				} else {
					// alice is in the admin group only: the operator role is not hers to assume.
					wantCode(t, err, "AccessDenied")
				}
			}
		})
	}
}

func TestSeedErrors(t *testing.T) {
	srv, _ := newTestEndpoint(t)
	if _, err := srv.Seed("bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("Seed(bogus) = %v, want an unknown-scenario error", err)
	}
	if _, err := srv.Seed(localaws.ScenarioNewUser); err != nil {
		t.Fatalf("Seed after a rejected scenario: %v", err)
	}
	if _, err := srv.Seed(localaws.ScenarioOnboarded); err == nil {
		t.Error("seeding an already seeded account should fail")
	}
}

// TestEmbeddedPoliciesMatchFixtures: the embedded policies are byte-identical copies of the shared fixtures.
func TestEmbeddedPoliciesMatchFixtures(t *testing.T) {
	shared, err := os.ReadDir(sharedFixtureDir)
	if os.IsNotExist(err) {
		t.Skipf("%s does not exist (outside the repository)", sharedFixtureDir)
	}
	mustOK(t, err, "read shared fixtures")
	embedded, err := os.ReadDir("policies")
	mustOK(t, err, "read policies/")

	names := map[string]bool{}
	for _, e := range shared {
		if filepath.Ext(e.Name()) == ".json" {
			names[e.Name()] = true
		}
	}
	for _, e := range embedded {
		if !names[e.Name()] {
			t.Errorf("policies/%s has no shared fixture", e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatal("no shared fixture policies found")
	}
	for name := range names {
		want, err := os.ReadFile(filepath.Join(sharedFixtureDir, name))
		mustOK(t, err, "read fixture "+name)
		got, err := localaws.FixturePolicy(name)
		if err != nil {
			t.Errorf("fixture %s is not embedded: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("embedded %s differs from %s", name, filepath.Join(sharedFixtureDir, name))
		}
	}
	if _, err := localaws.FixturePolicy("nonexistent.json"); err == nil {
		t.Error("FixturePolicy(nonexistent.json) should fail")
	}
}
