package policy_test

import (
	"fmt"
	"testing"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

func mustParse(t testing.TB, doc string) *policy.Document {
	t.Helper()
	d, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return d
}

// allowWithCondition is an allow-everything policy guarded by cond.
func allowWithCondition(version, cond string) string {
	v := ""
	if version != "" {
		v = fmt.Sprintf(`"Version":%q,`, version)
	}
	return fmt.Sprintf(`{%s"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":%s}}`, v, cond)
}

func TestConditionOperators(t *testing.T) {
	const (
		user = "aws:username"
		tag  = "aws:PrincipalTag/team"
		ip   = "aws:SourceIp"
		parn = "aws:PrincipalArn"
		age  = "aws:MultiFactorAuthAge"
		now  = "aws:CurrentTime"
	)
	cases := []struct {
		name string
		cond string
		ctx  map[string]string
		want bool
	}{
		// StringEquals: case-sensitive; values OR-ed; absent key fails.
		{"StringEquals/match", `{"StringEquals":{"aws:username":"alice"}}`, ctx(user, "alice"), true},
		{"StringEquals/case", `{"StringEquals":{"aws:username":"alice"}}`, ctx(user, "Alice"), false},
		{"StringEquals/absent", `{"StringEquals":{"aws:username":"alice"}}`, nil, false},
		{"StringEquals/any-of", `{"StringEquals":{"aws:username":["bob","alice"]}}`, ctx(user, "alice"), true},
		{"StringEquals/star-literal", `{"StringEquals":{"aws:username":"a*"}}`, ctx(user, "alice"), false},
		{"StringEquals/key-case-insensitive", `{"StringEquals":{"AWS:UserName":"alice"}}`, ctx(user, "alice"), true},
		// Negated operators: must match none; absent key passes.
		{"StringNotEquals/none", `{"StringNotEquals":{"aws:username":["bob","carol"]}}`, ctx(user, "alice"), true},
		{"StringNotEquals/one", `{"StringNotEquals":{"aws:username":["bob","alice"]}}`, ctx(user, "alice"), false},
		{"StringNotEquals/absent", `{"StringNotEquals":{"aws:username":"bob"}}`, nil, true},
		{"StringEqualsIgnoreCase/match", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx(user, "alice"), true},
		{"StringEqualsIgnoreCase/absent", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, false},
		{"StringNotEqualsIgnoreCase/same", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx(user, "alice"), false},
		{"StringNotEqualsIgnoreCase/other", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx(user, "bob"), true},
		{"StringNotEqualsIgnoreCase/absent", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, true},
		{"StringLike/star", `{"StringLike":{"aws:username":"al*"}}`, ctx(user, "alice"), true},
		{"StringLike/question", `{"StringLike":{"aws:username":"a?ice"}}`, ctx(user, "alice"), true},
		{"StringLike/question-needs-one", `{"StringLike":{"aws:username":"a?ice"}}`, ctx(user, "aice"), false},
		{"StringLike/case-sensitive", `{"StringLike":{"aws:username":"A*"}}`, ctx(user, "alice"), false},
		{"StringLike/absent", `{"StringLike":{"aws:username":"*"}}`, nil, false},
		{"StringNotLike/none", `{"StringNotLike":{"aws:username":["b*","c*"]}}`, ctx(user, "alice"), true},
		{"StringNotLike/one", `{"StringNotLike":{"aws:username":["b*","a*"]}}`, ctx(user, "alice"), false},
		{"StringNotLike/absent", `{"StringNotLike":{"aws:username":"a*"}}`, nil, true},
		// Bool: case-insensitive; JSON booleans normalised to strings.
		{"Bool/true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "TRUE"), true},
		{"Bool/json-bool", `{"Bool":{"aws:SecureTransport":true}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool/json-false", `{"Bool":{"aws:SecureTransport":[false]}}`, ctx("aws:SecureTransport", "false"), true},
		{"Bool/mismatch", `{"Bool":{"aws:SecureTransport":"false"}}`, ctx("aws:SecureTransport", "true"), false},
		{"Bool/not-a-bool", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "yes"), false},
		{"Bool/absent", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, false},
		{"BoolIfExists/absent", `{"BoolIfExists":{"aws:SecureTransport":"false"}}`, nil, true},
		{"BoolIfExists/present-mismatch", `{"BoolIfExists":{"aws:SecureTransport":"false"}}`, ctx("aws:SecureTransport", "true"), false},
		// IpAddress: CIDR or bare address, IPv4 and IPv6.
		{"IpAddress/cidr", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(ip, "10.1.2.3"), true},
		{"IpAddress/outside", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(ip, "11.0.0.1"), false},
		{"IpAddress/bare", `{"IpAddress":{"aws:SourceIp":"10.0.0.1"}}`, ctx(ip, "10.0.0.1"), true},
		{"IpAddress/bare-other", `{"IpAddress":{"aws:SourceIp":"10.0.0.1"}}`, ctx(ip, "10.0.0.2"), false},
		{"IpAddress/any-of", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`, ctx(ip, "192.168.1.1"), true},
		{"IpAddress/ipv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx(ip, "2001:db8::1"), true},
		{"IpAddress/ipv6-outside", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx(ip, "2001:db9::1"), false},
		{"IpAddress/all-v4-not-v6", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx(ip, "::1"), false},
		{"IpAddress/all-v4", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx(ip, "203.0.113.9"), true},
		{"IpAddress/v4-mapped", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(ip, "::ffff:10.0.0.1"), true},
		{"IpAddress/not-an-ip", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx(ip, "not-an-ip"), false},
		{"IpAddress/bad-policy-cidr", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/99"}}`, ctx(ip, "10.0.0.1"), false},
		{"IpAddress/absent", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, nil, false},
		{"IpAddressIfExists/absent", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, nil, true},
		{"NotIpAddress/inside", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(ip, "10.1.2.3"), false},
		{"NotIpAddress/outside", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(ip, "11.0.0.1"), true},
		{"NotIpAddress/absent", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, nil, true},
		// A non-IP is inside none of the ranges, so the negation holds.
		{"NotIpAddress/not-an-ip", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(ip, "not-an-ip"), true},
		{"NotIpAddressIfExists/absent", `{"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, nil, true},
		// ARN operators: per-component wildcards; ArnEquals == ArnLike.
		{"ArnEquals/exact", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/alice"}}`, ctx(parn, aliceARN), true},
		{"ArnEquals/other", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/alice"}}`, ctx(parn, bobARN), false},
		{"ArnEquals/wildcard", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, ctx(parn, aliceARN), true},
		{"ArnLike/question", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/a?ice"}}`, ctx(parn, aliceARN), true},
		{"ArnLike/case-sensitive", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/Alice"}}`, ctx(parn, aliceARN), false},
		{"ArnLike/six-parts", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:*:*:*:user/alice"}}`, ctx(parn, aliceARN), true},
		{"ArnLike/star-cannot-cross-colon", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:*:user/alice"}}`, ctx(parn, aliceARN), false},
		{"ArnLike/request-not-arn", `{"ArnLike":{"aws:PrincipalArn":"arn:*:*:*:*:*"}}`, ctx(parn, "alice"), false},
		{"ArnLike/resource-has-colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:*:log-group:g:*"}}`,
			ctx("aws:SourceArn", "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s"), true},
		{"ArnLike/absent", `{"ArnLike":{"aws:PrincipalArn":"arn:*:*:*:*:*"}}`, nil, false},
		{"ArnNotEquals/other", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:user/bob"}}`, ctx(parn, aliceARN), true},
		{"ArnNotEquals/same", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:user/bob"}}`, ctx(parn, bobARN), false},
		{"ArnNotLike/absent", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/bob"}}`, nil, true},
		{"ArnNotLike/match", `{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:user/x","arn:aws:iam::*:user/a*"]}}`, ctx(parn, aliceARN), false},
		{"ArnLikeIfExists/absent", `{"ArnLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::*:user/bob"}}`, nil, true},
		// Null: "true" = key absent, "false" = key present.
		{"Null/true-absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null/true-present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx("aws:TokenIssueTime", "x"), false},
		{"Null/false-present", `{"Null":{"aws:TokenIssueTime":"false"}}`, ctx("aws:TokenIssueTime", "x"), true},
		{"Null/false-absent", `{"Null":{"aws:TokenIssueTime":false}}`, nil, false},
		{"Null/json-true", `{"Null":{"aws:TokenIssueTime":true}}`, nil, true},
		// Numeric operators; numbers may be JSON numbers or strings.
		{"NumericEquals/int", `{"NumericEquals":{"aws:MultiFactorAuthAge":5}}`, ctx(age, "5"), true},
		{"NumericEquals/decimal", `{"NumericEquals":{"aws:MultiFactorAuthAge":"5"}}`, ctx(age, "5.0"), true},
		{"NumericEquals/other", `{"NumericEquals":{"aws:MultiFactorAuthAge":5}}`, ctx(age, "6"), false},
		{"NumericEquals/not-number", `{"NumericEquals":{"aws:MultiFactorAuthAge":5}}`, ctx(age, "five"), false},
		{"NumericEquals/nan", `{"NumericEquals":{"aws:MultiFactorAuthAge":"NaN"}}`, ctx(age, "NaN"), false},
		{"NumericEquals/absent", `{"NumericEquals":{"aws:MultiFactorAuthAge":5}}`, nil, false},
		{"NumericNotEquals/other", `{"NumericNotEquals":{"aws:MultiFactorAuthAge":5}}`, ctx(age, "6"), true},
		{"NumericNotEquals/same", `{"NumericNotEquals":{"aws:MultiFactorAuthAge":5}}`, ctx(age, "5"), false},
		{"NumericNotEquals/absent", `{"NumericNotEquals":{"aws:MultiFactorAuthAge":5}}`, nil, true},
		{"NumericLessThan/less", `{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}`, ctx(age, "100"), true},
		{"NumericLessThan/equal", `{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}`, ctx(age, "3600"), false},
		{"NumericLessThanEquals/equal", `{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"3600"}}`, ctx(age, "3600"), true},
		{"NumericLessThanEquals/greater", `{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"3600"}}`, ctx(age, "3601"), false},
		{"NumericGreaterThan/greater", `{"NumericGreaterThan":{"aws:MultiFactorAuthAge":3600}}`, ctx(age, "3601"), true},
		{"NumericGreaterThan/equal", `{"NumericGreaterThan":{"aws:MultiFactorAuthAge":3600}}`, ctx(age, "3600"), false},
		{"NumericGreaterThanEquals/equal", `{"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":3600}}`, ctx(age, "3600"), true},
		{"NumericGreaterThanEquals/negative", `{"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":-1.5e0}}`, ctx(age, "-1.5"), true},
		{"NumericLessThanIfExists/absent", `{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":3600}}`, nil, true},
		{"NumericLessThanIfExists/present", `{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":3600}}`, ctx(age, "7200"), false},
		// Date operators: ISO 8601 and epoch seconds compare as instants.
		{"DateGreaterThan", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx(now, "2021-06-01T12:00:00Z"), true},
		{"DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx(now, "2021-06-01T12:00:00Z"), false},
		{"DateEquals/epoch", `{"DateEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx(now, "1577836800"), true},
		{"DateNotEquals/absent", `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01"}}`, nil, true},
		{"DateLessThanEquals/date-only", `{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01"}}`, ctx(now, "2020-01-01T00:00:00+00:00"), true},
		{"DateGreaterThanEquals/garbage", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01"}}`, ctx(now, "tomorrow"), false},
		// IfExists on string operators.
		{"StringEqualsIfExists/absent", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, nil, true},
		{"StringEqualsIfExists/match", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, ctx(user, "alice"), true},
		{"StringEqualsIfExists/mismatch", `{"StringEqualsIfExists":{"aws:username":"alice"}}`, ctx(user, "bob"), false},
		{"StringNotEqualsIfExists/mismatch", `{"StringNotEqualsIfExists":{"aws:username":"alice"}}`, ctx(user, "bob"), true},
		// Keys within a block and blocks themselves are AND-ed.
		{"AND/keys-both", `{"StringEquals":{"aws:username":"alice","aws:PrincipalTag/team":"ops"}}`, ctx(user, "alice", tag, "ops"), true},
		{"AND/keys-one", `{"StringEquals":{"aws:username":"alice","aws:PrincipalTag/team":"ops"}}`, ctx(user, "alice", tag, "dev"), false},
		{"AND/blocks-both", `{"StringEquals":{"aws:username":"alice"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(user, "alice", ip, "10.0.0.1"), true},
		{"AND/blocks-one", `{"StringEquals":{"aws:username":"alice"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx(user, "alice", ip, "11.0.0.1"), false},
		{"empty-condition", `{}`, nil, true},
		// Operator names are matched case-insensitively.
		{"operator-case", `{"stringequalsIFEXISTS":{"aws:username":"alice"}}`, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, allowWithCondition("2012-10-17", tc.cond))
			want := policy.ImplicitDeny
			if tc.want {
				want = policy.Allow
			}
			if got := policy.Evaluate(aliceReq("s3:ListBucket", "*", tc.ctx), d); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestConditionVariables(t *testing.T) {
	const (
		user  = "aws:username"
		owner = "aws:PrincipalTag/owner"
	)
	cases := []struct {
		name    string
		version string
		cond    string
		ctx     map[string]string
		want    bool
	}{
		{"substituted", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`, ctx(owner, "alice", user, "alice"), true},
		{"substituted-mismatch", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`, ctx(owner, "bob", user, "alice"), false},
		{"variable-key-case", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${AWS:UserName}"}}`, ctx(owner, "alice", user, "alice"), true},
		{"missing-variable", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`, ctx(owner, "${aws:username}"), false},
		// The unresolvable value matches nothing, so "matches none" holds.
		{"missing-variable-negated", "2012-10-17", `{"StringNotEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`, ctx(owner, "x"), true},
		{"default-used", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username, 'nobody'}"}}`, ctx(owner, "nobody"), true},
		{"default-ignored", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username, 'nobody'}"}}`, ctx(owner, "alice", user, "alice"), true},
		{"default-no-space", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username,'nobody'}"}}`, ctx(owner, "nobody"), true},
		{"default-empty", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"x${aws:username, ''}"}}`, ctx(owner, "x"), true},
		{"in-like", "2012-10-17", `{"StringLike":{"aws:PrincipalTag/owner":"${aws:username}-*"}}`, ctx(owner, "alice-1", user, "alice"), true},
		// A substituted value is literal: its '*' is not a wildcard.
		{"value-star-literal", "2012-10-17", `{"StringLike":{"aws:PrincipalTag/owner":"${aws:username}-*"}}`, ctx(owner, "abc-1", user, "a*"), false},
		{"value-star-literal-match", "2012-10-17", `{"StringLike":{"aws:PrincipalTag/owner":"${aws:username}-*"}}`, ctx(owner, "a*-1", user, "a*"), true},
		{"escape-star-equals", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${*}"}}`, ctx(owner, "*"), true},
		{"escape-star-like", "2012-10-17", `{"StringLike":{"aws:PrincipalTag/owner":"${*}x*"}}`, ctx(owner, "*x123"), true},
		{"escape-star-like-literal", "2012-10-17", `{"StringLike":{"aws:PrincipalTag/owner":"${*}x*"}}`, ctx(owner, "ax1"), false},
		{"escape-question-dollar", "2012-10-17", `{"StringLike":{"aws:PrincipalTag/owner":"a${?}b${$}"}}`, ctx(owner, "a?b$"), true},
		{"escape-question-literal", "2012-10-17", `{"StringLike":{"aws:PrincipalTag/owner":"a${?}b"}}`, ctx(owner, "axb"), false},
		{"unterminated", "2012-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username"}}`, ctx(owner, "${aws:username", user, "alice"), true},
		{"in-arn", "2012-10-17", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/${aws:username}"}}`, ctx("aws:PrincipalArn", aliceARN, user, "alice"), true},
		{"in-arn-other", "2012-10-17", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/${aws:username}"}}`, ctx("aws:PrincipalArn", aliceARN, user, "bob"), false},
		// Before 2012-10-17 variables are plain text.
		{"legacy-literal", "2008-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`, ctx(owner, "${aws:username}", user, "alice"), true},
		{"legacy-no-substitution", "2008-10-17", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`, ctx(owner, "alice", user, "alice"), false},
		{"no-version-literal", "", `{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}`, ctx(owner, "alice", user, "alice"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, allowWithCondition(tc.version, tc.cond))
			want := policy.ImplicitDeny
			if tc.want {
				want = policy.Allow
			}
			if got := policy.Evaluate(aliceReq("s3:ListBucket", "*", tc.ctx), d); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}
