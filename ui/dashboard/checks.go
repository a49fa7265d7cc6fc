package dashboard

import (
	"fmt"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// checklist is what the dashboard can tell without calls that need MFA: the MFA device (from the identity),
// the MFA session, where the key lives and the role profiles (from localInfo), and session/doctor.go's
// plaintext-keys check. awsx.Doctor is deliberately not run here: it calls GetAccountPasswordPolicy,
// GetLoginProfile, ListAccessKeys and GetAccessKeyLastUsed, which a forced-MFA policy denies before MFA
// (and the fixture policy denies GetLoginProfile and GetAccessKeyLastUsed even with MFA), and the
// dashboard must not fire denied calls. A "Health check" screen running it on request would fit.
func checklist(id *awsx.Identity, local *localInfo) []awsx.Check {
	var out []awsx.Check
	if id != nil && id.UserName != "" {
		out = append(out, mfaCheck(id, local))
	}
	if local == nil {
		return out
	}
	if local.Serial != "" {
		c := awsx.Check{ID: "mfa-session", Title: "MFA session", Status: awsx.CheckOK}
		if local.SessionLeft > 0 {
			c.Detail = left(local.SessionLeft) + " left"
		} else {
			c.Status, c.Detail = awsx.CheckUnknown, "none yet"
			c.Fix = "Assume a role (Roles and sessions): one MFA code opens a session for hours."
		}
		out = append(out, c)
	}
	key := awsx.Check{ID: "access-key", Title: "Access key", Status: awsx.CheckOK, Detail: "in the keyring"}
	switch local.Key {
	case session.KeyNone:
		key.Status, key.Detail = awsx.CheckFail, "none"
		key.Fix = fmt.Sprintf("Add the access key of profile %s with 'kagi add %s'.", local.Source, local.Source)
	case session.KeyInCredentials, session.KeyInConfig:
		key.Status, key.Detail = awsx.CheckWarn, "in plaintext"
		key.Fix = fmt.Sprintf("Move it into the keyring with 'kagi import %s'.", local.Source)
	}
	out = append(out, key)
	if local.Plaintext != nil && local.Plaintext.Status != awsx.CheckOK && local.Key == session.KeyInKeyring {
		out = append(out, *local.Plaintext) // other profiles' keys in plaintext
	}
	roles := awsx.Check{ID: "roles", Title: "Role profiles", Status: awsx.CheckOK, Detail: fmt.Sprintf("%d", len(local.Roles))}
	if len(local.Roles) == 0 {
		roles.Status, roles.Detail = awsx.CheckWarn, "none"
		roles.Fix = fmt.Sprintf("Add a profile with role_arn and source_profile = %s to your AWS config.", local.Source)
	}
	return append(out, roles)
}

func mfaCheck(id *awsx.Identity, local *localInfo) awsx.Check {
	c := awsx.Check{ID: "mfa", Title: "MFA device", Status: awsx.CheckOK, Detail: "enabled"}
	switch {
	case len(id.MFADevices) == 0:
		c.Status, c.Detail = awsx.CheckFail, "none"
		c.Fix = "Set up an MFA device: the account denies almost everything until you have one."
	case local != nil && local.Serial == "":
		c.Status, c.Detail = awsx.CheckWarn, "not known to kagi"
		c.Fix = fmt.Sprintf("Add mfa_serial = %s to [profile %s] in your AWS config.", id.MFADevices[0].SerialNumber, local.Source)
	}
	return c
}

// nextFix is the first thing to do: the fix of the first failing check, else of the first warning.
func nextFix(checks []awsx.Check) string {
	for _, want := range []awsx.CheckStatus{awsx.CheckFail, awsx.CheckWarn} {
		for _, c := range checks {
			if c.Status == want && c.Fix != "" {
				return c.Fix
			}
		}
	}
	return ""
}
