package localaws

import (
	"net/http"
	"strconv"
	"unicode"
)

type xmlUser struct {
	Path             string `xml:"Path"`
	UserName         string `xml:"UserName"`
	UserId           string `xml:"UserId"`
	Arn              string `xml:"Arn"`
	CreateDate       string `xml:"CreateDate"`
	PasswordLastUsed string `xml:"PasswordLastUsed,omitempty"`
}

func (s *Server) getUser(q *request) (any, *apiError) {
	u, aerr := s.authorizeUser(q, "iam:GetUser")
	if aerr != nil {
		return nil, aerr
	}
	x := xmlUser{Path: u.path, UserName: u.name, UserId: u.id, Arn: s.st.userARN(u), CreateDate: isoTime(u.created)}
	if !u.passwordLastUsed.IsZero() {
		x.PasswordLastUsed = isoTime(u.passwordLastUsed)
	}
	return struct {
		User xmlUser `xml:"User"`
	}{x}, nil
}

func (s *Server) getAccountPasswordPolicy(q *request) (any, *apiError) {
	if aerr := s.authorize(q.caller, "iam:GetAccountPasswordPolicy", "*", nil); aerr != nil {
		return nil, aerr
	}
	p := s.st.passwordPolicy
	if p == nil {
		return nil, noSuchEntity("The Password Policy with domain name %s cannot be found.", s.st.accountID)
	}
	type xmlPolicy struct {
		MinimumPasswordLength      int  `xml:"MinimumPasswordLength"`
		RequireSymbols             bool `xml:"RequireSymbols"`
		RequireNumbers             bool `xml:"RequireNumbers"`
		RequireUppercaseCharacters bool `xml:"RequireUppercaseCharacters"`
		RequireLowercaseCharacters bool `xml:"RequireLowercaseCharacters"`
		AllowUsersToChangePassword bool `xml:"AllowUsersToChangePassword"`
		ExpirePasswords            bool `xml:"ExpirePasswords"`
		MaxPasswordAge             int  `xml:"MaxPasswordAge,omitempty"`
		PasswordReusePrevention    int  `xml:"PasswordReusePrevention,omitempty"`
		HardExpiry                 bool `xml:"HardExpiry"`
	}
	return struct {
		PasswordPolicy xmlPolicy `xml:"PasswordPolicy"`
	}{xmlPolicy{
		MinimumPasswordLength: p.MinimumPasswordLength, RequireSymbols: p.RequireSymbols, RequireNumbers: p.RequireNumbers,
		RequireUppercaseCharacters: p.RequireUppercaseCharacters, RequireLowercaseCharacters: p.RequireLowercaseCharacters,
		AllowUsersToChangePassword: p.AllowUsersToChangePassword, ExpirePasswords: p.MaxPasswordAge > 0,
		MaxPasswordAge: p.MaxPasswordAge, PasswordReusePrevention: p.PasswordReusePrevention, HardExpiry: p.HardExpiry,
	}}, nil
}

// maxFailedPasswordChanges is how many wrong old passwords IAM tolerates before LimitExceeded.
const maxFailedPasswordChanges = 5

func (s *Server) changePassword(q *request) (any, *apiError) {
	c := q.caller
	if c.role != nil {
		return nil, errf(http.StatusBadRequest, "InvalidUserType", "Only IAM users can change their own password; the caller is an assumed role.")
	}
	if aerr := s.authorize(c, "iam:ChangePassword", s.st.userARN(c.user), nil); aerr != nil {
		return nil, aerr
	}
	oldPw, newPw := q.get("OldPassword"), q.get("NewPassword")
	if oldPw == "" || newPw == "" {
		return nil, validationError("1 validation error detected: OldPassword and NewPassword are required")
	}
	if len(newPw) > 128 {
		return nil, validationError("1 validation error detected: Value at 'newPassword' failed to satisfy constraint: Member must have length less than or equal to 128")
	}
	u := c.user
	if u.passwordHash == "" {
		return nil, noSuchEntity("Login Profile for User %s cannot be found.", u.name)
	}
	if u.failedPasswords >= maxFailedPasswordChanges {
		return nil, limitExceeded("Too many failed password change attempts; try again later.")
	}
	if hashSecret(oldPw) != u.passwordHash {
		u.failedPasswords++
		return nil, errf(http.StatusBadRequest, "InvalidUserType", "The old password provided is incorrect.")
	}
	if msg := s.st.passwordPolicy.violation(newPw, u); msg != "" {
		return nil, errf(http.StatusBadRequest, "PasswordPolicyViolation", "%s", msg)
	}
	u.failedPasswords = 0
	u.passwordHistory = append(u.passwordHistory, u.passwordHash)
	u.passwordHash = hashSecret(newPw)
	u.passwordChanged = s.clock.Now()
	return nil, nil
}

// violation returns IAM's message for the first rule newPw breaks, or "". A nil policy only
// requires IAM's defaults (8 characters minimum).
func (p *passwordPolicy) violation(newPw string, u *user) string {
	minLen := 8
	if p != nil && p.MinimumPasswordLength > 0 {
		minLen = p.MinimumPasswordLength
	}
	if len([]rune(newPw)) < minLen {
		return "Password does not conform to the account password policy: the password must be at least " + strconv.Itoa(minLen) + " characters long."
	}
	if p == nil {
		return ""
	}
	var upper, lower, digit, symbol bool
	for _, r := range newPw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case isPolicySymbol(r):
			symbol = true
		}
	}
	switch {
	case p.RequireUppercaseCharacters && !upper:
		return "Password does not conform to the account password policy: it must contain at least one uppercase letter."
	case p.RequireLowercaseCharacters && !lower:
		return "Password does not conform to the account password policy: it must contain at least one lowercase letter."
	case p.RequireNumbers && !digit:
		return "Password does not conform to the account password policy: it must contain at least one number."
	case p.RequireSymbols && !symbol:
		return "Password does not conform to the account password policy: it must contain at least one symbol."
	}
	if n := p.PasswordReusePrevention; n > 0 {
		h := hashSecret(newPw)
		recent := append(append([]string(nil), u.passwordHistory...), u.passwordHash)
		if len(recent) > n {
			recent = recent[len(recent)-n:]
		}
		for _, old := range recent {
			if old == h {
				return "Password does not conform to the account password policy: it was used recently (the last " + strconv.Itoa(n) + " passwords cannot be reused)."
			}
		}
	}
	return ""
}

// isPolicySymbol reports whether r is one of the non-alphanumeric characters IAM counts as a symbol.
func isPolicySymbol(r rune) bool {
	const symbols = "!@#$%^&*()_+-=[]{}|'"
	for _, c := range symbols {
		if r == c {
			return true
		}
	}
	return false
}
