package awsx_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

const acct = "123456789012"

func build(t *testing.T, kind string, o awsx.PolicyOptions) (*awsx.PolicyDocument, *policy.Document) {
	t.Helper()
	d, err := awsx.BuildPolicy(kind, o)
	if err != nil {
		t.Fatalf("BuildPolicy(%s, %+v): %v", kind, o, err)
	}
	parsed, err := policy.Parse(d.JSON())
	if err != nil {
		t.Fatalf("%s does not parse: %v\n%s", kind, err, d.JSON())
	}
	return d, parsed
}

// request is alice calling action on resource; mfa "" leaves aws:MultiFactorAuthPresent out (long-term key).
func request(action, resource, mfa string, extra ...string) policy.Request {
	ctx := map[string]string{"aws:username": "alice", "aws:SourceIp": "198.51.100.7"}
	if mfa != "" {
		ctx["aws:MultiFactorAuthPresent"] = mfa
	}
	for i := 0; i+1 < len(extra); i += 2 {
		ctx[extra[i]] = extra[i+1]
	}
	return policy.Request{Action: action, Resource: resource, Principal: "arn:aws:iam::" + acct + ":user/alice", Account: acct, Context: ctx}
}

func TestSelfServicePolicyShape(t *testing.T) {
	d, _ := build(t, awsx.PolicySelfService, awsx.PolicyOptions{})
	var raw map[string]any
	if err := json.Unmarshal(d.JSON(), &raw); err != nil || raw["Version"] != "2012-10-17" {
		t.Fatalf("JSON: %v %v", err, raw["Version"])
	}
	if !strings.HasSuffix(string(d.JSON()), "}\n") || !strings.Contains(string(d.JSON()), "\n  \"Statement\": [\n") {
		t.Errorf("not indented JSON with a final newline:\n%s", d.JSON())
	}
	var sids []string
	for _, st := range d.Statement {
		sids = append(sids, st.Sid)
	}
	if !slices.Equal(sids, []string{"AllowViewAccountInfo", "AllowManageOwnUser", "AllowManageOwnVirtualMFADevice", "DenyAllExceptListedIfNoMFA"}) {
		t.Fatalf("statements = %v", sids)
	}
	wantBefore := []string{"iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
		"iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"}
	deny := d.Statement[3]
	if deny.Effect != "Deny" || !slices.Equal(deny.NotAction, wantBefore) || deny.Condition["BoolIfExists"]["aws:MultiFactorAuthPresent"] != "false" {
		t.Errorf("deny statement = %+v", deny)
	}
	// Exactly the listed actions: every one appears in an Allow (GetSessionToken needs none) and nothing else.
	var allowed []string
	for _, st := range d.Statement[:3] {
		allowed = append(allowed, st.Action...)
	}
	for _, a := range awsx.SelfServiceActions {
		if in := slices.Contains(allowed, a.Action); in == (a.Action == "sts:GetSessionToken") {
			t.Errorf("%s: in an Allow = %v", a.Action, in)
		}
	}
	if len(allowed) != len(awsx.SelfServiceActions)-1 {
		t.Errorf("allowed %d actions, want %d: %v", len(allowed), len(awsx.SelfServiceActions)-1, allowed)
	}
	if got := d.Statement[1].Resource; !slices.Equal(got, []string{"arn:aws:iam::*:user/${aws:username}"}) {
		t.Errorf("user resource = %v", got)
	}
	d, _ = build(t, awsx.PolicySelfService, awsx.PolicyOptions{Account: acct})
	if got := d.Statement[2].Resource; !slices.Equal(got, []string{"arn:aws:iam::" + acct + ":mfa/${aws:username}", "arn:aws:iam::" + acct + ":mfa/${aws:username}-*"}) {
		t.Errorf("mfa resources with --account = %v", got)
	}
}

func TestSelfServicePolicyMatchesTheFixturesMFAGate(t *testing.T) {
	var fx struct {
		Statement []struct {
			Sid       string
			NotAction []string
		}
	}
	if err := json.Unmarshal(fixture(t, "force-mfa-self-manage.json").Data, &fx); err != nil {
		t.Fatal(err)
	}
	d, _ := build(t, awsx.PolicySelfService, awsx.PolicyOptions{})
	last := fx.Statement[len(fx.Statement)-1]
	if last.Sid != "DenyAllExceptListedIfNoMFA" || !slices.Equal(last.NotAction, d.Statement[3].NotAction) {
		t.Errorf("fixture NotAction %v, generated %v", last.NotAction, d.Statement[3].NotAction)
	}
}

func TestSelfServicePolicyBehaviour(t *testing.T) {
	_, doc := build(t, awsx.PolicySelfService, awsx.PolicyOptions{Account: acct})
	user, other := "arn:aws:iam::"+acct+":user/alice", "arn:aws:iam::"+acct+":user/bob"
	mfa := func(name string) string { return "arn:aws:iam::" + acct + ":mfa/" + name }
	tests := []struct {
		name string
		req  policy.Request
		want policy.Decision
	}{
		{"keys without MFA (long-term key)", request("iam:ListAccessKeys", user, ""), policy.ExplicitDeny},
		{"keys in a session without MFA", request("iam:ListAccessKeys", user, "false"), policy.ExplicitDeny},
		{"keys with MFA", request("iam:ListAccessKeys", user, "true"), policy.Allow},
		{"another user's keys with MFA", request("iam:ListAccessKeys", other, "true"), policy.ImplicitDeny},
		{"last used with MFA", request("iam:GetAccessKeyLastUsed", user, "true"), policy.Allow},
		{"password policy before MFA", request("iam:GetAccountPasswordPolicy", "*", ""), policy.ExplicitDeny},
		{"change password with MFA", request("iam:ChangePassword", user, "true"), policy.Allow},
		{"create own device before MFA", request("iam:CreateVirtualMFADevice", mfa("alice"), ""), policy.Allow},
		{"create NAME-2 before MFA", request("iam:CreateVirtualMFADevice", mfa("alice-2"), ""), policy.Allow},
		{"create someone else's device", request("iam:CreateVirtualMFADevice", mfa("bob"), ""), policy.ImplicitDeny},
		{"create a device of a longer name", request("iam:CreateVirtualMFADevice", mfa("alicebob"), ""), policy.ImplicitDeny},
		{"delete own device before MFA", request("iam:DeleteVirtualMFADevice", mfa("alice"), ""), policy.ExplicitDeny},
		{"delete own device with MFA", request("iam:DeleteVirtualMFADevice", mfa("alice-2"), "true"), policy.Allow},
		{"deactivate before MFA", request("iam:DeactivateMFADevice", user, ""), policy.ExplicitDeny},
		{"deactivate with MFA", request("iam:DeactivateMFADevice", user, "true"), policy.Allow},
		{"enable before MFA", request("iam:EnableMFADevice", user, ""), policy.Allow},
		{"GetSessionToken is not denied", request("sts:GetSessionToken", "*", ""), policy.ImplicitDeny},
		{"nothing beyond self-service", request("ec2:DescribeInstances", "*", "true"), policy.ImplicitDeny},
		{"no admin of other users", request("iam:CreateUser", other, "true"), policy.ImplicitDeny},
	}
	for _, tt := range tests {
		if got := policy.Evaluate(tt.req, doc); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, a := range awsx.SelfServiceActions {
		res := user
		if strings.Contains(a.Action, "VirtualMFADevice") && a.Action != "iam:ListVirtualMFADevices" {
			res = mfa("alice")
		} else if a.Action == "iam:ListVirtualMFADevices" || a.Action == "iam:GetAccountPasswordPolicy" || a.Action == "sts:GetSessionToken" {
			res = "*"
		}
		want := policy.Allow
		if a.Action == "sts:GetSessionToken" {
			want = policy.ImplicitDeny // needs no Allow
		}
		if got := policy.Evaluate(request(a.Action, res, "true"), doc); got != want {
			t.Errorf("%s with MFA: %v", a.Action, got)
		}
		if got := policy.Evaluate(request(a.Action, res, ""), doc); (got == policy.ExplicitDeny) == a.BeforeMFA {
			t.Errorf("%s before MFA: %v, BeforeMFA %v", a.Action, got, a.BeforeMFA)
		}
	}
}

func TestRoleTrustPolicy(t *testing.T) {
	d, doc := build(t, awsx.PolicyRoleTrust, awsx.PolicyOptions{Account: acct})
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowAssumeRoleWithMFA",
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::123456789012:root"
      },
      "Action": [
        "sts:AssumeRole"
      ],
      "Condition": {
        "Bool": {
          "aws:MultiFactorAuthPresent": "true"
        }
      }
    }
  ]
}
`
	if string(d.JSON()) != want {
		t.Errorf("role-trust =\n%s\nwant\n%s", d.JSON(), want)
	}
	role := "arn:aws:iam::" + acct + ":role/admin"
	if got := policy.EvaluateTrust(request("sts:AssumeRole", role, "true"), doc); got != policy.Allow {
		t.Errorf("with MFA: %v", got)
	}
	if got := policy.EvaluateTrust(request("sts:AssumeRole", role, "false"), doc); got != policy.ImplicitDeny {
		t.Errorf("without MFA: %v", got)
	}
	foreign := request("sts:AssumeRole", role, "true")
	foreign.Principal, foreign.Account = "arn:aws:iam::999999999999:user/alice", "999999999999"
	if got := policy.EvaluateTrust(foreign, doc); got != policy.ImplicitDeny {
		t.Errorf("another account: %v", got)
	}

	_, doc = build(t, awsx.PolicyRoleTrust, awsx.PolicyOptions{Account: acct, SourceIPs: []string{"203.0.113.0/24"}, MaxMFAAge: time.Hour})
	for _, tt := range []struct {
		ip, age string
		want    policy.Decision
	}{{"203.0.113.7", "100", policy.Allow}, {"198.51.100.7", "100", policy.ImplicitDeny}, {"203.0.113.7", "7200", policy.ImplicitDeny}} {
		if got := policy.EvaluateTrust(request("sts:AssumeRole", role, "true", "aws:SourceIp", tt.ip, "aws:MultiFactorAuthAge", tt.age), doc); got != tt.want {
			t.Errorf("from %s, MFA age %s: %v, want %v", tt.ip, tt.age, got, tt.want)
		}
	}
}

func TestAssumeGroupPolicy(t *testing.T) {
	d, doc := build(t, awsx.PolicyAssumeGroup, awsx.PolicyOptions{})
	if got := d.Statement[0].Resource; !slices.Equal(got, []string{"arn:aws:iam::*:role/iam-role-admin", "arn:aws:iam::*:role/iam-role-operator"}) {
		t.Errorf("default roles = %v", got)
	}
	admin := "arn:aws:iam::" + acct + ":role/iam-role-admin"
	if got := policy.Evaluate(request("sts:AssumeRole", admin, "true"), doc); got != policy.Allow {
		t.Errorf("admin with MFA: %v", got)
	}
	if got := policy.Evaluate(request("sts:AssumeRole", admin, "false"), doc); got != policy.ImplicitDeny {
		t.Errorf("admin without MFA: %v", got)
	}
	if got := policy.Evaluate(request("sts:AssumeRole", "arn:aws:iam::"+acct+":role/billing", "true"), doc); got != policy.ImplicitDeny {
		t.Errorf("an unnamed role: %v", got)
	}

	d, doc = build(t, awsx.PolicyAssumeGroup, awsx.PolicyOptions{Account: acct, Roles: []string{"admin", "arn:aws:iam::" + acct + ":role/ops/operator", "admin"},
		SourceIPs: []string{"203.0.113.0/24, 2001:db8::/32", "198.51.100.7"}})
	if got := d.Statement[0].Resource; !slices.Equal(got, []string{"arn:aws:iam::" + acct + ":role/admin", "arn:aws:iam::" + acct + ":role/ops/operator"}) {
		t.Errorf("roles = %v", got)
	}
	if got := d.Statement[0].Condition["IpAddress"]["aws:SourceIp"]; !slices.Equal(got.([]string), []string{"203.0.113.0/24", "2001:db8::/32", "198.51.100.7/32"}) {
		t.Errorf("source ranges = %v", got)
	}
	if got := policy.Evaluate(request("sts:AssumeRole", "arn:aws:iam::"+acct+":role/admin", "true", "aws:SourceIp", "192.0.2.1"), doc); got != policy.ImplicitDeny {
		t.Errorf("from outside the ranges: %v", got)
	}
	if got := policy.Evaluate(request("sts:AssumeRole", "arn:aws:iam::"+acct+":role/admin", "true"), doc); got != policy.Allow {
		t.Errorf("from 198.51.100.7: %v", got)
	}
}

func TestBuildPolicyRejectsBadOptions(t *testing.T) {
	tests := []struct {
		kind string
		o    awsx.PolicyOptions
		want string
	}{
		{"bogus", awsx.PolicyOptions{}, "unknown policy"},
		{awsx.PolicySelfService, awsx.PolicyOptions{Account: "1234"}, "12-digit"},
		{awsx.PolicySelfService, awsx.PolicyOptions{SourceIPs: []string{"10.0.0.0/8"}}, "takes only --account"},
		{awsx.PolicyRoleTrust, awsx.PolicyOptions{}, "pass --account"},
		{awsx.PolicyRoleTrust, awsx.PolicyOptions{Account: "*"}, "pass --account"},
		{awsx.PolicyRoleTrust, awsx.PolicyOptions{Account: acct, Roles: []string{"admin"}}, "takes no --role"},
		{awsx.PolicyRoleTrust, awsx.PolicyOptions{Account: acct, MaxMFAAge: time.Second}, "too short"},
		{awsx.PolicyAssumeGroup, awsx.PolicyOptions{Roles: []string{"bad name"}}, "not a valid role name"},
		{awsx.PolicyAssumeGroup, awsx.PolicyOptions{Roles: []string{"arn:aws:iam::1:role/x"}}, "not a role ARN"},
		{awsx.PolicyAssumeGroup, awsx.PolicyOptions{SourceIPs: []string{"203.0.113.5/24"}}, "did you mean 203.0.113.0/24"},
		{awsx.PolicyAssumeGroup, awsx.PolicyOptions{SourceIPs: []string{"office"}}, "not an IP range"},
		{awsx.PolicyAssumeGroup, awsx.PolicyOptions{SourceIPs: []string{" , "}}, "empty"},
	}
	for _, tt := range tests {
		_, err := awsx.BuildPolicy(tt.kind, tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s %+v: %v, want %q", tt.kind, tt.o, err, tt.want)
		}
	}
}
