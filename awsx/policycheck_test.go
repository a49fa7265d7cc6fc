package awsx_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

func fixture(t *testing.T, name string) awsx.PolicyFile {
	t.Helper()
	b, err := localaws.FixturePolicy(name)
	if err != nil {
		t.Fatal(err)
	}
	return awsx.PolicyFile{Name: name, Data: b}
}

func generated(t *testing.T, kind string, o awsx.PolicyOptions) awsx.PolicyFile {
	t.Helper()
	d, err := awsx.BuildPolicy(kind, o)
	if err != nil {
		t.Fatal(err)
	}
	return awsx.PolicyFile{Name: kind + ".json", Data: d.JSON()}
}

func check(t *testing.T, o awsx.PolicyCheckOptions, files ...awsx.PolicyFile) *awsx.PolicyCheckReport {
	t.Helper()
	r, err := awsx.CheckPolicy(context.Background(), files, o)
	if err != nil {
		t.Fatalf("CheckPolicy: %v", err)
	}
	return r
}

// rows indexes a report's rows by "phase|feature|action|target".
func rows(r *awsx.PolicyCheckReport) map[string]awsx.PolicyCheckStep {
	m := map[string]awsx.PolicyCheckStep{}
	for _, s := range r.Steps {
		m[s.Phase+"|"+s.Feature+"|"+s.Action+"|"+s.Target] = s
	}
	return m
}

func deniedActions(r *awsx.PolicyCheckReport) []string {
	var out []string
	for _, s := range r.Denied {
		out = append(out, s.Action)
	}
	return out
}

func TestCheckFixtureForceMFA(t *testing.T) {
	r := check(t, awsx.PolicyCheckOptions{}, fixture(t, "force-mfa-self-manage.json"))
	if got := deniedActions(r); !slices.Equal(got, []string{"iam:GetAccessKeyLastUsed"}) {
		t.Fatalf("denied = %v, want only iam:GetAccessKeyLastUsed\n%+v", got, r.Steps)
	}
	if r.Account != "000000000000" || r.User != "kagi-check" || r.SourceIP != "127.0.0.1" || len(r.Roles) != 0 {
		t.Errorf("report header = %+v", r)
	}
	for _, s := range r.Steps {
		switch {
		case s.Action == "iam:DeleteVirtualMFADevice":
			if s.Status != awsx.StepDenied || s.Required || !strings.Contains(s.Note, "optional") {
				t.Errorf("%s %s: %+v, want denied and optional", s.Phase, s.Action, s)
			}
		case s.Action == "iam:GetAccessKeyLastUsed":
			if s.Status != awsx.StepDenied || !s.Required || s.Phase != awsx.PhaseWithMFA || s.Feature != "last used" {
				t.Errorf("last used row = %+v", s)
			}
		case s.Action == "sts:AssumeRole":
			if s.Status != awsx.StepNotChecked || s.Required || !strings.Contains(s.Note, "--role") {
				t.Errorf("assume role row without roles = %+v", s)
			}
		case s.Status != awsx.StepAllowed:
			t.Errorf("%s %s %s: %s (%s), want allowed", s.Phase, s.Feature, s.Action, s.Status, s.Note)
		}
	}
	if len(r.Steps) != 25 {
		t.Errorf("%d rows, want the 25 of the plan:\n%+v", len(r.Steps), r.Steps)
	}
}

func TestCheckGeneratedPoliciesAllowEverything(t *testing.T) {
	r := check(t, awsx.PolicyCheckOptions{},
		generated(t, awsx.PolicySelfService, awsx.PolicyOptions{}),
		generated(t, awsx.PolicyAssumeGroup, awsx.PolicyOptions{Account: "000000000000"}))
	if len(r.Denied) != 0 {
		t.Fatalf("denied = %+v", r.Denied)
	}
	m := rows(r)
	for _, role := range awsx.DefaultAssumeRoles {
		if s := m["with MFA|assume role|sts:AssumeRole|"+role]; s.Status != awsx.StepAllowed {
			t.Errorf("assume %s: %+v", role, s)
		}
	}
	// Before MFA the generated policy denies DeleteVirtualMFADevice on purpose (as the fixture does); with
	// MFA everything kagi calls is allowed, and every row was really called.
	checked := map[string]bool{}
	for _, s := range r.Steps {
		checked[s.Action] = true
		want := awsx.StepAllowed
		if s.Phase == awsx.PhaseBeforeMFA && s.Action == "iam:DeleteVirtualMFADevice" {
			want = awsx.StepDenied
		}
		if s.Status != want {
			t.Errorf("%s %s %s: %s (%s), want %s", s.Phase, s.Feature, s.Action, s.Status, s.Note, want)
		}
	}
	// The checker exercises exactly the actions the self-service policy is built from (plus the two STS
	// calls no self-service statement covers).
	for _, a := range awsx.SelfServiceActions {
		if !checked[a.Action] {
			t.Errorf("policy action %s is never exercised by the check", a.Action)
		}
		delete(checked, a.Action)
	}
	delete(checked, "sts:GetCallerIdentity")
	delete(checked, "sts:AssumeRole")
	if len(checked) != 0 {
		t.Errorf("the check calls actions the self-service policy does not list: %v", checked)
	}
}

func TestCheckFixtureWithGroupAssumesTheNamedRole(t *testing.T) {
	r := check(t, awsx.PolicyCheckOptions{}, fixture(t, "force-mfa-self-manage.json"), fixture(t, "admin-group-assume.json"))
	if !slices.Equal(r.Roles, []string{"iam-role-admin"}) {
		t.Fatalf("roles = %v, want the one the group policy names", r.Roles)
	}
	if s := rows(r)["with MFA|assume role|sts:AssumeRole|iam-role-admin"]; s.Status != awsx.StepAllowed {
		t.Errorf("assume role = %+v", s)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "--source-ip") {
		t.Errorf("notes = %v, want the aws:SourceIp hint", r.Notes)
	}
}

func TestCheckSourceIPCondition(t *testing.T) {
	group := generated(t, awsx.PolicyAssumeGroup, awsx.PolicyOptions{Account: "123456789012", Roles: []string{"admin"}, SourceIPs: []string{"203.0.113.0/24"}})
	self := generated(t, awsx.PolicySelfService, awsx.PolicyOptions{Account: "123456789012"})

	r := check(t, awsx.PolicyCheckOptions{}, self, group)
	if r.Account != "123456789012" {
		t.Errorf("account = %s, want the one the documents name", r.Account)
	}
	if got := deniedActions(r); !slices.Equal(got, []string{"sts:AssumeRole"}) || r.Denied[0].Target != "admin" {
		t.Fatalf("from 127.0.0.1: denied = %+v", r.Denied)
	}
	if !strings.Contains(r.Denied[0].Note, "arn:aws:iam::123456789012:role/admin") {
		t.Errorf("note = %q", r.Denied[0].Note)
	}
	if r := check(t, awsx.PolicyCheckOptions{SourceIP: "203.0.113.9"}, self, group); len(r.Denied) != 0 || len(r.Notes) != 0 {
		t.Fatalf("from the office: denied = %+v notes %v", r.Denied, r.Notes)
	}
	if _, err := awsx.CheckPolicy(context.Background(), []awsx.PolicyFile{self}, awsx.PolicyCheckOptions{SourceIP: "203.0.113.0/24"}); err == nil {
		t.Error("a range as --source-ip was accepted")
	}
}

func TestCheckExplicitDenyStopsAtTheMFASession(t *testing.T) {
	deny := awsx.PolicyFile{Name: "deny.json", Data: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)}
	r := check(t, awsx.PolicyCheckOptions{Roles: []string{"ops"}}, deny)
	m := rows(r)
	if s := m["before MFA|MFA session|sts:GetSessionToken|"]; s.Status != awsx.StepDenied || !strings.Contains(s.Note, "explicit deny") {
		t.Errorf("GetSessionToken = %+v", s)
	}
	if s := m["before MFA|onboarding|iam:EnableMFADevice|"]; s.Status != awsx.StepDenied {
		t.Errorf("enable (probed after the create was denied) = %+v", s)
	}
	if s := m["with MFA|password|iam:ChangePassword|"]; s.Status != awsx.StepNotChecked || !s.Required {
		t.Errorf("password after a denied session = %+v", s)
	}
	if s := m["with MFA|assume role|sts:AssumeRole|ops"]; s.Status != awsx.StepNotChecked {
		t.Errorf("assume role after a denied session = %+v", s)
	}
	if s := m["before MFA|whoami|sts:GetCallerIdentity|"]; s.Status != awsx.StepAllowed {
		t.Errorf("GetCallerIdentity ignores denies: %+v", s)
	}
}

func TestCheckAllowAllWithoutMFACondition(t *testing.T) {
	all := awsx.PolicyFile{Name: "all.json", Data: []byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)}
	r := check(t, awsx.PolicyCheckOptions{UserName: "bob", Roles: []string{"ops"}}, all)
	for _, s := range r.Steps {
		if s.Status != awsx.StepAllowed {
			t.Errorf("%s %s %s: %+v", s.Phase, s.Feature, s.Action, s)
		}
	}
}

func TestCheckMalformedAndBadOptions(t *testing.T) {
	bad := awsx.PolicyFile{Name: "broken.json", Data: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`)}
	_, err := awsx.CheckPolicy(context.Background(), []awsx.PolicyFile{fixture(t, "role-trust-mfa.json"), bad}, awsx.PolicyCheckOptions{})
	var me *awsx.MalformedPolicyError
	var pe *policy.MalformedError
	if !errors.As(err, &me) || !errors.As(err, &pe) || me.Name != "broken.json" {
		t.Fatalf("err = %v (%T)", err, err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "broken.json is not a valid IAM policy (MalformedPolicyDocument: ") || strings.Contains(msg, "\n") {
		t.Errorf("message = %q", msg)
	}
	self := generated(t, awsx.PolicySelfService, awsx.PolicyOptions{})
	for _, o := range []awsx.PolicyCheckOptions{{Account: "12"}, {UserName: "a/b"}, {Roles: []string{"no spaces"}}, {SourceIP: "nope"}} {
		if _, err := awsx.CheckPolicy(context.Background(), []awsx.PolicyFile{self}, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if _, err := awsx.CheckPolicy(context.Background(), nil, awsx.PolicyCheckOptions{}); err == nil {
		t.Error("no files accepted")
	}
}
