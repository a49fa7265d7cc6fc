package localaws_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/kagi-cli/kagi/awsx/localaws"
)

// selfPasswordPolicy lets a user change its own password and read the account password policy.
const selfPasswordPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["iam:ChangePassword","iam:GetUser"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
	{"Effect":"Allow","Action":"iam:GetAccountPasswordPolicy","Resource":"*"}]}`

func TestGetUser(t *testing.T) {
	srv, url := newTestEndpoint(t)
	created := srv.Clock().Now().Truncate(time.Second)
	carol, _, _ := iamUserWithKey(t, srv, url, "carol", "", selfPasswordPolicy)
	if err := srv.CreateUser("bob", "", nil); err != nil {
		t.Fatal(err)
	}

	t.Run("self", func(t *testing.T) {
		out, err := carol.GetUser(wireCtx, &iam.GetUserInput{})
		mustOK(t, err, "GetUser")
		u := out.User
		if aws.ToString(u.UserName) != "carol" || aws.ToString(u.Path) != "/" ||
			aws.ToString(u.Arn) != "arn:aws:iam::"+testAccount+":user/carol" {
			t.Errorf("user = %+v", u)
		}
		if id := aws.ToString(u.UserId); !strings.HasPrefix(id, "AIDA") || len(id) != 20 {
			t.Errorf("UserId = %q, want AIDA + 16 characters", id)
		}
		if u.CreateDate == nil || !u.CreateDate.Equal(created) {
			t.Errorf("CreateDate = %v, want %v", u.CreateDate, created)
		}
		if u.PasswordLastUsed != nil {
			t.Errorf("PasswordLastUsed = %v for a user who never signed in", u.PasswordLastUsed)
		}
	})
	t.Run("self by name", func(t *testing.T) {
		out, err := carol.GetUser(wireCtx, &iam.GetUserInput{UserName: aws.String("carol")})
		mustOK(t, err, "GetUser")
		if aws.ToString(out.User.UserName) != "carol" {
			t.Errorf("UserName = %q", aws.ToString(out.User.UserName))
		}
	})
	t.Run("another user without permission", func(t *testing.T) {
		_, err := carol.GetUser(wireCtx, &iam.GetUserInput{UserName: aws.String("bob")})
		wantCode(t, err, "AccessDenied")
		// Authorization comes first: an unknown name is just as denied, so names cannot be probed.
		_, err = carol.GetUser(wireCtx, &iam.GetUserInput{UserName: aws.String("nobody")})
		wantCode(t, err, "AccessDenied")
	})

	role := iamClientFor(t, url, iamAdminRoleSession(t, srv, url))
	t.Run("named, as an admin role", func(t *testing.T) {
		out, err := role.GetUser(wireCtx, &iam.GetUserInput{UserName: aws.String("bob")})
		mustOK(t, err, "GetUser bob")
		if aws.ToString(out.User.Arn) != "arn:aws:iam::"+testAccount+":user/bob" {
			t.Errorf("Arn = %q", aws.ToString(out.User.Arn))
		}
	})
	t.Run("unknown name, as an admin role", func(t *testing.T) {
		_, err := role.GetUser(wireCtx, &iam.GetUserInput{UserName: aws.String("nobody")})
		wantCode(t, err, "NoSuchEntity")
		wantTyped[*types.NoSuchEntityException](t, err)
	})
	t.Run("no name, as a role", func(t *testing.T) {
		_, err := role.GetUser(wireCtx, &iam.GetUserInput{})
		wantCode(t, err, "ValidationError")
	})
	t.Run("invalid name", func(t *testing.T) {
		_, err := role.GetUser(wireCtx, &iam.GetUserInput{UserName: aws.String("has space")})
		wantCode(t, err, "ValidationError")
	})
}

func TestGetAccountPasswordPolicy(t *testing.T) {
	srv, url := newTestEndpoint(t)
	c, _, _ := iamUserWithKey(t, srv, url, "carol", "", selfPasswordPolicy)

	_, err := c.GetAccountPasswordPolicy(wireCtx, &iam.GetAccountPasswordPolicyInput{})
	wantCode(t, err, "NoSuchEntity")
	wantTyped[*types.NoSuchEntityException](t, err)

	for _, p := range []localaws.PasswordPolicy{
		{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true,
			RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, MaxPasswordAge: 90, PasswordReusePrevention: 5, HardExpiry: true},
		{MinimumPasswordLength: 8},
	} {
		srv.SetPasswordPolicy(&p)
		out, err := c.GetAccountPasswordPolicy(wireCtx, &iam.GetAccountPasswordPolicyInput{})
		mustOK(t, err, "GetAccountPasswordPolicy")
		got := out.PasswordPolicy
		if aws.ToInt32(got.MinimumPasswordLength) != int32(p.MinimumPasswordLength) ||
			got.RequireSymbols != p.RequireSymbols || got.RequireNumbers != p.RequireNumbers ||
			got.RequireUppercaseCharacters != p.RequireUppercaseCharacters ||
			got.RequireLowercaseCharacters != p.RequireLowercaseCharacters ||
			got.AllowUsersToChangePassword != p.AllowUsersToChangePassword ||
			got.ExpirePasswords != (p.MaxPasswordAge > 0) ||
			aws.ToInt32(got.MaxPasswordAge) != int32(p.MaxPasswordAge) ||
			aws.ToInt32(got.PasswordReusePrevention) != int32(p.PasswordReusePrevention) ||
			aws.ToBool(got.HardExpiry) != p.HardExpiry {
			t.Errorf("policy %+v came back as %+v", p, got)
		}
		if p.MaxPasswordAge == 0 && got.MaxPasswordAge != nil {
			t.Errorf("MaxPasswordAge = %d, want absent when passwords do not expire", *got.MaxPasswordAge)
		}
	}

	srv.SetPasswordPolicy(nil)
	_, err = c.GetAccountPasswordPolicy(wireCtx, &iam.GetAccountPasswordPolicyInput{})
	wantCode(t, err, "NoSuchEntity")
}

func TestChangePassword(t *testing.T) {
	const initial = "Initial-Passw0rd!"
	strict := localaws.PasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, PasswordReusePrevention: 3}
	setup := func(t *testing.T) (*localaws.Server, *iam.Client) {
		srv, url := newTestEndpoint(t)
		srv.SetPasswordPolicy(&strict)
		c, _, _ := iamUserWithKey(t, srv, url, "carol", initial, selfPasswordPolicy)
		return srv, c
	}
	change := func(c *iam.Client, old, new string) error {
		_, err := c.ChangePassword(wireCtx, &iam.ChangePasswordInput{OldPassword: aws.String(old), NewPassword: aws.String(new)})
		return err
	}

	t.Run("success, then the old password is gone", func(t *testing.T) {
		_, c := setup(t)
		mustOK(t, change(c, initial, "Second-Passw0rd!"), "ChangePassword")
		err := change(c, initial, "Third-Passw0rd!!")
		wantCode(t, err, "InvalidUserType")
		wantTyped[*types.InvalidUserTypeException](t, err)
		mustOK(t, change(c, "Second-Passw0rd!", "Third-Passw0rd!!"), "ChangePassword with the new password")
	})
	t.Run("wrong old password", func(t *testing.T) {
		_, c := setup(t)
		err := change(c, "Not-the-Passw0rd!", "Second-Passw0rd!")
		wantCode(t, err, "InvalidUserType")
		wantTyped[*types.InvalidUserTypeException](t, err)
	})
	t.Run("policy rules", func(t *testing.T) {
		_, c := setup(t)
		for _, tc := range []struct{ rule, pw string }{
			{"too short", "Sh0rt-Pass!"},
			{"no uppercase", "lower-passw0rd!!"},
			{"no lowercase", "UPPER-PASSW0RD!!"},
			{"no number", "Number-Password!"},
			{"no symbol", "Symbol0Password0"},
			{"current password", initial},
		} {
			err := change(c, initial, tc.pw)
			if errCode(err) != "PasswordPolicyViolation" {
				t.Errorf("%s (%q): got %v, want PasswordPolicyViolation", tc.rule, tc.pw, err)
				continue
			}
			wantTyped[*types.PasswordPolicyViolationException](t, err)
		}
	})
	t.Run("reuse prevention", func(t *testing.T) {
		_, c := setup(t)
		pws := []string{initial, "Second-Passw0rd!", "Third-Passw0rd!!", "Fourth-Passw0rd!"}
		for i := 1; i < len(pws); i++ {
			mustOK(t, change(c, pws[i-1], pws[i]), "ChangePassword "+pws[i])
		}
		// The last 3 (Second, Third, Fourth) cannot be reused; the initial one is old enough.
		for _, old := range pws[1:] {
			wantCode(t, change(c, pws[3], old), "PasswordPolicyViolation")
		}
		mustOK(t, change(c, pws[3], initial), "reusing a password older than the prevention window")
	})
	t.Run("too many wrong old passwords", func(t *testing.T) {
		_, c := setup(t)
		for i := 0; i < 5; i++ {
			wantCode(t, change(c, "Wrong-Passw0rd!!", "Second-Passw0rd!"), "InvalidUserType")
		}
		err := change(c, initial, "Second-Passw0rd!")
		wantCode(t, err, "LimitExceeded")
		wantTyped[*types.LimitExceededException](t, err)
	})
	t.Run("no login profile", func(t *testing.T) {
		srv, url := newTestEndpoint(t)
		c, _, _ := iamUserWithKey(t, srv, url, "keyonly", "", selfPasswordPolicy)
		err := change(c, initial, "Second-Passw0rd!")
		wantCode(t, err, "NoSuchEntity")
	})
	t.Run("not allowed by policy", func(t *testing.T) {
		srv, url := newTestEndpoint(t)
		c, _, _ := iamUserWithKey(t, srv, url, "nopolicy", initial)
		wantCode(t, change(c, initial, "Second-Passw0rd!"), "AccessDenied")
	})
	t.Run("assumed-role caller", func(t *testing.T) {
		srv, url := newTestEndpoint(t)
		role := iamClientFor(t, url, iamAdminRoleSession(t, srv, url))
		err := change(role, initial, "Second-Passw0rd!")
		wantCode(t, err, "InvalidUserType")
		wantTyped[*types.InvalidUserTypeException](t, err)
	})
}
