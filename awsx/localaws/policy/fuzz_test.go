package policy_test

import (
	"errors"
	"testing"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// FuzzParseEvaluate parses arbitrary bytes; whatever parses must evaluate
// without panicking and yield a valid, deterministic Decision. Parse errors
// must always be *MalformedError.
func FuzzParseEvaluate(f *testing.F) {
	seeds := []string{
		// Trimmed copies of the shared fixtures (seeds must not read files).
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword","iam:GetUser"],"Resource":"arn:aws:iam::*:user/${aws:username}"},` +
			`{"Effect":"Deny","NotAction":["iam:GetUser","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole"],"Resource":["arn:aws:iam::000000000000:role/iam-role-admin"],` +
			`"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"IpAddress":{"aws:SourceIp":["0.0.0.0/0"]}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole",` +
			`"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*"],"Resource":["*"],"Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.80/32"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:GetObject","dynamodb:Get*"],"Resource":["*"]}]}`,
		// Inline shapes exercising the rest of the grammar.
		`{"Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::b/${*}?","Condition":{"NumericLessThan":{"a:b":[1,2.5e3]},"Null":{"a:c":true}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/${aws:username, 'x'}"}}}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "iam:GetUser", "arn:aws:iam::000000000000:user/alice", "true")
	}
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":"*?*","Resource":"*"}}`), "?", "", "")

	f.Fuzz(func(t *testing.T, doc []byte, action, resource, value string) {
		d, err := policy.Parse(doc)
		if err != nil {
			var me *policy.MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("Parse error %v is not a *MalformedError", err)
			}
			return
		}
		ctxs := []map[string]string{
			nil,
			{"aws:username": value, "aws:MultiFactorAuthPresent": value, "aws:SourceIp": value, "aws:PrincipalArn": value, "a:b": value},
			{"aws:username": resource, "aws:SourceIp": "198.51.100.80", "aws:MultiFactorAuthPresent": "true", "aws:CurrentTime": value},
		}
		principals := []string{
			"arn:aws:iam::000000000000:user/alice",
			"arn:aws:sts::000000000000:assumed-role/iam-role-admin/s",
			"arn:aws:iam::000000000000:root",
			value,
		}
		for _, c := range ctxs {
			for _, p := range principals {
				req := policy.Request{Action: action, Resource: resource, Principal: p, Account: "000000000000", Context: c}
				got := policy.Evaluate(req, d)
				if got != policy.Evaluate(req, d) {
					t.Fatal("Evaluate is not deterministic")
				}
				trust := policy.EvaluateTrust(req, d)
				for _, dec := range []policy.Decision{got, trust} {
					if dec != policy.ImplicitDeny && dec != policy.Allow && dec != policy.ExplicitDeny {
						t.Fatalf("invalid decision %v", dec)
					}
				}
			}
		}
	})
}
