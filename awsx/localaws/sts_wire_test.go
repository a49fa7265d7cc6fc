package localaws_test

// STS over the wire with the real aws-sdk-go-v2 STS client: GetCallerIdentity, GetSessionToken (durations,
// TOTP single use and skew) and AssumeRole (MFA, trust, durations, chaining, ExternalId, source IP, expiry).

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

const (
	stsAdminRoleARN    = "arn:aws:iam::" + testAccount + ":role/iam-role-admin"
	stsOperatorRoleARN = "arn:aws:iam::" + testAccount + ":role/iam-role-operator"
)

func TestSTSGetCallerIdentity(t *testing.T) {
	srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	aliceARN := "arn:aws:iam::" + testAccount + ":user/alice"

	t.Run("long-term key", func(t *testing.T) {
		out, err := stsClientFor(t, url, stsAliceKey(seed)).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity")
		if aws.ToString(out.Arn) != aliceARN || aws.ToString(out.Account) != testAccount || !strings.HasPrefix(aws.ToString(out.UserId), "AIDA") {
			t.Fatalf("identity = %s %s %s", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
		}
		if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || id == "" {
			t.Fatalf("no request id in the response metadata")
		}
	})

	t.Run("GetSessionToken session", func(t *testing.T) {
		userOut, err := stsClientFor(t, url, stsAliceKey(seed)).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity (key)")
		for name, creds := range map[string]aws.Credentials{
			"without MFA": sessionToken(t, url, seed.AccessKeyID, seed.SecretAccessKey),
			"with MFA":    stsAliceMFA(t, srv, url, seed),
		} {
			out, err := stsClientFor(t, url, creds).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
			mustOK(t, err, "GetCallerIdentity "+name)
			if aws.ToString(out.Arn) != aliceARN || aws.ToString(out.UserId) != aws.ToString(userOut.UserId) {
				t.Fatalf("%s: identity = %s %s, want the user's", name, aws.ToString(out.Arn), aws.ToString(out.UserId))
			}
		}
	})

	t.Run("assumed-role session", func(t *testing.T) {
		role := stsMustAssume(t, url, stsAliceMFA(t, srv, url, seed), stsAdminRoleARN, "alice-cli", 0)
		out, err := stsClientFor(t, url, role).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity")
		if got, want := aws.ToString(out.Arn), "arn:aws:sts::"+testAccount+":assumed-role/iam-role-admin/alice-cli"; got != want {
			t.Fatalf("Arn = %s, want %s", got, want)
		}
		uid := aws.ToString(out.UserId)
		if !strings.HasPrefix(uid, "AROA") || !strings.HasSuffix(uid, ":alice-cli") {
			t.Fatalf("UserId = %s, want AROA…:alice-cli", uid)
		}
	})

	t.Run("explicit deny is ignored", func(t *testing.T) {
		creds := stsUserKey(t, srv, "dave", nil, stsPolicy("Deny", "sts:GetCallerIdentity", "*", ""), stsPolicy("Deny", "*", "*", ""))
		out, err := stsClientFor(t, url, creds).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity under an explicit deny")
		if aws.ToString(out.Arn) != "arn:aws:iam::"+testAccount+":user/dave" {
			t.Fatalf("Arn = %s", aws.ToString(out.Arn))
		}
	})
}

func TestSTSGetSessionTokenDuration(t *testing.T) {
	srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
	client := stsClientFor(t, url, stsAliceKey(seed))
	now := srv.Clock().Now()

	out, err := client.GetSessionToken(wireCtx, &sts.GetSessionTokenInput{})
	mustOK(t, err, "GetSessionToken default")
	if got, want := aws.ToTime(out.Credentials.Expiration), now.Add(43200*time.Second); !got.Equal(want) {
		t.Fatalf("default Expiration = %s, want %s (12 h)", got, want)
	}
	if id := aws.ToString(out.Credentials.AccessKeyId); !strings.HasPrefix(id, "ASIA") {
		t.Fatalf("session key id %s, want ASIA…", id)
	}
	for _, d := range []int32{900, 129600} {
		out, err := client.GetSessionToken(wireCtx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(d)})
		mustOK(t, err, "GetSessionToken duration")
		if got, want := aws.ToTime(out.Credentials.Expiration), now.Add(time.Duration(d)*time.Second); !got.Equal(want) {
			t.Fatalf("DurationSeconds %d: Expiration = %s, want %s", d, got, want)
		}
	}
	for _, d := range []int32{899, 129601, 0, -1} {
		_, err := client.GetSessionToken(wireCtx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(d)})
		stsWantErr(t, err, "ValidationError")
	}
}

func TestSTSGetSessionTokenMFA(t *testing.T) {
	gst := func(t *testing.T, url string, creds aws.Credentials, serial, code string) (aws.Credentials, error) {
		t.Helper()
		out, err := stsClientFor(t, url, creds).GetSessionToken(wireCtx, &sts.GetSessionTokenInput{
			SerialNumber: aws.String(serial), TokenCode: aws.String(code),
		})
		if err != nil {
			return aws.Credentials{}, err
		}
		return stsCredsOf(out.Credentials), nil
	}

	t.Run("session carries MFA", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		plain := sessionToken(t, url, seed.AccessKeyID, seed.SecretAccessKey)
		_, err := iamClientFor(t, url, plain).ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{})
		stsWantErr(t, err, "AccessDenied")
		mfa, err := gst(t, url, stsAliceKey(seed), seed.MFASerial, localaws.CodeAt(seed.MFASecret, srv.Clock().Now()))
		mustOK(t, err, "GetSessionToken with MFA")
		out, err := iamClientFor(t, url, mfa).ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{})
		mustOK(t, err, "ListAccessKeys with the MFA session")
		if len(out.AccessKeyMetadata) != 1 || aws.ToString(out.AccessKeyMetadata[0].AccessKeyId) != seed.AccessKeyID {
			t.Fatalf("ListAccessKeys = %+v", out.AccessKeyMetadata)
		}
	})

	t.Run("wrong code", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		_, err := gst(t, url, stsAliceKey(seed), seed.MFASerial, stsWrongCode(seed.MFASecret, srv.Clock().Now()))
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("code is single use", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		code := localaws.CodeAt(seed.MFASecret, srv.Clock().Now())
		_, err := gst(t, url, stsAliceKey(seed), seed.MFASerial, code)
		mustOK(t, err, "first use")
		_, err = gst(t, url, stsAliceKey(seed), seed.MFASerial, code)
		stsWantErr(t, err, "AccessDenied")
		srv.Clock().Advance(10 * time.Second) // same step: still spent
		_, err = gst(t, url, stsAliceKey(seed), seed.MFASerial, code)
		stsWantErr(t, err, "AccessDenied")
		_, err = gst(t, url, stsAliceKey(seed), seed.MFASerial, nextCode(srv, seed.MFASecret))
		mustOK(t, err, "next step's code")
	})

	t.Run("code from two steps ago", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		old := localaws.CodeAt(seed.MFASecret, srv.Clock().Now().Add(-60*time.Second))
		_, err := gst(t, url, stsAliceKey(seed), seed.MFASerial, old)
		stsWantErr(t, err, "AccessDenied")
		future := localaws.CodeAt(seed.MFASecret, srv.Clock().Now().Add(60*time.Second))
		_, err = gst(t, url, stsAliceKey(seed), seed.MFASerial, future)
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("one step of skew", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		now := srv.Clock().Now()
		_, err := gst(t, url, stsAliceKey(seed), seed.MFASerial, localaws.CodeAt(seed.MFASecret, now.Add(-30*time.Second)))
		mustOK(t, err, "previous step's code")
		_, err = gst(t, url, stsAliceKey(seed), seed.MFASerial, localaws.CodeAt(seed.MFASecret, now.Add(30*time.Second)))
		mustOK(t, err, "next step's code")
	})

	t.Run("malformed code", func(t *testing.T) {
		_, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		for _, code := range []string{"12345", "1234567", "12a456", "      "} {
			_, err := gst(t, url, stsAliceKey(seed), seed.MFASerial, code)
			stsWantErr(t, err, "ValidationError")
		}
	})

	t.Run("another user's device", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		if err := srv.CreateUser("bob", "", nil); err != nil {
			t.Fatal(err)
		}
		bobSerial, bobSecret, err := srv.EnableVirtualMFAFor("bob")
		mustOK(t, err, "EnableVirtualMFAFor bob")
		_, err = gst(t, url, stsAliceKey(seed), bobSerial, localaws.CodeAt(bobSecret, srv.Clock().Now()))
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("unknown serial", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		_, err := gst(t, url, stsAliceKey(seed), "arn:aws:iam::"+testAccount+":mfa/nobody", localaws.CodeAt(seed.MFASecret, srv.Clock().Now()))
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("session credentials", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		for _, creds := range []aws.Credentials{
			sessionToken(t, url, seed.AccessKeyID, seed.SecretAccessKey),
			stsAliceMFA(t, srv, url, seed),
		} {
			_, err := stsClientFor(t, url, creds).GetSessionToken(wireCtx, &sts.GetSessionTokenInput{})
			stsWantErr(t, err, "AccessDenied")
		}
	})
}

func TestSTSAssumeRole(t *testing.T) {
	t.Run("from the MFA session", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		out, err := stsAssume(t, url, stsAliceMFA(t, srv, url, seed), stsAdminRoleARN, "alice-admin", 0)
		mustOK(t, err, "AssumeRole")
		if got, want := aws.ToTime(out.Credentials.Expiration), srv.Clock().Now().Add(time.Hour); !got.Equal(want) {
			t.Fatalf("Expiration = %s, want %s (default 1 h)", got, want)
		}
		arn := "arn:aws:sts::" + testAccount + ":assumed-role/iam-role-admin/alice-admin"
		if aws.ToString(out.AssumedRoleUser.Arn) != arn || !strings.HasSuffix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":alice-admin") {
			t.Fatalf("AssumedRoleUser = %+v", out.AssumedRoleUser)
		}
		who, err := stsClientFor(t, url, stsCredsOf(out.Credentials)).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity as the role")
		if aws.ToString(who.Arn) != arn || aws.ToString(who.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
			t.Fatalf("identity %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId))
		}
		// The role's AdministratorAccess works over IAM too.
		_, err = iamClientFor(t, url, stsCredsOf(out.Credentials)).ListAccessKeys(wireCtx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
		mustOK(t, err, "ListAccessKeys as the admin role")
	})

	t.Run("long-term key with MFA code", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		out, err := stsClientFor(t, url, stsAliceKey(seed)).AssumeRole(wireCtx, &sts.AssumeRoleInput{
			RoleArn: aws.String(stsAdminRoleARN), RoleSessionName: aws.String("alice"),
			SerialNumber: aws.String(seed.MFASerial), TokenCode: aws.String(localaws.CodeAt(seed.MFASecret, srv.Clock().Now())),
		})
		mustOK(t, err, "AssumeRole with MFA")
		_, err = stsClientFor(t, url, stsCredsOf(out.Credentials)).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity as the role")
	})

	t.Run("long-term key with a wrong code", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		_, err := stsClientFor(t, url, stsAliceKey(seed)).AssumeRole(wireCtx, &sts.AssumeRoleInput{
			RoleArn: aws.String(stsAdminRoleARN), RoleSessionName: aws.String("alice"),
			SerialNumber: aws.String(seed.MFASerial), TokenCode: aws.String(stsWrongCode(seed.MFASecret, srv.Clock().Now())),
		})
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("long-term key without MFA", func(t *testing.T) {
		_, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		_, err := stsAssume(t, url, stsAliceKey(seed), stsAdminRoleARN, "alice", 0)
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("session without MFA", func(t *testing.T) {
		_, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		_, err := stsAssume(t, url, sessionToken(t, url, seed.AccessKeyID, seed.SecretAccessKey), stsAdminRoleARN, "alice", 0)
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("role the user's groups do not grant", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		_, err := stsAssume(t, url, stsAliceMFA(t, srv, url, seed), stsOperatorRoleARN, "alice", 0)
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("unknown role", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		mfa := stsAliceMFA(t, srv, url, seed)
		unknown := "arn:aws:iam::" + testAccount + ":role/does-not-exist"
		_, err := stsAssume(t, url, mfa, unknown, "alice", 0)
		msgUnknown := stsWantErr(t, err, "AccessDenied")
		_, err = stsAssume(t, url, mfa, stsOperatorRoleARN, "alice", 0)
		msgDenied := stsWantErr(t, err, "AccessDenied")
		// The answers must not tell an existing role from a missing one.
		if strings.ReplaceAll(msgUnknown, unknown, "ROLE") != strings.ReplaceAll(msgDenied, stsOperatorRoleARN, "ROLE") {
			t.Fatalf("messages differ:\n%s\n%s", msgUnknown, msgDenied)
		}
		// An admin (allowed to assume anything) learns no more either: the role does not exist, so no trust allows it.
		admin := stsMustAssume(t, url, mfa, stsAdminRoleARN, "alice", 0)
		_, err = stsAssume(t, url, admin, unknown, "alice", 0)
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("DurationSeconds bounds", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		mfa := stsAliceMFA(t, srv, url, seed)
		for _, d := range []int32{3601, 899, 43201, 0x7fffffff} {
			_, err := stsAssume(t, url, mfa, stsAdminRoleARN, "alice", d)
			stsWantErr(t, err, "ValidationError")
		}
		_, err := stsAssume(t, url, mfa, stsAdminRoleARN, "alice", -5)
		stsWantErr(t, err, "ValidationError")
		// Constraint violations are reported before authorization, even to a caller who may not assume the role.
		_, err = stsAssume(t, url, stsAliceKey(seed), stsAdminRoleARN, "alice", 43201)
		stsWantErr(t, err, "ValidationError")
		for _, d := range []int32{900, 3600} {
			out, err := stsAssume(t, url, mfa, stsAdminRoleARN, "alice", d)
			mustOK(t, err, "AssumeRole in bounds")
			if got, want := aws.ToTime(out.Credentials.Expiration), srv.Clock().Now().Add(time.Duration(d)*time.Second); !got.Equal(want) {
				t.Fatalf("DurationSeconds %d: Expiration %s, want %s", d, got, want)
			}
		}
	})

	t.Run("role chaining", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		admin := stsMustAssume(t, url, stsAliceMFA(t, srv, url, seed), stsAdminRoleARN, "alice", 0)
		_, err := stsAssume(t, url, admin, stsOperatorRoleARN, "chained", 3601)
		if msg := stsWantErr(t, err, "ValidationError"); !strings.Contains(msg, "role chaining") {
			t.Fatalf("message %q does not mention role chaining", msg)
		}
		op := stsMustAssume(t, url, admin, stsOperatorRoleARN, "chained", 3600)
		who, err := stsClientFor(t, url, op).GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity as the chained role")
		if want := "arn:aws:sts::" + testAccount + ":assumed-role/iam-role-operator/chained"; aws.ToString(who.Arn) != want {
			t.Fatalf("Arn %s, want %s", aws.ToString(who.Arn), want)
		}
		// The operator role allows 4 h, but a chained session still gets at most 1 h.
		_, err = stsAssume(t, url, admin, stsOperatorRoleARN, "chained", 4*3600)
		if msg := stsWantErr(t, err, "ValidationError"); !strings.Contains(msg, "role chaining") {
			t.Fatalf("message %q does not mention role chaining", msg)
		}
	})

	t.Run("RoleSessionName rules", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		mfa := stsAliceMFA(t, srv, url, seed)
		for _, name := range []string{"a", strings.Repeat("n", 65), "has space", "slash/no", "ümlaut"} {
			_, err := stsAssume(t, url, mfa, stsAdminRoleARN, name, 0)
			stsWantErr(t, err, "ValidationError")
		}
		for _, name := range []string{"ab", strings.Repeat("n", 64), "a+b=c,d.e@f-g_h"} {
			_, err := stsAssume(t, url, mfa, stsAdminRoleARN, name, 0)
			mustOK(t, err, "RoleSessionName "+name)
		}
	})

	t.Run("ExternalId", func(t *testing.T) {
		srv, url, _ := stsSeeded(t, localaws.ScenarioOnboarded)
		roleARN, err := srv.CreateRole("partner", stsTrustAccount(`{"StringEquals":{"sts:ExternalId":"abc123"}}`), 0,
			stsPolicy("Allow", "iam:ListAccessKeys", "*", ""))
		mustOK(t, err, "CreateRole")
		bob := stsUserKey(t, srv, "bob", nil, stsPolicy("Allow", "sts:AssumeRole", "*", ""))
		assume := func(ext *string) error {
			_, err := stsClientFor(t, url, bob).AssumeRole(wireCtx, &sts.AssumeRoleInput{
				RoleArn: aws.String(roleARN), RoleSessionName: aws.String("bob"), ExternalId: ext,
			})
			return err
		}
		stsWantErr(t, assume(nil), "AccessDenied")
		stsWantErr(t, assume(aws.String("wrong1")), "AccessDenied")
		stsWantErr(t, assume(aws.String("x")), "ValidationError") // below the 2-character minimum
		mustOK(t, assume(aws.String("abc123")), "AssumeRole with the right ExternalId")
	})

	t.Run("source IP condition", func(t *testing.T) {
		srv, url, _ := stsSeeded(t, localaws.ScenarioOnboarded)
		roleARN, err := srv.CreateRole("net-role", stsTrustAccount(""), 0)
		mustOK(t, err, "CreateRole")
		mustOK(t, srv.CreateGroup("netops", stsPolicy("Allow", "sts:AssumeRole", roleARN, `{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`)), "CreateGroup")
		carol := stsUserKey(t, srv, "carol", []string{"netops"})
		srv.SetSourceIP("203.0.113.9")
		_, err = stsAssume(t, url, carol, roleARN, "carol", 0)
		stsWantErr(t, err, "AccessDenied")
		srv.SetSourceIP("198.51.100.7")
		_, err = stsAssume(t, url, carol, roleARN, "carol", 0)
		mustOK(t, err, "AssumeRole from the allowed network")
		srv.SetSourceIP("")
		_, err = stsAssume(t, url, carol, roleARN, "carol", 0) // the real peer is 127.0.0.1
		stsWantErr(t, err, "AccessDenied")
	})

	t.Run("trust source IP condition", func(t *testing.T) {
		srv, url, _ := stsSeeded(t, localaws.ScenarioOnboarded)
		roleARN, err := srv.CreateRole("net-trust", stsTrustAccount(`{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`), 0)
		mustOK(t, err, "CreateRole")
		erin := stsUserKey(t, srv, "erin", nil, stsPolicy("Allow", "sts:AssumeRole", "*", ""))
		srv.SetSourceIP("203.0.113.9")
		_, err = stsAssume(t, url, erin, roleARN, "erin", 0)
		stsWantErr(t, err, "AccessDenied")
		srv.SetSourceIP("198.51.100.7")
		_, err = stsAssume(t, url, erin, roleARN, "erin", 0)
		mustOK(t, err, "AssumeRole from the trusted network")
	})

	t.Run("expiry", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		out, err := stsAssume(t, url, stsAliceMFA(t, srv, url, seed), stsAdminRoleARN, "alice", 900)
		mustOK(t, err, "AssumeRole")
		client := stsClientFor(t, url, stsCredsOf(out.Credentials))
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity before expiry")
		srv.Clock().Set(aws.ToTime(out.Credentials.Expiration).Add(-time.Second))
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity a second before expiry")
		srv.Clock().Advance(time.Second)
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		stsWantStatus(t, err, "ExpiredToken", http.StatusForbidden)
		_, err = iamClientFor(t, url, stsCredsOf(out.Credentials)).GetUser(wireCtx, &iam.GetUserInput{UserName: aws.String("alice")})
		stsWantStatus(t, err, "ExpiredToken", http.StatusForbidden)
	})

	t.Run("GetSessionToken session expiry", func(t *testing.T) {
		srv, url, seed := stsSeeded(t, localaws.ScenarioOnboarded)
		out, err := stsClientFor(t, url, stsAliceKey(seed)).GetSessionToken(wireCtx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		mustOK(t, err, "GetSessionToken")
		client := stsClientFor(t, url, stsCredsOf(out.Credentials))
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		mustOK(t, err, "GetCallerIdentity before expiry")
		srv.Clock().Advance(16 * time.Minute)
		_, err = client.GetCallerIdentity(wireCtx, &sts.GetCallerIdentityInput{})
		stsWantStatus(t, err, "ExpiredToken", http.StatusForbidden)
	})
}
