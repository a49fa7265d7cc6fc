package localaws_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// selfKeysPolicy lets a user manage its own access keys (and nothing else).
const selfKeysPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
	"Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:ListAccessKeys","iam:UpdateAccessKey","iam:GetUser"],
	"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`

func TestAccessKeyLifecycle(t *testing.T) {
	srv, url := newTestEndpoint(t)
	frank, firstID, _ := iamUserWithKey(t, srv, url, "frank", "", selfKeysPolicy)
	if err := srv.CreateUser("bob", "", nil); err != nil {
		t.Fatal(err)
	}
	bobKey, _, err := srv.CreateAccessKeyFor("bob")
	mustOK(t, err, "CreateAccessKeyFor bob")
	now := srv.Clock().Now().Truncate(time.Second)

	// Create: a second key is allowed.
	out, err := frank.CreateAccessKey(wireCtx, &iam.CreateAccessKeyInput{})
	mustOK(t, err, "CreateAccessKey")
	k := out.AccessKey
	id, secret := aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey)
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || strings.ToUpper(id) != id {
		t.Errorf("AccessKeyId = %q, want AKIA + 16 upper-case characters", id)
	}
	if len(secret) != 40 {
		t.Errorf("SecretAccessKey has %d characters, want 40", len(secret))
	}
	if aws.ToString(k.UserName) != "frank" || k.Status != types.StatusTypeActive || k.CreateDate == nil || !k.CreateDate.Equal(now) {
		t.Errorf("CreateAccessKey = user %q status %q created %v", aws.ToString(k.UserName), k.Status, k.CreateDate)
	}
	second := iamClient(t, url, id, secret, "")
	if _, err := second.GetUser(wireCtx, &iam.GetUserInput{}); err != nil {
		t.Fatalf("the new key does not work: %v", err)
	}

	// The limit: two keys, and inactive keys count.
	_, err = frank.CreateAccessKey(wireCtx, &iam.CreateAccessKeyInput{})
	wantCode(t, err, "LimitExceeded")
	wantTyped[*types.LimitExceededException](t, err)
	_, err = frank.UpdateAccessKey(wireCtx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(id), Status: types.StatusTypeInactive})
	mustOK(t, err, "UpdateAccessKey Inactive")
	_, err = frank.CreateAccessKey(wireCtx, &iam.CreateAccessKeyInput{})
	wantCode(t, err, "LimitExceeded")

	// List: both keys with their status and dates, oldest first.
	list, err := frank.ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{})
	mustOK(t, err, "ListAccessKeys")
	if list.IsTruncated || len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %+v", list.AccessKeyMetadata)
	}
	want := map[string]types.StatusType{firstID: types.StatusTypeActive, id: types.StatusTypeInactive}
	for _, m := range list.AccessKeyMetadata {
		kid := aws.ToString(m.AccessKeyId)
		if st, found := want[kid]; !found || m.Status != st || aws.ToString(m.UserName) != "frank" || m.CreateDate == nil || !m.CreateDate.Equal(now) {
			t.Errorf("listed key %s: status %q user %q created %v", kid, m.Status, aws.ToString(m.UserName), m.CreateDate)
		}
		delete(want, kid)
	}
	if len(want) != 0 {
		t.Errorf("keys missing from the list: %v", want)
	}

	// An inactive key's requests are rejected as an unknown token, by IAM and STS alike.
	_, err = second.GetUser(wireCtx, &iam.GetUserInput{})
	wantCode(t, err, "InvalidClientTokenId")
	_, err = stsClient(t, url, id, secret, "").GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
	_, err = frank.UpdateAccessKey(wireCtx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(id), Status: types.StatusTypeActive})
	mustOK(t, err, "UpdateAccessKey Active")
	_, err = second.GetUser(wireCtx, &iam.GetUserInput{})
	mustOK(t, err, "GetUser with the re-activated key")

	_, err = frank.UpdateAccessKey(wireCtx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(id), Status: "Bogus"})
	wantCode(t, err, "ValidationError")

	// Another user's key is reported as not found, for every action that takes a key id.
	_, err = frank.UpdateAccessKey(wireCtx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(bobKey), Status: types.StatusTypeInactive})
	wantCode(t, err, "NoSuchEntity")
	wantTyped[*types.NoSuchEntityException](t, err)
	_, err = frank.DeleteAccessKey(wireCtx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(bobKey)})
	wantCode(t, err, "NoSuchEntity")
	// ... and acting on bob by name is not frank's to do.
	_, err = frank.DeleteAccessKey(wireCtx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(bobKey), UserName: aws.String("bob")})
	wantCode(t, err, "AccessDenied")
	_, err = frank.ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{UserName: aws.String("bob")})
	wantCode(t, err, "AccessDenied")

	// Delete: the key stops working, and deleting it again is NoSuchEntity.
	_, err = frank.DeleteAccessKey(wireCtx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)})
	mustOK(t, err, "DeleteAccessKey")
	_, err = second.GetUser(wireCtx, &iam.GetUserInput{})
	wantCode(t, err, "InvalidClientTokenId")
	_, err = frank.DeleteAccessKey(wireCtx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)})
	wantCode(t, err, "NoSuchEntity")
	_, err = frank.DeleteAccessKey(wireCtx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String("short")})
	wantCode(t, err, "ValidationError")

	// With one key left, a new one can be created again.
	_, err = frank.CreateAccessKey(wireCtx, &iam.CreateAccessKeyInput{})
	mustOK(t, err, "CreateAccessKey after a delete")
}

func TestAccessKeysAsAdmin(t *testing.T) {
	srv, url := newTestEndpoint(t)
	admin := iamAdminUser(t, srv, url)
	if err := srv.CreateUser("bob", "", nil); err != nil {
		t.Fatal(err)
	}
	out, err := admin.CreateAccessKey(wireCtx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	mustOK(t, err, "CreateAccessKey for bob")
	if aws.ToString(out.AccessKey.UserName) != "bob" {
		t.Errorf("UserName = %q", aws.ToString(out.AccessKey.UserName))
	}
	id := aws.ToString(out.AccessKey.AccessKeyId)
	list, err := admin.ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{UserName: aws.String("bob")})
	mustOK(t, err, "ListAccessKeys bob")
	if len(list.AccessKeyMetadata) != 1 || aws.ToString(list.AccessKeyMetadata[0].AccessKeyId) != id {
		t.Errorf("ListAccessKeys bob = %+v", list.AccessKeyMetadata)
	}
	// The admin's own list does not contain bob's key.
	list, err = admin.ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{})
	mustOK(t, err, "ListAccessKeys")
	for _, m := range list.AccessKeyMetadata {
		if aws.ToString(m.AccessKeyId) == id {
			t.Error("bob's key is listed as the admin's")
		}
	}
	_, err = admin.CreateAccessKey(wireCtx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	wantCode(t, err, "NoSuchEntity")
	_, err = admin.DeleteAccessKey(wireCtx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(id)})
	mustOK(t, err, "DeleteAccessKey for bob")
}

func TestGetAccessKeyLastUsed(t *testing.T) {
	srv, url := newTestEndpoint(t)
	admin := iamAdminUser(t, srv, url)
	_, id, secret := iamUserWithKey(t, srv, url, "frank", "", selfKeysPolicy)
	lastUsed := func() *iam.GetAccessKeyLastUsedOutput {
		t.Helper()
		out, err := admin.GetAccessKeyLastUsed(wireCtx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
		mustOK(t, err, "GetAccessKeyLastUsed")
		if aws.ToString(out.UserName) != "frank" {
			t.Errorf("UserName = %q", aws.ToString(out.UserName))
		}
		return out
	}

	lu := lastUsed().AccessKeyLastUsed
	if lu.LastUsedDate != nil || aws.ToString(lu.ServiceName) != "N/A" || aws.ToString(lu.Region) != "N/A" {
		t.Errorf("never used: date %v service %q region %q, want none, N/A, N/A", lu.LastUsedDate, aws.ToString(lu.ServiceName), aws.ToString(lu.Region))
	}

	srv.Clock().Advance(time.Minute)
	usedAt := srv.Clock().Now().Truncate(time.Second)
	_, err := iamClient(t, url, id, secret, "").ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{})
	mustOK(t, err, "ListAccessKeys")
	lu = lastUsed().AccessKeyLastUsed
	if lu.LastUsedDate == nil || !lu.LastUsedDate.Equal(usedAt) || aws.ToString(lu.ServiceName) != "iam" || aws.ToString(lu.Region) != "us-east-1" {
		t.Errorf("after an IAM call: date %v service %q region %q, want %v iam us-east-1", lu.LastUsedDate, aws.ToString(lu.ServiceName), aws.ToString(lu.Region), usedAt)
	}

	srv.Clock().Advance(time.Minute)
	usedAt = srv.Clock().Now().Truncate(time.Second)
	_, err = stsClient(t, url, id, secret, "").GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
	mustOK(t, err, "GetCallerIdentity")
	lu = lastUsed().AccessKeyLastUsed
	if lu.LastUsedDate == nil || !lu.LastUsedDate.Equal(usedAt) || aws.ToString(lu.ServiceName) != "sts" {
		t.Errorf("after an STS call: date %v service %q, want %v sts", lu.LastUsedDate, aws.ToString(lu.ServiceName), usedAt)
	}

	t.Run("not allowed by force-mfa-self-manage, even with MFA", func(t *testing.T) {
		pol, err := localaws.FixturePolicy("force-mfa-self-manage.json")
		mustOK(t, err, "FixturePolicy")
		_, gid, gsecret := iamUserWithKey(t, srv, url, "gina", "", string(pol))
		serial, seed, err := srv.EnableVirtualMFAFor("gina")
		mustOK(t, err, "EnableVirtualMFAFor")
		gina := iamClientFor(t, url, mfaSession(t, srv, url, gid, gsecret, serial, seed))
		if _, err := gina.ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{}); err != nil {
			t.Fatalf("the MFA session should be allowed ListAccessKeys: %v", err)
		}
		_, err = gina.GetAccessKeyLastUsed(wireCtx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(gid)})
		wantCode(t, err, "AccessDenied")
	})
}

func TestKeyPropagationDelay(t *testing.T) {
	srv, url := newTestEndpointWith(t, localaws.Options{KeyPropagationDelay: 10 * time.Second})
	admin := iamAdminUser(t, srv, url) // CreateAccessKeyFor keys are usable at once
	if _, err := admin.GetUser(wireCtx, &iam.GetUserInput{}); err != nil {
		t.Fatalf("an admin-API key should work at once: %v", err)
	}
	out, err := admin.CreateAccessKey(wireCtx, &iam.CreateAccessKeyInput{})
	mustOK(t, err, "CreateAccessKey")
	fresh := iamClient(t, url, aws.ToString(out.AccessKey.AccessKeyId), aws.ToString(out.AccessKey.SecretAccessKey), "")

	_, err = fresh.GetUser(wireCtx, &iam.GetUserInput{})
	wantCode(t, err, "InvalidClientTokenId")
	srv.Clock().Advance(9 * time.Second)
	_, err = fresh.GetUser(wireCtx, &iam.GetUserInput{})
	wantCode(t, err, "InvalidClientTokenId")
	srv.Clock().Advance(time.Second)
	_, err = fresh.GetUser(wireCtx, &iam.GetUserInput{})
	mustOK(t, err, "GetUser with the key after the propagation delay")
}
