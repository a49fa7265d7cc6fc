package policy_test

import (
	"testing"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

func TestActionAndResourceMatching(t *testing.T) {
	const v2012 = `"Version":"2012-10-17",`
	cases := []struct {
		name   string
		doc    string
		action string
		res    string
		ctx    map[string]string
		want   policy.Decision
	}{
		// Actions: case-insensitive globs.
		{"action/case-insensitive", `{"Statement":{"Effect":"Allow","Action":"IAM:listaccesskeys","Resource":"*"}}`,
			"iam:ListAccessKeys", aliceARN, nil, policy.Allow},
		{"action/prefix-star", `{"Statement":{"Effect":"Allow","Action":"iam:List*","Resource":"*"}}`,
			"iam:ListUsers", "*", nil, policy.Allow},
		{"action/prefix-star-miss", `{"Statement":{"Effect":"Allow","Action":"iam:List*","Resource":"*"}}`,
			"iam:GetUser", "*", nil, policy.ImplicitDeny},
		{"action/question", `{"Statement":{"Effect":"Allow","Action":"iam:Get?ser","Resource":"*"}}`,
			"iam:GetUser", "*", nil, policy.Allow},
		{"action/service-star", `{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}`,
			"sts:GetCallerIdentity", "*", nil, policy.ImplicitDeny},
		{"action/star", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			"sts:GetCallerIdentity", "*", nil, policy.Allow},
		{"notaction/outside", `{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`,
			"s3:GetObject", "*", nil, policy.Allow},
		{"notaction/inside", `{"Statement":{"Effect":"Allow","NotAction":["s3:*","iam:*"],"Resource":"*"}}`,
			"IAM:GetUser", "*", nil, policy.ImplicitDeny},
		// Resources: case-sensitive globs spanning ':' and '/'.
		{"resource/case-sensitive", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::000000000000:user/Alice"}}`,
			"iam:GetUser", aliceARN, nil, policy.ImplicitDeny},
		{"resource/question", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::000000000000:user/al?ce"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		{"resource/question-exactly-one", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::000000000000:user/al?ce"}}`,
			"iam:GetUser", "arn:aws:iam::000000000000:user/alce", nil, policy.ImplicitDeny},
		{"resource/star-spans-colons", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:*user/alice"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		// The same pattern is no match for ArnLike, whose '*' stays within one ARN component.
		{"resource/star-spans-colon", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:*:user/alice"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		{"resource/star-spans-slashes", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::bucket/*"}}`,
			"s3:GetObject", "arn:aws:s3:::bucket/a/b/c", nil, policy.Allow},
		{"resource/star-resource-request", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/*"}}`,
			"iam:ListUsers", "*", nil, policy.ImplicitDeny},
		{"resource/any-of", `{"Statement":{"Effect":"Allow","Action":"*","Resource":["arn:aws:iam::*:user/bob",
			"arn:aws:iam::*:user/alice"]}}`, "iam:GetUser", aliceARN, nil, policy.Allow},
		{"resource/absent-matches-any", `{"Statement":{"Effect":"Allow","Action":"iam:GetUser"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		{"notresource/outside", `{"Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:iam::*:user/admin*"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		{"notresource/inside", `{"Statement":{"Effect":"Allow","Action":"*","NotResource":["arn:aws:s3:::*","arn:aws:iam::*:user/admin*"]}}`,
			"iam:GetUser", "arn:aws:iam::000000000000:user/admin1", nil, policy.ImplicitDeny},
		{"notresource/deny", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::public/*"}]}`,
			"s3:GetObject", "arn:aws:s3:::private/x", nil, policy.ExplicitDeny},
		{"notresource/deny-excluded", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::public/*"}]}`,
			"s3:GetObject", "arn:aws:s3:::public/x", nil, policy.Allow},
		// Policy variables in Resource.
		{"var/resolved", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", aliceARN, ctx("aws:username", "alice"), policy.Allow},
		{"var/other-user", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", bobARN, ctx("aws:username", "alice"), policy.ImplicitDeny},
		{"var/missing", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", aliceARN, nil, policy.ImplicitDeny},
		{"var/missing-other-entry", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":["arn:aws:iam::*:user/${aws:username}","*"]}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		{"var/default", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username, 'alice'}"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		// An unresolvable NotResource entry excludes nothing.
		{"var/missing-notresource", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
		{"var/value-is-literal", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", aliceARN, ctx("aws:username", "*"), policy.ImplicitDeny},
		{"var/escape-star", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::bucket/${*}"}}`,
			"s3:GetObject", "arn:aws:s3:::bucket/*", nil, policy.Allow},
		{"var/escape-star-literal", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::bucket/${*}"}}`,
			"s3:GetObject", "arn:aws:s3:::bucket/x", nil, policy.ImplicitDeny},
		{"var/escape-question-dollar", `{` + v2012 + `"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${?}${$}"}}`,
			"s3:GetObject", "arn:aws:s3:::b/?$", nil, policy.Allow},
		{"var/legacy-literal", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", aliceARN, ctx("aws:username", "alice"), policy.ImplicitDeny},
		{"var/legacy-literal-match", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", "arn:aws:iam::000000000000:user/${aws:username}", ctx("aws:username", "alice"), policy.Allow},
		{"var/no-version-literal", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/${aws:username}"}}`,
			"iam:GetUser", aliceARN, ctx("aws:username", "alice"), policy.ImplicitDeny},
		// Deny wins regardless of statement order; Principal is ignored here.
		{"deny-wins", `{"Statement":[{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			"iam:DeleteUser", aliceARN, nil, policy.ExplicitDeny},
		{"principal-ignored", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"*","Resource":"*"}}`,
			"iam:GetUser", aliceARN, nil, policy.Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.doc)
			if got := policy.Evaluate(aliceReq(tc.action, tc.res, tc.ctx), d); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvaluateDocuments(t *testing.T) {
	allow := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}`)
	deny := mustParse(t, `{"Statement":{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}}`)
	req := aliceReq("iam:DeleteUser", aliceARN, nil)
	if got := policy.Evaluate(req); got != policy.ImplicitDeny {
		t.Errorf("no documents: got %v", got)
	}
	if got := policy.Evaluate(req, nil, allow); got != policy.Allow {
		t.Errorf("nil document skipped: got %v", got)
	}
	if got := policy.Evaluate(req, allow, deny); got != policy.ExplicitDeny {
		t.Errorf("deny across documents: got %v", got)
	}
	if got := policy.EvaluateTrust(req, nil); got != policy.ImplicitDeny {
		t.Errorf("nil trust: got %v", got)
	}
}

func TestEvaluateTrust(t *testing.T) {
	const otherUser = "arn:aws:iam::111111111111:user/mallory"
	trust := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}}`
	}
	cases := []struct {
		name      string
		doc       string
		principal string
		account   string
		want      policy.Decision
	}{
		{"star", trust(`"*"`), otherUser, "111111111111", policy.Allow},
		{"aws-star", trust(`{"AWS":"*"}`), otherUser, "111111111111", policy.Allow},
		{"account-id/user", trust(`{"AWS":"000000000000"}`), aliceARN, acct, policy.Allow},
		{"account-id/session", trust(`{"AWS":"000000000000"}`), adminSess, acct, policy.Allow},
		{"account-id/root", trust(`{"AWS":"000000000000"}`), rootARN, acct, policy.Allow},
		{"account-id/other", trust(`{"AWS":"000000000000"}`), otherUser, "111111111111", policy.ImplicitDeny},
		// The caller ARN, not the claimed account, decides.
		{"account-id/arn-wins", trust(`{"AWS":"000000000000"}`), otherUser, acct, policy.ImplicitDeny},
		{"account-id/no-arn-fallback", trust(`{"AWS":"000000000000"}`), "", acct, policy.Allow},
		{"root/user", trust(`{"AWS":"arn:aws:iam::000000000000:root"}`), aliceARN, acct, policy.Allow},
		{"root/session", trust(`{"AWS":["arn:aws:iam::000000000000:root"]}`), adminSess, acct, policy.Allow},
		{"root/other-partition", trust(`{"AWS":"arn:aws-cn:iam::000000000000:root"}`), aliceARN, acct, policy.ImplicitDeny},
		{"user/exact", trust(`{"AWS":"arn:aws:iam::000000000000:user/alice"}`), aliceARN, acct, policy.Allow},
		{"user/other", trust(`{"AWS":"arn:aws:iam::000000000000:user/alice"}`), bobARN, acct, policy.ImplicitDeny},
		{"user/not-session", trust(`{"AWS":"arn:aws:iam::000000000000:user/alice"}`), adminSess, acct, policy.ImplicitDeny},
		{"user/list", trust(`{"AWS":["arn:aws:iam::000000000000:user/bob","arn:aws:iam::000000000000:user/alice"]}`), aliceARN, acct, policy.Allow},
		{"role/session", trust(`{"AWS":"arn:aws:iam::000000000000:role/iam-role-admin"}`), adminSess, acct, policy.Allow},
		{"role/session-with-path", trust(`{"AWS":"arn:aws:iam::000000000000:role/ops/iam-role-admin"}`), adminSess, acct, policy.Allow},
		{"role/other-role-session", trust(`{"AWS":"arn:aws:iam::000000000000:role/iam-role-operator"}`), adminSess, acct, policy.ImplicitDeny},
		{"role/other-account-session", trust(`{"AWS":"arn:aws:iam::111111111111:role/iam-role-admin"}`), adminSess, acct, policy.ImplicitDeny},
		{"role/not-user", trust(`{"AWS":"arn:aws:iam::000000000000:role/alice"}`), aliceARN, acct, policy.ImplicitDeny},
		{"role/session-without-name", trust(`{"AWS":"arn:aws:iam::000000000000:role/iam-role-admin"}`),
			"arn:aws:sts::000000000000:assumed-role/iam-role-admin", acct, policy.ImplicitDeny},
		{"session/exact", trust(`{"AWS":"arn:aws:sts::000000000000:assumed-role/iam-role-admin/sess"}`), adminSess, acct, policy.Allow},
		{"service/not-iam-caller", trust(`{"Service":"ec2.amazonaws.com"}`), aliceARN, acct, policy.ImplicitDeny},
		{"service/exact", trust(`{"Service":["ec2.amazonaws.com"]}`), "ec2.amazonaws.com", "", policy.Allow},
		{"federated/not-iam-caller", trust(`{"Federated":"arn:aws:iam::000000000000:saml-provider/idp"}`), aliceARN, acct, policy.ImplicitDeny},
		{"no-principal", `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, aliceARN, acct, policy.ImplicitDeny},
		{"deny-wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
			{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sts:*"}]}`, aliceARN, acct, policy.ExplicitDeny},
		{"deny-other-principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
			{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"sts:*"}]}`, aliceARN, acct, policy.Allow},
		{"action-case", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"STS:assumerole"}}`, aliceARN, acct, policy.Allow},
		{"other-action", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithSAML"}}`, aliceARN, acct, policy.ImplicitDeny},
		{"resource-mismatch", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/other"}}`,
			aliceARN, acct, policy.ImplicitDeny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.doc)
			req := policy.Request{Action: "sts:AssumeRole", Resource: adminRole, Principal: tc.principal, Account: tc.account}
			if got := policy.EvaluateTrust(req, d); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[policy.Decision]string{
		policy.ImplicitDeny: "ImplicitDeny",
		policy.Allow:        "Allow",
		policy.ExplicitDeny: "ExplicitDeny",
		policy.Decision(7):  "Decision(7)",
	} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
}
