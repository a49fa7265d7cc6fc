package localaws_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const codecommit = "codecommit.amazonaws.com"

// selfGitCredsPolicy lets a user manage its own service-specific credentials.
const selfGitCredsPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
	"Action":["iam:CreateServiceSpecificCredential","iam:DeleteServiceSpecificCredential","iam:ListServiceSpecificCredentials",
		"iam:ResetServiceSpecificCredential","iam:UpdateServiceSpecificCredential"],
	"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`

func TestServiceSpecificCredentials(t *testing.T) {
	srv, url := newTestEndpoint(t)
	hank, _, _ := iamUserWithKey(t, srv, url, "hank", "", selfGitCredsPolicy)
	if err := srv.CreateUser("bob", "", nil); err != nil {
		t.Fatal(err)
	}
	now := srv.Clock().Now().Truncate(time.Second)
	create := func(service string) (*types.ServiceSpecificCredential, error) {
		out, err := hank.CreateServiceSpecificCredential(wireCtx, &iam.CreateServiceSpecificCredentialInput{
			UserName: aws.String("hank"), ServiceName: aws.String(service)})
		if err != nil {
			return nil, err
		}
		return out.ServiceSpecificCredential, nil
	}
	list := func(service string) []types.ServiceSpecificCredentialMetadata {
		t.Helper()
		in := &iam.ListServiceSpecificCredentialsInput{}
		if service != "" {
			in.ServiceName = aws.String(service)
		}
		out, err := hank.ListServiceSpecificCredentials(wireCtx, in)
		mustOK(t, err, "ListServiceSpecificCredentials")
		return out.ServiceSpecificCredentials
	}

	if got := list(""); len(got) != 0 {
		t.Fatalf("a new user lists %+v", got)
	}

	// Create: the password is returned once, with the git user name.
	c, err := create(codecommit)
	mustOK(t, err, "CreateServiceSpecificCredential")
	id, password := aws.ToString(c.ServiceSpecificCredentialId), aws.ToString(c.ServicePassword)
	if len(password) < 20 {
		t.Errorf("ServicePassword = %q, want a generated password", password)
	}
	if !strings.HasPrefix(id, "ACCA") {
		t.Errorf("ServiceSpecificCredentialId = %q, want an ACCA id", id)
	}
	if aws.ToString(c.ServiceUserName) != "hank-at-"+testAccount || aws.ToString(c.ServiceName) != codecommit ||
		aws.ToString(c.UserName) != "hank" || c.Status != types.StatusTypeActive || c.CreateDate == nil || !c.CreateDate.Equal(now) {
		t.Errorf("created %+v", c)
	}

	// List: metadata only (the type has no password field), filtered by service.
	got := list("")
	if len(got) != 1 {
		t.Fatalf("List = %+v, want one credential", got)
	}
	m := got[0]
	if aws.ToString(m.ServiceSpecificCredentialId) != id || aws.ToString(m.ServiceUserName) != "hank-at-"+testAccount ||
		aws.ToString(m.ServiceName) != codecommit || aws.ToString(m.UserName) != "hank" || m.Status != types.StatusTypeActive ||
		m.CreateDate == nil || !m.CreateDate.Equal(now) {
		t.Errorf("listed %+v", m)
	}
	if got := list("cassandra.amazonaws.com"); len(got) != 0 {
		t.Errorf("List(cassandra) = %+v, want none", got)
	}

	// Reset: a new password for the same credential.
	reset, err := hank.ResetServiceSpecificCredential(wireCtx, &iam.ResetServiceSpecificCredentialInput{ServiceSpecificCredentialId: aws.String(id)})
	mustOK(t, err, "ResetServiceSpecificCredential")
	r := reset.ServiceSpecificCredential
	if p := aws.ToString(r.ServicePassword); p == "" || p == password {
		t.Errorf("reset password = %q, want a new one (old %q)", p, password)
	}
	if aws.ToString(r.ServiceSpecificCredentialId) != id || aws.ToString(r.ServiceUserName) != "hank-at-"+testAccount {
		t.Errorf("reset %+v", r)
	}

	// Update status.
	_, err = hank.UpdateServiceSpecificCredential(wireCtx, &iam.UpdateServiceSpecificCredentialInput{
		ServiceSpecificCredentialId: aws.String(id), Status: types.StatusTypeInactive})
	mustOK(t, err, "UpdateServiceSpecificCredential Inactive")
	if got := list(codecommit); len(got) != 1 || got[0].Status != types.StatusTypeInactive {
		t.Errorf("after deactivation List = %+v", got)
	}
	_, err = hank.UpdateServiceSpecificCredential(wireCtx, &iam.UpdateServiceSpecificCredentialInput{
		ServiceSpecificCredentialId: aws.String(id), Status: "Bogus"})
	wantCode(t, err, "ValidationError")

	// Two per service (inactive ones count); another service has its own quota.
	c2, err := create(codecommit)
	mustOK(t, err, "second codecommit credential")
	_, err = create(codecommit)
	wantCode(t, err, "LimitExceeded")
	wantTyped[*types.LimitExceededException](t, err)
	_, err = create("cassandra.amazonaws.com")
	mustOK(t, err, "a cassandra credential beside two codecommit ones")
	if got := list(""); len(got) != 3 {
		t.Errorf("List = %d credentials, want 3", len(got))
	}

	// Unsupported service.
	_, err = create("s3.amazonaws.com")
	wantCode(t, err, "NotSupportedService")
	wantTyped[*types.ServiceNotSupportedException](t, err)

	// Unknown ids, and another user's credential, are NoSuchEntity for every action that takes an id.
	bobCred, err := iamAdminUser(t, srv, url).CreateServiceSpecificCredential(wireCtx, &iam.CreateServiceSpecificCredentialInput{
		UserName: aws.String("bob"), ServiceName: aws.String(codecommit)})
	mustOK(t, err, "admin creates bob's credential")
	for _, unknown := range []string{"ACCAUNKNOWNUNKNOWNUNK", aws.ToString(bobCred.ServiceSpecificCredential.ServiceSpecificCredentialId)} {
		_, err = hank.ResetServiceSpecificCredential(wireCtx, &iam.ResetServiceSpecificCredentialInput{ServiceSpecificCredentialId: aws.String(unknown)})
		wantCode(t, err, "NoSuchEntity")
		wantTyped[*types.NoSuchEntityException](t, err)
		_, err = hank.UpdateServiceSpecificCredential(wireCtx, &iam.UpdateServiceSpecificCredentialInput{
			ServiceSpecificCredentialId: aws.String(unknown), Status: types.StatusTypeActive})
		wantCode(t, err, "NoSuchEntity")
		_, err = hank.DeleteServiceSpecificCredential(wireCtx, &iam.DeleteServiceSpecificCredentialInput{ServiceSpecificCredentialId: aws.String(unknown)})
		wantCode(t, err, "NoSuchEntity")
	}
	// Acting on bob by name is not hank's to do.
	_, err = hank.ListServiceSpecificCredentials(wireCtx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("bob")})
	wantCode(t, err, "AccessDenied")

	// Delete.
	_, err = hank.DeleteServiceSpecificCredential(wireCtx, &iam.DeleteServiceSpecificCredentialInput{ServiceSpecificCredentialId: aws.String(id)})
	mustOK(t, err, "DeleteServiceSpecificCredential")
	_, err = hank.DeleteServiceSpecificCredential(wireCtx, &iam.DeleteServiceSpecificCredentialInput{ServiceSpecificCredentialId: aws.String(id)})
	wantCode(t, err, "NoSuchEntity")
	left := list(codecommit)
	if len(left) != 1 || aws.ToString(left[0].ServiceSpecificCredentialId) != aws.ToString(c2.ServiceSpecificCredentialId) {
		t.Errorf("after delete List = %+v", left)
	}
	_, err = create(codecommit)
	mustOK(t, err, "a codecommit credential after a delete frees the quota")
}
