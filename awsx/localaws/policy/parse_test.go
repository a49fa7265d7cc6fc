package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// TestParseShapes checks that every JSON shape IAM accepts parses and
// evaluates the same way as its canonical form.
func TestParseShapes(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		req  policy.Request
		want policy.Decision
	}{
		{"statement-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}}`,
			aliceReq("iam:GetUser", aliceARN, nil), policy.Allow},
		{"statement-array", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser"],"Resource":["*"]}]}`,
			aliceReq("iam:GetUser", aliceARN, nil), policy.Allow},
		{"id-and-sid", `{"Id":"x","Version":"2008-10-17","Statement":[{"Sid":"s1","Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`,
			aliceReq("iam:GetUser", aliceARN, nil), policy.Allow},
		{"notaction-string", `{"Statement":{"Effect":"Deny","NotAction":"iam:GetUser","Resource":"*"}}`,
			aliceReq("iam:ListUsers", "*", nil), policy.ExplicitDeny},
		{"notresource-array", `{"Statement":{"Effect":"Deny","Action":"*","NotResource":["arn:aws:s3:::a"]}}`,
			aliceReq("iam:ListUsers", "*", nil), policy.ExplicitDeny},
		{"condition-number-array", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*",
			"Condition":{"NumericEquals":{"aws:MultiFactorAuthAge":[1,"2",3.5]}}}}`,
			aliceReq("iam:ListUsers", "*", ctx("aws:MultiFactorAuthAge", "3.5")), policy.Allow},
		{"condition-bool-array", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*",
			"Condition":{"Bool":{"aws:SecureTransport":[true]}}}}`,
			aliceReq("iam:ListUsers", "*", ctx("aws:SecureTransport", "true")), policy.Allow},
		{"condition-mixed-array", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*",
			"Condition":{"StringEquals":{"aws:username":[true,"alice",42]}}}}`,
			aliceReq("iam:ListUsers", "*", ctx("aws:username", "42")), policy.Allow},
		{"principal-star", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`,
			aliceReq("sts:AssumeRole", adminRole, nil), policy.Allow},
		{"principal-aws-array", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["000000000000"],"Service":"ec2.amazonaws.com"},"Action":"*"}}`,
			aliceReq("sts:AssumeRole", adminRole, nil), policy.Allow},
		{"whitespace", " \n{ \"Statement\" : [ { \"Effect\" : \"Allow\" , \"Action\" : \"*\" , \"Resource\" : \"*\" } ] } \n",
			aliceReq("iam:GetUser", aliceARN, nil), policy.Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.doc)
			got := policy.Evaluate(tc.req, d)
			if strings.Contains(tc.doc, "Principal") {
				got = policy.EvaluateTrust(tc.req, d)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	stmt := func(body string) string { return `{"Version":"2012-10-17","Statement":{` + body + `}}` }
	cases := []struct {
		name string
		doc  string
		want string // substring of the error
	}{
		{"not-json", `{"Statement":`, "invalid JSON"},
		{"trailing-garbage", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} x`, "invalid JSON"},
		{"null", `null`, "JSON object"},
		{"array", `[]`, "JSON object"},
		{"empty", ``, "JSON object"},
		{"missing-statement", `{"Version":"2012-10-17"}`, "missing Statement"},
		{"empty-statement", `{"Statement":[]}`, "must not be empty"},
		{"statement-string", `{"Statement":"x"}`, "Statement must be"},
		{"statement-null-item", `{"Statement":[null]}`, "statement must be a JSON object"},
		{"bad-version", `{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*"}}`, "invalid Version"},
		{"version-number", `{"Version":2012,"Statement":{"Effect":"Allow","Action":"*"}}`, "Version must be a string"},
		{"unknown-top", `{"Foo":1,"Statement":{"Effect":"Allow","Action":"*"}}`, "unknown policy element"},
		{"unknown-statement-element", stmt(`"Effect":"Allow","Actions":"*"`), "unknown statement element"},
		{"missing-effect", stmt(`"Action":"*"`), "missing Effect"},
		{"effect-case", stmt(`"Effect":"allow","Action":"*"`), "statement 0: invalid Effect"},
		{"effect-unknown", stmt(`"Effect":"Maybe","Action":"*"`), "invalid Effect"},
		{"effect-null", stmt(`"Effect":null,"Action":"*"`), "Effect must be a string"},
		{"action-and-notaction", stmt(`"Effect":"Allow","Action":"*","NotAction":"iam:*"`), "both Action and NotAction"},
		{"no-action", stmt(`"Effect":"Allow","Resource":"*"`), "Action or NotAction"},
		{"action-number", stmt(`"Effect":"Allow","Action":1`), "Action must be"},
		{"action-empty-array", stmt(`"Effect":"Allow","Action":[]`), "must not be empty"},
		{"action-null-item", stmt(`"Effect":"Allow","Action":[null]`), "Action must be a string"},
		{"action-no-service", stmt(`"Effect":"Allow","Action":"ListUsers"`), "prefixed by a service"},
		{"resource-and-notresource", stmt(`"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"`), "both Resource and NotResource"},
		{"resource-not-arn", stmt(`"Effect":"Allow","Action":"*","Resource":"bucket"`), "ARN format"},
		{"sid-number", stmt(`"Sid":1,"Effect":"Allow","Action":"*"`), "Sid must be a string"},
		{"principal-string", stmt(`"Effect":"Allow","Principal":"alice","Action":"*"`), "Principal string"},
		{"principal-type", stmt(`"Effect":"Allow","Principal":{"Bogus":"x"},"Action":"*"`), "unknown Principal type"},
		{"principal-empty", stmt(`"Effect":"Allow","Principal":{},"Action":"*"`), "Principal must not be empty"},
		{"principal-number", stmt(`"Effect":"Allow","Principal":{"AWS":12},"Action":"*"`), "Principal AWS must be"},
		{"not-principal", stmt(`"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"*"`), "NotPrincipal"},
		{"condition-array", stmt(`"Effect":"Allow","Action":"*","Condition":[]`), "Condition must be an object"},
		{"unknown-operator", stmt(`"Effect":"Allow","Action":"*","Condition":{"StringEqualz":{"aws:username":"a"}}`), "unknown condition operator"},
		{"unknown-operator-ifexists", stmt(`"Effect":"Allow","Action":"*","Condition":{"FooIfExists":{"aws:username":"a"}}`), "unknown condition operator"},
		{"bare-ifexists", stmt(`"Effect":"Allow","Action":"*","Condition":{"IfExists":{"aws:username":"a"}}`), "unknown condition operator"},
		{"set-qualifier", stmt(`"Effect":"Allow","Action":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`), "set qualifiers"},
		{"null-ifexists", stmt(`"Effect":"Allow","Action":"*","Condition":{"NullIfExists":{"aws:username":"true"}}`), "Null cannot take IfExists"},
		{"block-not-object", stmt(`"Effect":"Allow","Action":"*","Condition":{"StringEquals":"a"}`), "must be an object"},
		{"key-no-prefix", stmt(`"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"username":"a"}}`), "prefixed by a service"},
		{"value-object", stmt(`"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"aws:username":{"a":1}}}`), "values must be"},
		{"value-null", stmt(`"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"aws:username":null}}`), "values must be"},
		{"value-nested-array", stmt(`"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"aws:username":[["a"]]}}`), "values must be"},
		{"value-empty-array", stmt(`"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"aws:username":[]}}`), "has no values"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := policy.Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse succeeded (%v), want error containing %q", d, tc.want)
			}
			var me *policy.MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MalformedError", err)
			}
			if !strings.HasPrefix(err.Error(), "MalformedPolicyDocument: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// TestParseFixtures makes sure every shared fixture parses.
func TestParseFixtures(t *testing.T) {
	for _, name := range []string{
		"admin-group-assume.json", "force-mfa-self-manage.json", "ip-restricted-user.json",
		"operator-deny-cloudtrail-changes.json", "operator-group-assume.json",
		"readonly-deny-data-reads.json", "role-trust-mfa.json",
	} {
		loadFixture(t, name)
	}
}
