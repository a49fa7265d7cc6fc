package session_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// A refused password change is explained by its own sentence (the unmet rule when AWS names it), not by
// the class of the API error under it.
func TestExplainPasswordError(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "refused"} }
	for _, tc := range []struct {
		err  *awsx.PasswordError
		want string
	}{
		{&awsx.PasswordError{Problem: awsx.PasswordPolicyViolation, Detail: "it must contain at least one symbol", Err: apiErr("PasswordPolicyViolation")},
			"The new password does not meet the account's password policy (it must contain at least one symbol); choose another."},
		{&awsx.PasswordError{Problem: awsx.PasswordPolicyViolation, Err: apiErr("PasswordPolicyViolation")},
			"The new password does not meet the account's password policy; choose a longer, more varied password you have not used before."},
		{&awsx.PasswordError{Problem: awsx.PasswordReused, Err: apiErr("PasswordPolicyViolation")}, "The new password is one of your recent passwords"},
		{&awsx.PasswordError{Problem: awsx.PasswordWrongCurrent, Err: apiErr("InvalidUserType")}, "The current password is wrong; enter the password you sign in to the AWS console with."},
		{&awsx.PasswordError{Problem: awsx.PasswordNotAnIAMUser, Err: apiErr("InvalidUserType")}, "Only an IAM user can change its own console password"},
		{&awsx.PasswordError{Problem: awsx.PasswordTemporarilyLocked, Err: apiErr("EntityTemporarilyUnmodifiable")}, "Your user is being changed by another request right now"},
		{&awsx.PasswordError{Problem: awsx.PasswordTooManyAttempts, Err: apiErr("LimitExceeded")}, "There were too many attempts to change the password"},
		{&awsx.PasswordError{Problem: awsx.PasswordNoLoginProfile, Err: apiErr("NoSuchEntity")}, "You have no console password to change"},
	} {
		got := session.Explain(fmt.Errorf("change password: %w", tc.err))
		if !strings.HasPrefix(got, tc.want) || strings.Contains(got, "\n") || !strings.HasSuffix(got, ".") {
			t.Errorf("Problem %d: Explain = %q, want %q", tc.err.Problem, got, tc.want)
		}
	}
}

// Over the wire: localaws names the unmet rule, and the sentence carries it.
func TestExplainPasswordPolicyViolationWire(t *testing.T) {
	f := newEngineFixture(t)
	ss, err := f.engine.SelfService(context.Background(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg := awsx.Config{Region: "us-east-1", IAMEndpoint: f.srv.URL(), STSEndpoint: f.srv.URL(), RetryMaxAttempts: 1}
	err = awsx.ChangePassword(context.Background(), cfg.WithCredentials(ss.Creds, "test").IAM(), f.seeded.Password, "no-uppercase-or-symbol-1")
	var pe *awsx.PasswordError
	if !errors.As(err, &pe) {
		t.Fatalf("ChangePassword: %v, want a PasswordError", err)
	}
	if got := session.Explain(err); !strings.Contains(got, "(it must contain at least one uppercase letter)") {
		t.Errorf("Explain = %q, want the unmet rule", got)
	}
}
