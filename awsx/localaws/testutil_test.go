package localaws_test

// Shared helpers for the wire tests: every test talks to a real localaws.Server over HTTP with the real
// aws-sdk-go-v2 IAM and STS clients, so the Query protocol, SigV4 and the XML shapes are exercised end to end.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

// testAccount is the account localaws models by default.
const testAccount = "000000000000"

// adminPolicy is AdministratorAccess.
const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// newTestEndpoint starts an endpoint with default options on loopback and freezes its clock a few seconds into
// a TOTP step (so codes never roll over mid-test; move it with srv.Clock().Advance). The server is closed by
// t.Cleanup. It returns the server and its URL.
func newTestEndpoint(t testing.TB) (*localaws.Server, string) {
	t.Helper()
	return newTestEndpointWith(t, localaws.Options{})
}

// newTestEndpointWith is newTestEndpoint with explicit options.
func newTestEndpointWith(t testing.TB, opts localaws.Options) (*localaws.Server, string) {
	t.Helper()
	srv := localaws.New(opts)
	srv.Clock().Set(time.Now().UTC().Truncate(30 * time.Second).Add(5 * time.Second))
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start endpoint: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, url
}

// iamClient is a real IAM client for the endpoint at url, signing with static credentials (token may be "").
// It never retries, so each call is exactly one request.
func iamClient(t testing.TB, url, id, secret, token string) *iam.Client {
	t.Helper()
	return iam.New(iam.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, token),
		RetryMaxAttempts: 1,
		HTTPClient:       awsx.HTTPClient(),
	})
}

// stsClient is a real STS client for the endpoint at url, like iamClient.
func stsClient(t testing.TB, url, id, secret, token string) *sts.Client {
	t.Helper()
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, token),
		RetryMaxAttempts: 1,
		HTTPClient:       awsx.HTTPClient(),
	})
}

// iamClientFor / stsClientFor build clients from aws.Credentials (e.g. a session from mfaSession).
func iamClientFor(t testing.TB, url string, c aws.Credentials) *iam.Client {
	t.Helper()
	return iamClient(t, url, c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func stsClientFor(t testing.TB, url string, c aws.Credentials) *sts.Client {
	t.Helper()
	return stsClient(t, url, c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

// nextCode advances the endpoint clock one TOTP step (30 s) and returns the device's code for the new step,
// so a code is never one AWS already considers spent.
func nextCode(srv *localaws.Server, seed string) string {
	srv.Clock().Advance(30 * time.Second)
	return localaws.CodeAt(seed, srv.Clock().Now())
}

// sessionToken calls GetSessionToken with a long-term key and no MFA and returns the session credentials.
func sessionToken(t testing.TB, url, id, secret string) aws.Credentials {
	t.Helper()
	out, err := stsClient(t, url, id, secret, "").GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken without MFA: %v", err)
	}
	return sessionCreds(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
}

// mfaSession calls GetSessionToken with SerialNumber and a fresh TokenCode (it advances the clock one step
// first, see nextCode) and returns the MFA-authenticated session credentials. Right after EnableMFADevice with
// the codes of steps n and n+1, advance the clock one step yourself first: n+1 is spent.
func mfaSession(t testing.TB, srv *localaws.Server, url, id, secret, serial, seed string) aws.Credentials {
	t.Helper()
	out, err := stsClient(t, url, id, secret, "").GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
		SerialNumber: aws.String(serial), TokenCode: aws.String(nextCode(srv, seed)),
	})
	if err != nil {
		t.Fatalf("GetSessionToken with MFA: %v", err)
	}
	return sessionCreds(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
}

func sessionCreds(id, secret, token *string) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(id), SecretAccessKey: aws.ToString(secret), SessionToken: aws.ToString(token)}
}

// iamUserWithKey creates user name (optional console password, inline policies) with one ready access key and
// returns an IAM client signing with that key, plus the key.
func iamUserWithKey(t testing.TB, srv *localaws.Server, url, name, password string, policies ...string) (*iam.Client, string, string) {
	t.Helper()
	docs := make([][]byte, len(policies))
	for i, p := range policies {
		docs[i] = []byte(p)
	}
	if err := srv.CreateUser(name, password, nil, docs...); err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	id, secret, err := srv.CreateAccessKeyFor(name)
	if err != nil {
		t.Fatalf("CreateAccessKeyFor %s: %v", name, err)
	}
	return iamClient(t, url, id, secret, ""), id, secret
}

// iamAdminUser creates user "admin" with AdministratorAccess and returns a client signing with its key.
func iamAdminUser(t testing.TB, srv *localaws.Server, url string) *iam.Client {
	t.Helper()
	c, _, _ := iamUserWithKey(t, srv, url, "admin", "", adminPolicy)
	return c
}

// iamAdminRoleSession creates role "test-admin" (AdministratorAccess, trusting the account) and a user
// "role-assumer" allowed to assume it, assumes it, and returns the role session's credentials.
func iamAdminRoleSession(t testing.TB, srv *localaws.Server, url string) aws.Credentials {
	t.Helper()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount +
		`:root"},"Action":"sts:AssumeRole"}]}`
	roleARN, err := srv.CreateRole("test-admin", []byte(trust), time.Hour, []byte(adminPolicy))
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	assume := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleARN + `"}]}`
	_, id, secret := iamUserWithKey(t, srv, url, "role-assumer", "", assume)
	out, err := stsClient(t, url, id, secret, "").AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("wire-test"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	return sessionCreds(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
}

// errCode returns the AWS error code of err ("" if err is nil or carries none).
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wantCode fails the test unless err is an AWS API error with the given code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got success", code)
	}
	if got := errCode(err); got != code {
		t.Fatalf("want error %s, got %q (%v)", code, got, err)
	}
}

// wantTyped fails the test unless err unwraps to the SDK's typed exception *E (e.g. *types.NoSuchEntityException).
func wantTyped[E error](t testing.TB, err error) E {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("want %T, got %T (%v)", e, err, err)
	}
	return e
}

// mustOK fails the test on err.
func mustOK(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var wireCtx = context.Background()
