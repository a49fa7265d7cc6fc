package awsx

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// PasswordPolicyAPI reads the account password policy.
type PasswordPolicyAPI interface {
	GetAccountPasswordPolicy(ctx context.Context, in *iam.GetAccountPasswordPolicyInput, optFns ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error)
}

// PasswordAPI is every IAM call of a console password change.
type PasswordAPI interface {
	PasswordPolicyAPI
	ChangePassword(ctx context.Context, in *iam.ChangePasswordInput, optFns ...func(*iam.Options)) (*iam.ChangePasswordOutput, error)
}

var _ PasswordAPI = (*iam.Client)(nil)

// IAM's limits when the account sets none: at least 8 characters and three of the four character classes;
// never more than 128 characters.
const (
	DefaultMinPasswordLength = 8
	MaxPasswordLength        = 128
)

// PasswordSymbols are the characters IAM counts as symbols.
const PasswordSymbols = "!@#$%^&*()_+-=[]{}|'"

// PasswordPolicy is the account password policy. Present is false when the account has none: IAM then
// applies its defaults (DefaultMinPasswordLength, three of the four character classes), which CheckPassword
// knows; the other fields stay zero.
type PasswordPolicy struct {
	MinLength          int
	RequireSymbols     bool
	RequireNumbers     bool
	RequireUpper       bool
	RequireLower       bool
	MaxAge             int // days; 0: passwords do not expire
	ReusePrevention    int // how many previous passwords cannot be reused; 0: no rule
	AllowUsersToChange bool
	HardExpiry         bool
	Present            bool
}

// MinimumLength is the shortest password the policy accepts.
func (p PasswordPolicy) MinimumLength() int {
	if p.MinLength > 0 {
		return p.MinLength
	}
	return DefaultMinPasswordLength
}

// GetPasswordPolicy reads the account password policy. An account without one (NoSuchEntity) is not an error.
func GetPasswordPolicy(ctx context.Context, api PasswordPolicyAPI) (PasswordPolicy, error) {
	out, err := api.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if Classify(err) == ClassNoSuchEntity {
		return PasswordPolicy{}, nil
	}
	if err != nil {
		return PasswordPolicy{}, fmt.Errorf("get account password policy: %w", err)
	}
	pp := out.PasswordPolicy
	if pp == nil {
		return PasswordPolicy{}, nil
	}
	return PasswordPolicy{
		MinLength: int(aws.ToInt32(pp.MinimumPasswordLength)), RequireSymbols: pp.RequireSymbols, RequireNumbers: pp.RequireNumbers,
		RequireUpper: pp.RequireUppercaseCharacters, RequireLower: pp.RequireLowercaseCharacters,
		MaxAge: int(aws.ToInt32(pp.MaxPasswordAge)), ReusePrevention: int(aws.ToInt32(pp.PasswordReusePrevention)),
		AllowUsersToChange: pp.AllowUsersToChangePassword, HardExpiry: aws.ToBool(pp.HardExpiry), Present: true,
	}, nil
}

// Rule is one requirement of the password policy and whether a password meets it.
type Rule struct {
	Name string
	OK   bool
}

// CheckPassword checks pw against the rules of p, in a fixed order: length, uppercase, lowercase, number,
// symbol (only those the policy requires); without a policy, length and IAM's three-of-four rule. Password
// reuse is checked only by AWS.
func CheckPassword(p PasswordPolicy, pw string) []Rule {
	n := utf8.RuneCountInString(pw)
	upper, lower, digit, symbol := classes(pw)
	rules := []Rule{{fmt.Sprintf("at least %d characters (at most %d)", p.MinimumLength(), MaxPasswordLength), n >= p.MinimumLength() && n <= MaxPasswordLength}}
	if !p.Present {
		count := 0
		for _, ok := range []bool{upper, lower, digit, symbol} {
			if ok {
				count++
			}
		}
		return append(rules, Rule{"three of: uppercase letter, lowercase letter, number, symbol", count >= 3})
	}
	for _, r := range []struct {
		required bool
		rule     Rule
	}{
		{p.RequireUpper, Rule{"an uppercase letter (A-Z)", upper}},
		{p.RequireLower, Rule{"a lowercase letter (a-z)", lower}},
		{p.RequireNumbers, Rule{"a number (0-9)", digit}},
		{p.RequireSymbols, Rule{"a symbol (" + strings.Join(strings.Split(PasswordSymbols, ""), " ") + ")", symbol}},
	} {
		if r.required {
			rules = append(rules, r.rule)
		}
	}
	return rules
}

// PasswordOK reports whether every rule holds.
func PasswordOK(rules []Rule) bool {
	for _, r := range rules {
		if !r.OK {
			return false
		}
	}
	return true
}

// classes reports which character classes pw contains, counted as IAM does (Latin letters, ASCII digits,
// PasswordSymbols).
func classes(pw string) (upper, lower, digit, symbol bool) {
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(PasswordSymbols, r):
			symbol = true
		}
	}
	return upper, lower, digit, symbol
}

// Character sets of generated passwords: no look-alikes (I l 1 O o 0) and no | or ', which are easy to misread
// or mangle when pasted into a shell.
var generatorSets = []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "!@#$%^&*()_+-=[]{}"}

// GeneratePassword returns a random password (crypto/rand) of max(p.MinLength, 20) characters with at least one
// character of every class, so it satisfies any policy (reuse aside).
func GeneratePassword(p PasswordPolicy) (string, error) {
	n := max(p.MinLength, 20)
	if n > MaxPasswordLength {
		return "", fmt.Errorf("the password policy asks for %d characters, more than IAM's maximum of %d", n, MaxPasswordLength)
	}
	all := strings.Join(generatorSets, "")
	out := make([]byte, 0, n)
	for _, set := range generatorSets {
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	for len(out) < n {
		c, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	for i := len(out) - 1; i > 0; i-- { // Fisher-Yates, so the class characters are not always first
		j, err := randInt(i + 1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func pick(set string) (byte, error) {
	i, err := randInt(len(set))
	if err != nil {
		return 0, err
	}
	return set[i], nil
}

func randInt(n int) (int, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("generate password: %w", err)
	}
	return int(v.Int64()), nil
}

// PasswordProblem says why AWS refused a password change.
type PasswordProblem int

// The reasons ChangePassword distinguishes.
const (
	PasswordPolicyViolation PasswordProblem = iota + 1
	PasswordReused
	PasswordWrongCurrent
	PasswordNotAnIAMUser
	PasswordTemporarilyLocked
	PasswordTooManyAttempts
	PasswordNoLoginProfile
)

// PasswordError is a refused password change. Error is the sentence for the user; it unwraps to the API error.
type PasswordError struct {
	Problem PasswordProblem
	Detail  string // what the policy violation was, when AWS said (lower case, no final period)
	Err     error
}

func (e *PasswordError) Error() string {
	switch e.Problem {
	case PasswordReused:
		return "the new password is one of your recent passwords, which the account's password policy does not allow; choose one you have not used before"
	case PasswordWrongCurrent:
		return "the current password is wrong; enter the password you sign in to the AWS console with"
	case PasswordNotAnIAMUser:
		return "only an IAM user can change its own console password, and these credentials belong to a role or the root user"
	case PasswordTemporarilyLocked:
		return "your user is being changed by another request right now (or was just created), so the password cannot be changed yet; wait a minute and try again"
	case PasswordTooManyAttempts:
		return "there were too many attempts to change the password; wait a while before trying again"
	case PasswordNoLoginProfile:
		return "you have no console password to change; ask your administrator to create one (a login profile)"
	}
	if e.Detail != "" {
		return "the new password does not meet the account's password policy (" + e.Detail + "); choose another"
	}
	return "the new password does not meet the account's password policy; choose a longer, more varied password you have not used before"
}
func (e *PasswordError) Unwrap() error { return e.Err }

// ChangePassword changes the caller's console password. Refusals come back as *PasswordError.
func ChangePassword(ctx context.Context, api PasswordAPI, oldPassword, newPassword string) error {
	switch {
	case oldPassword == "":
		return errors.New("the current password is empty; enter the password you sign in with")
	case newPassword == "":
		return errors.New("the new password is empty; enter a new password")
	case utf8.RuneCountInString(newPassword) > MaxPasswordLength:
		return fmt.Errorf("the new password is longer than IAM's maximum of %d characters; choose a shorter one", MaxPasswordLength)
	}
	_, err := api.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(oldPassword), NewPassword: aws.String(newPassword)})
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("change password: %w", err)
	}
	msg := strings.ToLower(apiErr.ErrorMessage())
	pe := &PasswordError{Err: err}
	switch apiErr.ErrorCode() {
	case "PasswordPolicyViolation":
		pe.Problem = PasswordPolicyViolation
		if strings.Contains(msg, "reuse") || strings.Contains(msg, "used recently") || strings.Contains(msg, "history") {
			pe.Problem = PasswordReused
		} else if _, detail, ok := strings.Cut(msg, "password policy:"); ok {
			pe.Detail = strings.TrimRight(strings.TrimSpace(detail), ".")
		}
	case "InvalidUserType":
		pe.Problem = PasswordWrongCurrent
		if strings.Contains(msg, "only iam users") || strings.Contains(msg, "role") || strings.Contains(msg, "root") {
			pe.Problem = PasswordNotAnIAMUser
		}
	case "EntityTemporarilyUnmodifiable":
		pe.Problem = PasswordTemporarilyLocked
	case "LimitExceeded":
		pe.Problem = PasswordTooManyAttempts
	case "NoSuchEntity":
		pe.Problem = PasswordNoLoginProfile
	default:
		return fmt.Errorf("change password: %w", err)
	}
	return pe
}
