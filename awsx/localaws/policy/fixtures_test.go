package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// fixtureDir holds the shared policy fixtures, outside this repository.
const fixtureDir = "../../../../shared/fixtures/policies"

const (
	acct      = "000000000000"
	aliceARN  = "arn:aws:iam::000000000000:user/alice"
	bobARN    = "arn:aws:iam::000000000000:user/bob"
	adminRole = "arn:aws:iam::000000000000:role/iam-role-admin"
	opRole    = "arn:aws:iam::000000000000:role/iam-role-operator"
	adminSess = "arn:aws:sts::000000000000:assumed-role/iam-role-admin/sess"
	rootARN   = "arn:aws:iam::000000000000:root"
	mfaKey    = "aws:MultiFactorAuthPresent"
)

func loadFixture(t testing.TB, name string) *policy.Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	d, err := policy.Parse(b)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return d
}

// ctx builds a request context from key/value pairs.
func ctx(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// aliceReq is a call by user alice on resource res.
func aliceReq(action, res string, context map[string]string) policy.Request {
	return policy.Request{Action: action, Resource: res, Principal: aliceARN, Account: acct, Context: context}
}

type fixtureCase struct {
	name     string
	fixtures []string
	trust    bool
	req      policy.Request
	want     policy.Decision
}

func TestFixtures(t *testing.T) {
	const mfaDev = "arn:aws:iam::000000000000:mfa/alice"
	noMFA := ctx("aws:username", "alice")
	mfaFalse := ctx("aws:username", "alice", mfaKey, "false")
	mfaTrue := ctx("aws:username", "alice", mfaKey, "true")

	var cases []fixtureCase
	fm := []string{"force-mfa-self-manage.json"}
	// Without MFA the long-term key (key absent) and the non-MFA session
	// ("false") must behave identically.
	for _, c := range []struct {
		label string
		ctx   map[string]string
	}{{"absent", noMFA}, {"false", mfaFalse}} {
		for _, tc := range []struct {
			action, res string
			want        policy.Decision
		}{
			{"iam:ListAccessKeys", aliceARN, policy.ExplicitDeny},
			{"iam:ChangePassword", aliceARN, policy.ExplicitDeny},
			{"iam:CreateAccessKey", aliceARN, policy.ExplicitDeny},
			{"iam:GetAccountPasswordPolicy", "*", policy.ExplicitDeny},
			{"iam:CreateVirtualMFADevice", mfaDev, policy.Allow},
			{"iam:EnableMFADevice", aliceARN, policy.Allow},
			{"iam:GetUser", aliceARN, policy.Allow},
			{"iam:ListMFADevices", aliceARN, policy.Allow},
			{"iam:ResyncMFADevice", aliceARN, policy.Allow},
			{"iam:ListVirtualMFADevices", "*", policy.Allow},
			{"sts:GetSessionToken", "*", policy.ImplicitDeny},
			{"iam:GetUser", bobARN, policy.ImplicitDeny},
			{"s3:ListAllMyBuckets", "*", policy.ExplicitDeny},
		} {
			cases = append(cases, fixtureCase{
				name: "force-mfa/mfa-" + c.label + "/" + tc.action, fixtures: fm,
				req: aliceReq(tc.action, tc.res, c.ctx), want: tc.want,
			})
		}
	}
	for _, tc := range []struct {
		action, res string
		want        policy.Decision
	}{
		{"iam:ListAccessKeys", aliceARN, policy.Allow},
		{"iam:ChangePassword", aliceARN, policy.Allow},
		{"iam:CreateAccessKey", aliceARN, policy.Allow},
		{"iam:DeleteAccessKey", aliceARN, policy.Allow},
		{"iam:UpdateAccessKey", aliceARN, policy.Allow},
		{"iam:ListServiceSpecificCredentials", aliceARN, policy.Allow},
		{"iam:DeactivateMFADevice", aliceARN, policy.Allow},
		{"iam:GetAccountPasswordPolicy", "*", policy.Allow},
		{"iam:ListAccessKeys", bobARN, policy.ImplicitDeny},
		{"iam:GetAccessKeyLastUsed", aliceARN, policy.ImplicitDeny},
		{"iam:DeleteVirtualMFADevice", mfaDev, policy.ImplicitDeny},
		{"sts:GetSessionToken", "*", policy.ImplicitDeny},
	} {
		cases = append(cases, fixtureCase{
			name: "force-mfa/mfa-true/" + tc.action + "@" + tc.res, fixtures: fm,
			req: aliceReq(tc.action, tc.res, mfaTrue), want: tc.want,
		})
	}
	cases = append(cases,
		fixtureCase{"force-mfa/no-username/ListAccessKeys", fm, false,
			aliceReq("iam:ListAccessKeys", aliceARN, ctx(mfaKey, "true")), policy.ImplicitDeny},
		fixtureCase{"force-mfa/no-username/GetUser", fm, false,
			aliceReq("iam:GetUser", aliceARN, ctx(mfaKey, "true")), policy.ImplicitDeny},
		fixtureCase{"force-mfa/no-username/ListVirtualMFADevices", fm, false,
			aliceReq("iam:ListVirtualMFADevices", "*", ctx(mfaKey, "true")), policy.Allow},
		// Condition key names and Bool values are case-insensitive.
		fixtureCase{"force-mfa/key-case", fm, false,
			aliceReq("iam:ListAccessKeys", aliceARN, ctx("AWS:UserName", "alice", "aws:multifactorauthpresent", "TRUE")), policy.Allow},
		// Identity policies are evaluated together: the group's Deny wins.
		fixtureCase{"force-mfa+cloudtrail-deny", []string{"force-mfa-self-manage.json", "operator-deny-cloudtrail-changes.json"}, false,
			aliceReq("cloudtrail:DeleteTrail", "*", mfaTrue), policy.ExplicitDeny},
	)

	assume := func(role string, c map[string]string) policy.Request {
		return aliceReq("sts:AssumeRole", role, c)
	}
	ag := []string{"admin-group-assume.json"}
	cases = append(cases,
		fixtureCase{"admin-group/mfa+ip", ag, false, assume(adminRole, ctx(mfaKey, "true", "aws:SourceIp", "127.0.0.1")), policy.Allow},
		fixtureCase{"admin-group/no-mfa", ag, false, assume(adminRole, ctx("aws:SourceIp", "127.0.0.1")), policy.ImplicitDeny},
		fixtureCase{"admin-group/mfa-false", ag, false, assume(adminRole, ctx(mfaKey, "false", "aws:SourceIp", "127.0.0.1")), policy.ImplicitDeny},
		fixtureCase{"admin-group/operator-role", ag, false, assume(opRole, ctx(mfaKey, "true", "aws:SourceIp", "127.0.0.1")), policy.ImplicitDeny},
		fixtureCase{"admin-group/no-source-ip", ag, false, assume(adminRole, ctx(mfaKey, "true")), policy.ImplicitDeny},
		// 0.0.0.0/0 covers IPv4 only.
		fixtureCase{"admin-group/ipv6", ag, false, assume(adminRole, ctx(mfaKey, "true", "aws:SourceIp", "::1")), policy.ImplicitDeny},
	)

	og := []string{"operator-group-assume.json"}
	cases = append(cases,
		fixtureCase{"operator-group/mfa", og, false, assume(opRole, ctx(mfaKey, "true")), policy.Allow},
		fixtureCase{"operator-group/no-mfa", og, false, assume(opRole, nil), policy.ImplicitDeny},
		fixtureCase{"operator-group/admin-role", og, false, assume(adminRole, ctx(mfaKey, "true")), policy.ImplicitDeny},
	)

	rt := []string{"role-trust-mfa.json"}
	trustReq := func(principal, account string, c map[string]string) policy.Request {
		return policy.Request{Action: "sts:AssumeRole", Resource: adminRole, Principal: principal, Account: account, Context: c}
	}
	cases = append(cases,
		fixtureCase{"role-trust/user-mfa", rt, true, trustReq(aliceARN, acct, ctx(mfaKey, "true")), policy.Allow},
		fixtureCase{"role-trust/user-no-mfa", rt, true, trustReq(aliceARN, acct, nil), policy.ImplicitDeny},
		fixtureCase{"role-trust/user-mfa-false", rt, true, trustReq(aliceARN, acct, ctx(mfaKey, "false")), policy.ImplicitDeny},
		fixtureCase{"role-trust/other-account", rt, true,
			trustReq("arn:aws:iam::111111111111:user/mallory", "111111111111", ctx(mfaKey, "true")), policy.ImplicitDeny},
		fixtureCase{"role-trust/session-mfa", rt, true, trustReq(adminSess, acct, ctx(mfaKey, "true")), policy.Allow},
		fixtureCase{"role-trust/session-no-mfa", rt, true, trustReq(adminSess, acct, ctx(mfaKey, "false")), policy.ImplicitDeny},
		fixtureCase{"role-trust/root-mfa", rt, true, trustReq(rootARN, acct, ctx(mfaKey, "true")), policy.Allow},
		fixtureCase{"role-trust/other-action", rt, true,
			policy.Request{Action: "sts:TagSession", Principal: aliceARN, Account: acct, Context: ctx(mfaKey, "true")}, policy.ImplicitDeny},
	)

	ip := []string{"ip-restricted-user.json"}
	ec2 := func(action, src string) policy.Request {
		c := ctx()
		if src != "" {
			c["aws:SourceIp"] = src
		}
		return aliceReq(action, "*", c)
	}
	cases = append(cases,
		fixtureCase{"ip/allowed", ip, false, ec2("ec2:DescribeInstances", "198.51.100.80"), policy.Allow},
		fixtureCase{"ip/other-host", ip, false, ec2("ec2:DescribeInstances", "198.51.100.81"), policy.ImplicitDeny},
		fixtureCase{"ip/not-an-ip", ip, false, ec2("ec2:DescribeInstances", "not-an-ip"), policy.ImplicitDeny},
		fixtureCase{"ip/absent", ip, false, ec2("ec2:DescribeInstances", ""), policy.ImplicitDeny},
		fixtureCase{"ip/other-service", ip, false, ec2("iam:ListUsers", "198.51.100.80"), policy.ImplicitDeny},
	)

	ro := []string{"readonly-deny-data-reads.json"}
	cases = append(cases,
		fixtureCase{"readonly/GetItem", ro, false, aliceReq("dynamodb:GetItem", "*", nil), policy.ExplicitDeny},
		fixtureCase{"readonly/GetRecords", ro, false, aliceReq("dynamodb:GetRecords", "*", nil), policy.ExplicitDeny},
		fixtureCase{"readonly/getobject-lowercase", ro, false, aliceReq("s3:getobject", "arn:aws:s3:::b/k", nil), policy.ExplicitDeny},
		fixtureCase{"readonly/PutItem", ro, false, aliceReq("dynamodb:PutItem", "*", nil), policy.ImplicitDeny},
	)

	ct := []string{"operator-deny-cloudtrail-changes.json"}
	cases = append(cases,
		fixtureCase{"cloudtrail/DeleteTrail", ct, false, aliceReq("cloudtrail:DeleteTrail", "*", nil), policy.ExplicitDeny},
		fixtureCase{"cloudtrail/StopLogging", ct, false,
			aliceReq("cloudtrail:StopLogging", "arn:aws:cloudtrail:us-east-1:000000000000:trail/t", nil), policy.ExplicitDeny},
		fixtureCase{"cloudtrail/UpdateTrail", ct, false, aliceReq("cloudtrail:UpdateTrail", "*", nil), policy.ExplicitDeny},
		fixtureCase{"cloudtrail/StartLogging", ct, false, aliceReq("cloudtrail:StartLogging", "*", nil), policy.ImplicitDeny},
		fixtureCase{"cloudtrail/DescribeTrails", ct, false, aliceReq("cloudtrail:DescribeTrails", "*", nil), policy.ImplicitDeny},
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs := make([]*policy.Document, 0, len(tc.fixtures))
			for _, f := range tc.fixtures {
				docs = append(docs, loadFixture(t, f))
			}
			var got policy.Decision
			if tc.trust {
				got = policy.EvaluateTrust(tc.req, docs[0])
			} else {
				got = policy.Evaluate(tc.req, docs...)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v (request %+v)", got, tc.want, tc.req)
			}
		})
	}
}

// TestFixturesWithAllowAll checks that the deny-only fixtures override a
// broad Allow attached alongside them.
func TestFixturesWithAllowAll(t *testing.T) {
	allowAll := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	ro := loadFixture(t, "readonly-deny-data-reads.json")
	for _, tc := range []struct {
		action string
		want   policy.Decision
	}{
		{"dynamodb:GetItem", policy.ExplicitDeny},
		{"dynamodb:Query", policy.ExplicitDeny},
		{"dynamodb:PutItem", policy.Allow},
		{"s3:PutObject", policy.Allow},
	} {
		// Order of documents must not matter.
		for _, docs := range [][]*policy.Document{{allowAll, ro}, {ro, allowAll}} {
			if got := policy.Evaluate(aliceReq(tc.action, "*", nil), docs...); got != tc.want {
				t.Errorf("%s: got %v, want %v", tc.action, got, tc.want)
			}
		}
	}
}
