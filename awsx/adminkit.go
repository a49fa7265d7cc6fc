package awsx

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The administrator's kit: the IAM policies a team needs for kagi (`kagi policy self-service|role-trust|
// assume-group`). Every document is built from the lists below, so what kagi calls and what the policy
// allows cannot drift apart; the tests evaluate each document with awsx/localaws/policy.

// Policy kinds `kagi policy` generates.
const (
	PolicySelfService = "self-service" // the forced-MFA self-management policy for IAM users
	PolicyRoleTrust   = "role-trust"   // a role trust policy that requires MFA
	PolicyAssumeGroup = "assume-group" // a group policy allowing sts:AssumeRole into named roles with MFA
)

// DefaultAssumeRoles are the roles an assume-group policy names when none is given.
var DefaultAssumeRoles = []string{"iam-role-admin", "iam-role-operator"}

// What a self-service action acts on, which decides the Resource of its statement.
const (
	onAccount = "account" // "*": the action has no resource (account-wide reads)
	onUser    = "user"    // arn:aws:iam::ACCOUNT:user/${aws:username}
	onMFA     = "mfa"     // the user's own virtual MFA devices (see mfaResources)
	onNothing = ""        // needs no Allow at all (sts:GetSessionToken); only spared by the deny
)

// SelfServiceAction is one action kagi's self-service features call.
type SelfServiceAction struct {
	Action    string // "iam:ListAccessKeys"
	BeforeMFA bool   // allowed before MFA: in the NotAction of the deny-without-MFA statement
	On        string // what it acts on (onAccount, onUser, onMFA, onNothing)
}

// SelfServiceActions is exactly the set of IAM and STS actions kagi's self-service features call (the
// policy checker runs those features and tests compare). iam:DeleteVirtualMFADevice is deliberately not
// allowed before MFA, as in the published forced-MFA policy (fixtures/policies/force-mfa-self-manage.json):
// a device created by an aborted onboarding cannot be deleted then, so kagi leaves it unassigned (harmless)
// and the next onboarding creates its device under the next free name, NAME-2 (awsx.BeginEnrollment).
// sts:GetCallerIdentity (whoami) is not listed: IAM answers it whatever the policies say.
var SelfServiceActions = []SelfServiceAction{
	// Before MFA: what a new user needs to enroll a device and open the first MFA session.
	{"iam:GetUser", true, onUser},                  // whoami, onboarding: the caller's user name and creation date
	{"iam:ListMFADevices", true, onUser},           // whoami, onboarding: is a device already enabled
	{"iam:ListVirtualMFADevices", true, onAccount}, // onboarding: find a device left by an aborted attempt
	{"iam:CreateVirtualMFADevice", true, onMFA},    // onboarding (kagi mfa register, TUI): create the device
	{"iam:EnableMFADevice", true, onUser},          // onboarding: assign the device with two consecutive codes
	{"iam:ResyncMFADevice", true, onUser},          // kagi mfa resync: drifted codes cannot open an MFA session
	{"sts:GetSessionToken", true, onNothing},       // every MFA session (role profiles, self-service with MFA)
	// With MFA.
	{"iam:GetAccountPasswordPolicy", false, onAccount},     // kagi password: show the rules before asking
	{"iam:ChangePassword", false, onUser},                  // kagi password: change the console password
	{"iam:ListAccessKeys", false, onUser},                  // kagi keys list, rotation
	{"iam:GetAccessKeyLastUsed", false, onUser},            // kagi keys list: "last used" per key
	{"iam:CreateAccessKey", false, onUser},                 // kagi keys rotate: the new key
	{"iam:UpdateAccessKey", false, onUser},                 // kagi keys rotate/deactivate: retire the old key
	{"iam:DeleteAccessKey", false, onUser},                 // kagi keys rotate/delete
	{"iam:ListServiceSpecificCredentials", false, onUser},  // kagi git-credentials list
	{"iam:CreateServiceSpecificCredential", false, onUser}, // kagi git-credentials create
	{"iam:ResetServiceSpecificCredential", false, onUser},  // kagi git-credentials reset (new password)
	{"iam:UpdateServiceSpecificCredential", false, onUser}, // kagi git-credentials deactivate/activate
	{"iam:DeleteServiceSpecificCredential", false, onUser}, // kagi git-credentials delete
	{"iam:DeactivateMFADevice", false, onUser},             // kagi mfa remove (IAM authorizes it on the user)
	{"iam:DeleteVirtualMFADevice", false, onMFA},           // kagi mfa remove; cleaning up an aborted onboarding
}

// Phases of a check: which credentials sign the call.
const (
	PhaseBeforeMFA = "before MFA" // the long-term access key
	PhaseWithMFA   = "with MFA"   // an MFA session from GetSessionToken
)

// Statuses of a checked step.
const (
	StepAllowed    = "allowed"
	StepDenied     = "denied"
	StepNotChecked = "not checked" // kagi stops before the call, or nothing to call it on
)

// PolicyFile is one policy document to check, by the name the user knows it.
type PolicyFile struct {
	Name string
	Data []byte
}

// PolicyCheckOptions shape the account the check builds. Zero values mean the defaults.
type PolicyCheckOptions struct {
	UserName string   // the IAM user holding the policies; default "kagi-check"
	Account  string   // the account ID; default the one the documents' ARNs name, else 000000000000
	Roles    []string // role names to assume; default the roles the documents allow sts:AssumeRole into
	SourceIP string   // the address requests come from (aws:SourceIp); default the loopback peer 127.0.0.1
}

// PolicyCheckStep is one AWS action one kagi feature calls, and what the policies answered.
type PolicyCheckStep struct {
	Phase    string `json:"phase"`
	Feature  string `json:"feature"`
	Action   string `json:"action"`
	Target   string `json:"target,omitempty"` // the role, for sts:AssumeRole
	Status   string `json:"status"`
	Required bool   `json:"required"` // false: kagi works around a denial (see Note)
	Note     string `json:"note,omitempty"`
}

// PolicyCheckReport is the outcome of CheckPolicy.
type PolicyCheckReport struct {
	Account  string            `json:"account"`
	User     string            `json:"user"`
	SourceIP string            `json:"source_ip"`
	Roles    []string          `json:"roles"`
	Steps    []PolicyCheckStep `json:"steps"`
	Denied   []PolicyCheckStep `json:"denied"` // required steps that were denied: kagi cannot do them
	Notes    []string          `json:"notes,omitempty"`
}

// PolicyOptionError: an option of BuildPolicy or CheckPolicy is not usable. Its message is one sentence.
type PolicyOptionError struct{ Msg string }

func (e *PolicyOptionError) Error() string { return e.Msg }

func badOption(format string, args ...any) error {
	return &PolicyOptionError{fmt.Sprintf(format, args...)}
}

// PolicyOptions shape a generated policy. Zero values mean the defaults.
type PolicyOptions struct {
	Account   string        // 12-digit account ID; "" means "*" (required for role-trust)
	SourceIPs []string      // CIDRs (or single addresses) for an aws:SourceIp condition; role-trust and assume-group
	Roles     []string      // role names or ARNs for assume-group; default DefaultAssumeRoles
	MaxMFAAge time.Duration // role-trust and assume-group: NumericLessThan aws:MultiFactorAuthAge; 0 = no limit
}

// PolicyDocument is an IAM policy document, marshalled in the element order IAM's console shows.
type PolicyDocument struct {
	Version   string            `json:"Version"`
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is one statement of a PolicyDocument.
type PolicyStatement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    []string                  `json:"Action,omitempty"`
	NotAction []string                  `json:"NotAction,omitempty"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// JSON renders the document indented by two spaces, with a final newline.
func (d *PolicyDocument) JSON() []byte {
	b, _ := json.MarshalIndent(d, "", "  ") // only strings, slices and maps: cannot fail
	return append(b, '\n')
}

// BuildPolicy builds the policy of kind. Its errors are about the options, one sentence each.
func BuildPolicy(kind string, o PolicyOptions) (*PolicyDocument, error) {
	switch kind {
	case PolicySelfService:
		if len(o.SourceIPs) > 0 || len(o.Roles) > 0 || o.MaxMFAAge != 0 {
			return nil, badOption("the %s policy takes only --account; --source-ip, --role and --max-mfa-age belong to role-trust and assume-group", kind)
		}
		return SelfServicePolicy(o.Account)
	case PolicyRoleTrust:
		if len(o.Roles) > 0 {
			return nil, badOption("the %s policy takes no --role: attach it to each role as its trust policy", kind)
		}
		return RoleTrustPolicy(o)
	case PolicyAssumeGroup:
		return AssumeGroupPolicy(o)
	}
	return nil, badOption("unknown policy %q; choose self-service, role-trust or assume-group", kind)
}

// SelfServicePolicy is the forced-MFA self-management policy with exactly SelfServiceActions: each user may
// manage only their own user and MFA devices, and everything but the MFA set-up calls is denied until the
// request carries MFA.
func SelfServicePolicy(account string) (*PolicyDocument, error) {
	acct, err := accountOrAny(account)
	if err != nil {
		return nil, err
	}
	byOn := map[string][]string{}
	var beforeMFA []string
	for _, a := range SelfServiceActions {
		byOn[a.On] = append(byOn[a.On], a.Action)
		if a.BeforeMFA {
			beforeMFA = append(beforeMFA, a.Action)
		}
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	return &PolicyDocument{Version: "2012-10-17", Statement: []PolicyStatement{
		{Sid: "AllowViewAccountInfo", Effect: "Allow", Action: sorted(byOn[onAccount]), Resource: []string{"*"}},
		{Sid: "AllowManageOwnUser", Effect: "Allow", Action: sorted(byOn[onUser]),
			Resource: []string{"arn:aws:iam::" + acct + ":user/${aws:username}"}},
		{Sid: "AllowManageOwnVirtualMFADevice", Effect: "Allow", Action: sorted(byOn[onMFA]), Resource: mfaResources(acct)},
		{Sid: "DenyAllExceptListedIfNoMFA", Effect: "Deny", NotAction: sorted(beforeMFA), Resource: []string{"*"},
			Condition: map[string]map[string]any{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
	}}, nil
}

// mfaResources are the user's own virtual MFA devices: the names kagi gives them, NAME and NAME-2 … NAME-9
// ("${aws:username}*" would also match the devices of every user whose name starts with the caller's).
func mfaResources(acct string) []string {
	return []string{"arn:aws:iam::" + acct + ":mfa/${aws:username}", "arn:aws:iam::" + acct + ":mfa/${aws:username}-*"}
}

// RoleTrustPolicy is a trust policy letting the account's principals (whom their own policies allow, e.g.
// an assume-group policy) assume the role only with MFA, optionally from the given source ranges.
func RoleTrustPolicy(o PolicyOptions) (*PolicyDocument, error) {
	if !accountRE().MatchString(o.Account) {
		return nil, badOption("a role trust policy names the account whose users may assume the role; pass --account with the 12-digit account ID")
	}
	cond, err := mfaCondition(o)
	if err != nil {
		return nil, err
	}
	return &PolicyDocument{Version: "2012-10-17", Statement: []PolicyStatement{{
		Sid: "AllowAssumeRoleWithMFA", Effect: "Allow", Principal: map[string]string{"AWS": "arn:aws:iam::" + o.Account + ":root"},
		Action: []string{"sts:AssumeRole"}, Condition: cond,
	}}}, nil
}

// AssumeGroupPolicy is a group policy allowing sts:AssumeRole into the named roles with MFA, optionally only
// from the given source ranges.
func AssumeGroupPolicy(o PolicyOptions) (*PolicyDocument, error) {
	acct, err := accountOrAny(o.Account)
	if err != nil {
		return nil, err
	}
	roles := o.Roles
	if len(roles) == 0 {
		roles = DefaultAssumeRoles
	}
	var arns []string
	for _, r := range roles {
		arn, err := roleARN(acct, r)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(arns, arn) {
			arns = append(arns, arn)
		}
	}
	cond, err := mfaCondition(o)
	if err != nil {
		return nil, err
	}
	return &PolicyDocument{Version: "2012-10-17", Statement: []PolicyStatement{{
		Sid: "AllowAssumeRolesWithMFA", Effect: "Allow", Action: []string{"sts:AssumeRole"}, Resource: arns, Condition: cond,
	}}}, nil
}

// mfaCondition requires MFA, optionally a maximum MFA age and source ranges.
func mfaCondition(o PolicyOptions) (map[string]map[string]any, error) {
	cond := map[string]map[string]any{"Bool": {"aws:MultiFactorAuthPresent": "true"}}
	switch {
	case o.MaxMFAAge < 0 || (o.MaxMFAAge > 0 && o.MaxMFAAge < time.Minute):
		return nil, badOption("--max-mfa-age %s is too short; give at least 1m, or leave it out for no limit", o.MaxMFAAge)
	case o.MaxMFAAge > 0:
		cond["NumericLessThan"] = map[string]any{"aws:MultiFactorAuthAge": strconv.Itoa(int(o.MaxMFAAge / time.Second))}
	}
	if len(o.SourceIPs) > 0 {
		cidrs, err := ParseCIDRs(o.SourceIPs)
		if err != nil {
			return nil, err
		}
		cond["IpAddress"] = map[string]any{"aws:SourceIp": cidrs}
	}
	return cond, nil
}

// ParseCIDRs validates source ranges as aws:SourceIp takes them: a CIDR with no host bits set, or a single
// address (written as /32 or /128). Comma-separated lists are split. Duplicates are dropped.
func ParseCIDRs(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				addr, aerr := netip.ParseAddr(s)
				if aerr != nil || addr.Zone() != "" {
					return nil, badOption("--source-ip %q is not an IP range; write it as a CIDR such as 203.0.113.0/24", s)
				}
				p = netip.PrefixFrom(addr, addr.BitLen())
			}
			if p.Masked() != p {
				return nil, badOption("--source-ip %s has host bits set; did you mean %s", s, p.Masked())
			}
			if !slices.Contains(out, p.String()) {
				out = append(out, p.String())
			}
		}
	}
	if len(out) == 0 {
		return nil, badOption("--source-ip is empty; give a CIDR such as 203.0.113.0/24")
	}
	return out, nil
}

var (
	accountRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	roleNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{1,64}$`) })
	roleARNRE  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}|\*):role/(?:[\x21-\x7e]*/)?[\w+=,.@*-]{1,64}$`)
	})
)

func accountOrAny(account string) (string, error) {
	switch {
	case account == "" || account == "*":
		return "*", nil
	case accountRE().MatchString(account):
		return account, nil
	}
	return "", badOption("--account %q is not a 12-digit AWS account ID", account)
}

// roleARN turns a role name into its ARN in acct; an ARN is checked and kept.
func roleARN(acct, role string) (string, error) {
	if strings.HasPrefix(role, "arn:") {
		if !roleARNRE().MatchString(role) {
			return "", badOption("--role %q is not a role ARN such as arn:aws:iam::123456789012:role/admin", role)
		}
		return role, nil
	}
	if !roleNameRE().MatchString(role) {
		return "", badOption("--role %q is not a valid role name (up to 64 letters, digits and +=,.@_-)", role)
	}
	return "arn:aws:iam::" + acct + ":role/" + role, nil
}
