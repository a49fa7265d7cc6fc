package localaws

import (
	"embed"
	"fmt"
	"time"
)

// The policies of the setup kagi is built for, byte-identical to ../shared/fixtures/policies (a test checks).
//
//go:embed policies/*.json
var fixturePolicies embed.FS

// FixturePolicy returns one of the embedded fixture policies by file name, e.g. "force-mfa-self-manage.json".
func FixturePolicy(name string) ([]byte, error) {
	return fixturePolicies.ReadFile("policies/" + name)
}

// Scenario names for Seed.
const (
	ScenarioNewUser   = "new-user"  // the user has no MFA device yet (first login)
	ScenarioOnboarded = "onboarded" // the user has an enabled virtual MFA device
)

// Seeded is what a scenario created: everything a client needs to act as its user.
type Seeded struct {
	AccountID       string            `json:"account_id"`
	Region          string            `json:"region"`
	UserName        string            `json:"user_name"`
	Password        string            `json:"password"`
	AccessKeyID     string            `json:"access_key_id"`
	SecretAccessKey string            `json:"secret_access_key"`
	Roles           map[string]string `json:"roles"`
	MFASerial       string            `json:"mfa_serial,omitempty"`
	MFASecret       string            `json:"mfa_secret,omitempty"`
}

// AWS managed policies the roles and groups use, reduced to what the scenario needs.
const (
	administratorAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	powerUserAccess     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},
		{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions"],"Resource":"*"}]}`
	readOnlyAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:List*","*:Get*"],"Resource":"*"}]}`
)

// DemoUserName is the scenario user's name.
const DemoUserName = "alice"

// Seed builds the account the fixtures describe: groups admin/operator/readonly, roles iam-role-admin and
// iam-role-operator (trust: MFA), a password policy, and a user holding exactly force-mfa-self-manage.json
// plus the admin group's assume policy, with a console password and one access key.
func (s *Server) Seed(scenario string) (*Seeded, error) {
	if scenario != ScenarioNewUser && scenario != ScenarioOnboarded {
		return nil, fmt.Errorf("unknown scenario %q: use %s or %s", scenario, ScenarioNewUser, ScenarioOnboarded)
	}
	p := func(name string) []byte {
		b, err := FixturePolicy(name)
		if err != nil {
			panic("embedded policy missing: " + name) // embedded at build time; absent only if the build is broken
		}
		return b
	}
	steps := []func() error{
		func() error { return s.CreateGroup("admin", p("admin-group-assume.json")) },
		func() error { return s.CreateGroup("operator", p("operator-group-assume.json")) },
		func() error {
			return s.CreateGroup("readonly", []byte(readOnlyAccess), p("readonly-deny-data-reads.json"))
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("seed %s: %w", scenario, err)
		}
	}
	roles := map[string]string{}
	var err error
	if roles["iam-role-admin"], err = s.CreateRole("iam-role-admin", p("role-trust-mfa.json"), time.Hour, []byte(administratorAccess)); err != nil {
		return nil, fmt.Errorf("seed %s: %w", scenario, err)
	}
	if roles["iam-role-operator"], err = s.CreateRole("iam-role-operator", p("role-trust-mfa.json"), 4*time.Hour,
		[]byte(powerUserAccess), p("operator-deny-cloudtrail-changes.json")); err != nil {
		return nil, fmt.Errorf("seed %s: %w", scenario, err)
	}
	s.SetPasswordPolicy(&PasswordPolicy{
		MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true,
		RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, MaxPasswordAge: 90, PasswordReusePrevention: 5,
	})
	password := "Kagi-demo-" + randomString("abcdefghijkmnpqrstuvwxyz23456789", 8) + "-7!"
	if err := s.CreateUser(DemoUserName, password, []string{"admin"}, p("force-mfa-self-manage.json")); err != nil {
		return nil, fmt.Errorf("seed %s: %w", scenario, err)
	}
	seeded := &Seeded{AccountID: s.opts.AccountID, Region: s.opts.Region, UserName: DemoUserName, Password: password, Roles: roles}
	if seeded.AccessKeyID, seeded.SecretAccessKey, err = s.CreateAccessKeyFor(DemoUserName); err != nil {
		return nil, fmt.Errorf("seed %s: %w", scenario, err)
	}
	if scenario == ScenarioOnboarded {
		if seeded.MFASerial, seeded.MFASecret, err = s.EnableVirtualMFAFor(DemoUserName); err != nil {
			return nil, fmt.Errorf("seed %s: %w", scenario, err)
		}
	}
	return seeded, nil
}
