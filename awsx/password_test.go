package awsx_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
)

// pwxSession is the scenario user's MFA session, which the forced-MFA policy needs for password calls.
func pwxSession(t *testing.T) (*localaws.Server, *localaws.Seeded, awsx.Config) {
	t.Helper()
	srv, seeded, cfg := endpoint(t, localaws.ScenarioOnboarded)
	code := mfxFrozen(srv)
	return srv, seeded, mfxSession(t, cfg, seeded.MFASerial, code(seeded.MFASecret, 0))
}

func TestGetPasswordPolicy(t *testing.T) {
	ctx := context.Background()
	srv, _, sess := pwxSession(t)
	p, err := awsx.GetPasswordPolicy(ctx, sess.IAM())
	want := awsx.PasswordPolicy{MinLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUpper: true, RequireLower: true,
		MaxAge: 90, ReusePrevention: 5, AllowUsersToChange: true, Present: true}
	if err != nil || p != want {
		t.Fatalf("policy = %+v, %v; want %+v", p, err, want)
	}
	srv.SetPasswordPolicy(nil)
	p, err = awsx.GetPasswordPolicy(ctx, sess.IAM())
	if err != nil || p != (awsx.PasswordPolicy{}) || p.MinimumLength() != 8 {
		t.Fatalf("no policy: %+v, %v", p, err)
	}
	// Before MFA the forced-MFA policy denies the read: that is an error, not "no policy".
	_, _, cfg := endpoint(t, localaws.ScenarioNewUser)
	if _, err := awsx.GetPasswordPolicy(ctx, cfg.IAM()); awsx.Classify(err) != awsx.ClassAccessDenied {
		t.Fatalf("policy before MFA: %v", err)
	}
}

func pwxRules(rules []awsx.Rule) string {
	var b strings.Builder
	for _, r := range rules {
		if r.OK {
			b.WriteString("+")
		} else {
			b.WriteString("-")
		}
	}
	return b.String()
}

func TestCheckPassword(t *testing.T) {
	full := awsx.PasswordPolicy{MinLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUpper: true, RequireLower: true, Present: true}
	tests := []struct {
		name   string
		policy awsx.PasswordPolicy
		pw     string
		want   string // one +/- per rule, in order
	}{
		{"all good", full, "Correct-Horse-9-battery", "+++++"},
		{"too short", full, "Ab1!", "-++++"},
		{"no upper", full, "correct-horse-9-battery", "+-+++"},
		{"no lower", full, "CORRECT-HORSE-9-BATTERY", "++-++"},
		{"no number", full, "Correct-Horse-battery", "+++-+"},
		{"no symbol", full, "CorrectHorse9battery", "++++-"},
		{"symbol outside IAM's set", full, "Correct~Horse9battery", "++++-"},
		{"non-Latin letters do not count", full, "ÄÖÜäöü1234567!", "+--++"},
		{"counts runes, not bytes", full, "Ab1!äääääääää", "-++++"},
		{"over 128", full, "Aa1!" + strings.Repeat("x", 125), "-++++"},
		{"length only", awsx.PasswordPolicy{MinLength: 10, Present: true}, "abcdefghij", "+"},
		{"only the required classes", awsx.PasswordPolicy{MinLength: 6, RequireNumbers: true, Present: true}, "abcdef", "+-"},
		{"no policy: 8 and three of four", awsx.PasswordPolicy{}, "abcdEF12", "++"},
		{"no policy: two classes", awsx.PasswordPolicy{}, "abcdefgh12", "+-"},
		{"no policy: short", awsx.PasswordPolicy{}, "aB1!", "-+"},
	}
	for _, tt := range tests {
		rules := awsx.CheckPassword(tt.policy, tt.pw)
		if got := pwxRules(rules); got != tt.want {
			t.Errorf("%s: %s, want %s (%+v)", tt.name, got, tt.want, rules)
		}
		if awsx.PasswordOK(rules) != !strings.Contains(tt.want, "-") {
			t.Errorf("%s: PasswordOK disagrees with the rules", tt.name)
		}
	}
	names := awsx.CheckPassword(full, "")
	want := []string{"at least 14 characters (at most 128)", "an uppercase letter (A-Z)", "a lowercase letter (a-z)", "a number (0-9)",
		"a symbol (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')"}
	for i, r := range names {
		if r.Name != want[i] {
			t.Errorf("rule %d named %q, want %q", i, r.Name, want[i])
		}
	}
}

func TestGeneratePasswordSatisfiesRandomPolicies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		p := awsx.PasswordPolicy{MinLength: r.IntN(129), RequireSymbols: r.IntN(2) == 0, RequireNumbers: r.IntN(2) == 0,
			RequireUpper: r.IntN(2) == 0, RequireLower: r.IntN(2) == 0, Present: r.IntN(5) != 0}
		pw, err := awsx.GeneratePassword(p)
		if err != nil {
			t.Fatalf("policy %+v: %v", p, err)
		}
		if len(pw) != max(p.MinLength, 20) || !awsx.PasswordOK(awsx.CheckPassword(p, pw)) || strings.ContainsAny(pw, "Il1O0o|'") {
			t.Fatalf("policy %+v: generated %q (%+v)", p, pw, awsx.CheckPassword(p, pw))
		}
		if seen[pw] {
			t.Fatalf("generated %q twice", pw)
		}
		seen[pw] = true
	}
	if _, err := awsx.GeneratePassword(awsx.PasswordPolicy{MinLength: 129, Present: true}); err == nil {
		t.Fatal("a 129-character policy was accepted")
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	srv, seeded, sess := pwxSession(t)
	api := sess.IAM()
	problem := func(err error) awsx.PasswordProblem {
		var pe *awsx.PasswordError
		if !errors.As(err, &pe) {
			t.Fatalf("want a *PasswordError, got %v", err)
		}
		if msg := pe.Error(); strings.Contains(msg, "\n") || strings.HasSuffix(msg, ".") {
			t.Errorf("message is not one sentence fragment: %q", msg)
		}
		return pe.Problem
	}
	first, second := "Kagi-first-pass-1!", "Kagi-second-pass-2!"
	if err := awsx.ChangePassword(ctx, api, seeded.Password, first); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if p := problem(awsx.ChangePassword(ctx, api, "not-the-password", second)); p != awsx.PasswordWrongCurrent {
		t.Fatalf("wrong current password: %v", p)
	}
	err := awsx.ChangePassword(ctx, api, first, "Short-1!")
	if problem(err) != awsx.PasswordPolicyViolation || !strings.Contains(err.Error(), "at least 14 characters") || awsx.Classify(err) != awsx.ClassPasswordPolicy {
		t.Fatalf("too short: %v", err)
	}
	if err := awsx.ChangePassword(ctx, api, first, second); err != nil {
		t.Fatalf("second change: %v", err)
	}
	if err := awsx.ChangePassword(ctx, api, second, first); problem(err) != awsx.PasswordReused || !strings.Contains(err.Error(), "recent passwords") {
		t.Fatalf("reuse: %v", err)
	}

	srv.InjectFault("ChangePassword", localaws.Fault{Code: "EntityTemporarilyUnmodifiable", Status: 409, Times: 1})
	if p := problem(awsx.ChangePassword(ctx, api, second, "Kagi-third-pass-3!")); p != awsx.PasswordTemporarilyLocked {
		t.Fatalf("temporarily unmodifiable: %v", p)
	}
	for i := 0; i < 5; i++ {
		_ = awsx.ChangePassword(ctx, api, "wrong", "Kagi-third-pass-3!")
	}
	if p := problem(awsx.ChangePassword(ctx, api, second, "Kagi-third-pass-3!")); p != awsx.PasswordTooManyAttempts {
		t.Fatalf("after five wrong passwords: %v", p)
	}

	// A role session cannot change a password.
	out, err := sess.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(seeded.Roles["iam-role-admin"]), RoleSessionName: aws.String("pw")})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	role := sess.WithCredentials(credentials.NewStaticCredentialsProvider(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken), "role")
	if p := problem(awsx.ChangePassword(ctx, role.IAM(), second, "Kagi-third-pass-3!")); p != awsx.PasswordNotAnIAMUser {
		t.Fatalf("as a role: %v", p)
	}

	// A user without a console password has nothing to change.
	if err := srv.CreateUser("svc", "", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)); err != nil {
		t.Fatal(err)
	}
	id, secret, _ := srv.CreateAccessKeyFor("svc")
	svc := sess.WithCredentials(credentials.NewStaticCredentialsProvider(id, secret, ""), "svc")
	if p := problem(awsx.ChangePassword(ctx, svc.IAM(), "x", "Kagi-third-pass-3!")); p != awsx.PasswordNoLoginProfile {
		t.Fatalf("no login profile: %v", p)
	}

	calls := srv.Calls().Calls["ChangePassword"]
	for _, in := range [][2]string{{"", "x"}, {"x", ""}, {"x", strings.Repeat("a", 129)}} {
		if err := awsx.ChangePassword(ctx, api, in[0], in[1]); err == nil {
			t.Errorf("ChangePassword(%q, %d chars) accepted", in[0], len(in[1]))
		}
	}
	if srv.Calls().Calls["ChangePassword"] != calls {
		t.Fatal("invalid input reached AWS")
	}
}
