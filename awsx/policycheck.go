package awsx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// `kagi policy check` runs kagi's own flows, with the real SDK, against the embedded endpoint (in process,
// on loopback) for a user who holds exactly the given policies, and reports which AWS actions each kagi
// feature would be denied. The endpoint counts every action it answers and every AccessDenied it returns,
// so each row is what kagi really called, not a list kept by hand.

// MalformedPolicyError: a document IAM would reject. Err is policy.Parse's *policy.MalformedError.
type MalformedPolicyError struct {
	Name string
	Err  error
}

func (e *MalformedPolicyError) Error() string {
	return e.Name + " is not a valid IAM policy (" + strings.Join(strings.Fields(e.Err.Error()), " ") + ")"
}
func (e *MalformedPolicyError) Unwrap() error { return e.Err }

// checkStep is one row of the plan: an action a kagi feature calls, in the order the report shows them.
type checkStep struct{ phase, feature, action string }

// checkPlan lists what kagi's features call, feature by feature.
var checkPlan = func() []checkStep {
	var plan []checkStep
	for _, f := range []struct{ phase, feature, actions string }{
		{PhaseBeforeMFA, "whoami", "sts:GetCallerIdentity iam:GetUser iam:ListMFADevices"},
		{PhaseBeforeMFA, "onboarding", "iam:ListMFADevices iam:ListVirtualMFADevices iam:CreateVirtualMFADevice iam:DeleteVirtualMFADevice iam:EnableMFADevice"},
		{PhaseBeforeMFA, "MFA resync", "iam:ResyncMFADevice"},
		{PhaseBeforeMFA, "MFA session", "sts:GetSessionToken"},
		{PhaseWithMFA, "password", "iam:GetAccountPasswordPolicy iam:ChangePassword"},
		{PhaseWithMFA, "access keys", "iam:ListAccessKeys"},
		{PhaseWithMFA, "last used", "iam:GetAccessKeyLastUsed"},
		{PhaseWithMFA, "access keys", "iam:CreateAccessKey iam:UpdateAccessKey iam:DeleteAccessKey"},
		{PhaseWithMFA, "git credentials", "iam:ListServiceSpecificCredentials iam:CreateServiceSpecificCredential " +
			"iam:ResetServiceSpecificCredential iam:UpdateServiceSpecificCredential iam:DeleteServiceSpecificCredential"},
		{PhaseWithMFA, "assume role", "sts:AssumeRole"},
		{PhaseWithMFA, "MFA removal", "iam:DeactivateMFADevice iam:DeleteVirtualMFADevice"},
	} {
		for _, a := range strings.Fields(f.actions) {
			plan = append(plan, checkStep{f.phase, f.feature, a})
		}
	}
	return plan
}()

// optionalSteps are the actions kagi copes without, and how.
var optionalSteps = map[string]string{
	"iam:DeleteVirtualMFADevice": "kagi leaves the unassigned device and the next onboarding replaces it",
}

// CheckPolicy checks files as the policies of one IAM user. It fails only for malformed documents
// (*MalformedPolicyError), bad options, or when the embedded endpoint cannot run kagi's flows.
func CheckPolicy(ctx context.Context, files []PolicyFile, o PolicyCheckOptions) (*PolicyCheckReport, error) {
	var docs [][]byte
	for _, f := range files {
		if _, err := policy.Parse(f.Data); err != nil {
			return nil, &MalformedPolicyError{Name: f.Name, Err: err}
		}
		docs = append(docs, f.Data)
	}
	if len(docs) == 0 {
		return nil, errors.New("no policy to check")
	}
	if o.UserName == "" {
		o.UserName = "kagi-check"
	} else if !roleNameRE().MatchString(o.UserName) {
		return nil, badOption("--user %q is not an IAM user name (up to 64 letters, digits and +=,.@_-)", o.UserName)
	}
	if o.Account == "" {
		o.Account = documentAccount(docs)
	} else if !accountRE().MatchString(o.Account) {
		return nil, badOption("--account %q is not a 12-digit AWS account ID", o.Account)
	}
	if len(o.Roles) == 0 {
		o.Roles = assumableRoles(docs)
	}
	for _, r := range o.Roles {
		if !roleNameRE().MatchString(r) {
			return nil, badOption("--role %q is not a role name (up to 64 letters, digits and +=,.@_-)", r)
		}
	}
	if o.SourceIP != "" {
		if _, err := ParseCIDRs([]string{o.SourceIP}); err != nil || strings.Contains(o.SourceIP, "/") {
			return nil, badOption("--source-ip %q is not an IP address", o.SourceIP)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c := &checker{ctx: ctx, o: o, docs: docs, rec: map[string]*PolicyCheckStep{}}
	if err := c.run(); err != nil {
		return nil, err
	}
	return c.report(), nil
}

type checker struct {
	ctx     context.Context
	o       PolicyCheckOptions
	docs    [][]byte
	rec     map[string]*PolicyCheckStep // phase|feature|action|target -> what the endpoint answered
	order   []string
	denials []string // AccessDenied messages, for the notes of denied rows
	failed  error    // an answer that is neither allowed nor denied: the check itself went wrong
}

// world is one embedded endpoint with the user, signed in with its long-term key.
type world struct {
	srv            *localaws.Server
	cfg            Config
	serial, secret string // the enabled MFA device, when enrolled
}

const checkPassword = "Kagi-Check-Old-Pw-7!"

func (c *checker) newWorld(enrolled bool) (*world, error) {
	srv := localaws.New(localaws.Options{AccountID: c.o.Account})
	srv.Clock().Set(time.Now())
	srv.SetPasswordPolicy(&localaws.PasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true})
	w := &world{srv: srv}
	trust, err := RoleTrustPolicy(PolicyOptions{Account: c.o.Account})
	if err != nil {
		return nil, err
	}
	onlyWhoami := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}`)
	err = srv.CreateUser(c.o.UserName, checkPassword, nil, c.docs...)
	for _, r := range c.o.Roles {
		if err == nil {
			_, err = srv.CreateRole(r, trust.JSON(), time.Hour, onlyWhoami)
		}
	}
	var id, secret string
	if err == nil {
		id, secret, err = srv.CreateAccessKeyFor(c.o.UserName)
	}
	if err == nil && enrolled {
		w.serial, w.secret, err = srv.EnableVirtualMFAFor(c.o.UserName)
	}
	if err != nil {
		return nil, fmt.Errorf("set up the embedded endpoint: %w", err)
	}
	srv.SetSourceIP(c.o.SourceIP)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the embedded endpoint: %w", err)
	}
	w.cfg = Config{Region: DefaultRegion, IAMEndpoint: url, STSEndpoint: url, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), CredentialSource: "policy check"}
	return w, nil
}

// code is the device's TOTP code steps*30 s from the endpoint's now.
func (w *world) code(secret string, steps int) string {
	return localaws.CodeAt(secret, w.srv.Clock().Now().Add(time.Duration(steps)*30*time.Second))
}

// observe runs flow and records every action the endpoint answered during it as phase/feature rows.
func (c *checker) observe(w *world, phase, feature, target string, flow func()) {
	w.srv.ResetCalls()
	flow()
	stats := w.srv.Calls()
	for op := range stats.Calls {
		action := "iam:" + op
		if op == "GetCallerIdentity" || op == "GetSessionToken" || op == "AssumeRole" {
			action = "sts:" + op
		}
		f := feature
		if action == "iam:GetAccessKeyLastUsed" {
			f = "last used"
		}
		key := phase + "|" + f + "|" + action + "|" + target
		s := c.rec[key]
		if s == nil {
			s = &PolicyCheckStep{Phase: phase, Feature: f, Action: action, Target: target, Status: StepAllowed}
			c.rec[key] = s
			c.order = append(c.order, key)
		}
		if stats.Errors[op+":AccessDenied"] > 0 {
			s.Status = StepDenied
		}
	}
}

// saw notes what a call answered: AccessDenied is a finding (its message explains the row); an error that
// is neither a denial nor one the flow expects (expected) means the check itself went wrong.
func (c *checker) saw(err error, expected ...Class) {
	if err == nil {
		return
	}
	var ae smithy.APIError
	switch cl := Classify(err); {
	case cl == ClassAccessDenied && errors.As(err, &ae):
		c.denials = append(c.denials, ae.ErrorMessage())
	case slices.Contains(expected, cl):
	case c.failed == nil:
		c.failed = err
	}
}

func (c *checker) run() error {
	w1, err := c.newWorld(false)
	if err != nil {
		return err
	}
	defer w1.srv.Close()
	c.onboarding(w1)
	w2, err := c.newWorld(true)
	if err != nil {
		return err
	}
	defer w2.srv.Close()
	c.withMFA(w2)
	if c.failed != nil {
		return fmt.Errorf("the policy check could not run kagi's flows on the embedded endpoint: %w", c.failed)
	}
	return nil
}

// onboarding: a new user, before MFA, as `kagi whoami` and `kagi mfa register` (or the TUI) run.
func (c *checker) onboarding(w *world) {
	ctx, iamc, user := c.ctx, w.cfg.IAM(), c.o.UserName
	c.observe(w, PhaseBeforeMFA, "whoami", "", func() { _, err := WhoAmI(ctx, w.cfg.STS(), iamc); c.saw(err) })
	c.observe(w, PhaseBeforeMFA, "onboarding", "", func() {
		serial := "arn:aws:iam::" + c.o.Account + ":mfa/" + user
		e, err := BeginEnrollment(ctx, iamc, user, user)
		c.saw(err)
		if err == nil { // an aborted attempt first: kagi deletes the device it created, then starts over
			c.saw(CancelEnrollment(ctx, iamc, e.Serial))
			e.Forget()
			e, err = BeginEnrollment(ctx, iamc, user, user)
			c.saw(err)
		}
		if err != nil { // ask about the enable anyway: IAM authorizes before it looks up the device
			c.saw(Enable(ctx, iamc, user, serial, "000000", "000001"), ClassNoSuchEntity, ClassInvalidMFA)
			return
		}
		c.saw(Enable(ctx, iamc, user, e.Serial, w.code(e.Secret, -1), w.code(e.Secret, 0)))
	})
}

// withMFA: an onboarded user resyncs (long-term key), opens an MFA session, then uses every self-service
// feature and role with it.
func (c *checker) withMFA(w *world) {
	ctx, user := c.ctx, c.o.UserName
	c.observe(w, PhaseBeforeMFA, "MFA resync", "", func() {
		c.saw(Resync(ctx, w.cfg.IAM(), user, w.serial, w.code(w.secret, -1), w.code(w.secret, 0)))
	})
	w.srv.Clock().Advance(30 * time.Second) // the resync spent the current code
	var out *sts.GetSessionTokenOutput
	c.observe(w, PhaseBeforeMFA, "MFA session", "", func() {
		var err error
		out, err = w.cfg.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(3600),
			SerialNumber: aws.String(w.serial), TokenCode: aws.String(w.code(w.secret, 0))})
		c.saw(err)
	})
	if out == nil || out.Credentials == nil {
		return
	}
	cr := out.Credentials
	mfa := w.cfg.WithCredentials(credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId),
		aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)), "MFA session")
	iamc := mfa.IAM()
	c.observe(w, PhaseWithMFA, "password", "", func() {
		p, err := GetPasswordPolicy(ctx, iamc)
		c.saw(err)
		next, gerr := GeneratePassword(p)
		if gerr != nil {
			c.saw(gerr)
			return
		}
		c.saw(ChangePassword(ctx, iamc, checkPassword, next))
	})
	c.observe(w, PhaseWithMFA, "access keys", "", func() {
		_, err := ListKeysLastUsed(ctx, iamc, "")
		c.saw(err)
		k, err := CreateKey(ctx, iamc, "")
		c.saw(err)
		if err != nil {
			k.ID = "AKIA" + strings.Repeat("X", 16) // IAM authorizes before it looks up the key
		}
		c.saw(SetKeyStatus(ctx, iamc, "", k.ID, false), ClassNoSuchEntity)
		c.saw(DeleteKey(ctx, iamc, "", k.ID), ClassNoSuchEntity)
	})
	c.observe(w, PhaseWithMFA, "git credentials", "", func() {
		_, err := ListGitCredentials(ctx, iamc, "")
		c.saw(err)
		g, err := CreateGitCredential(ctx, iamc, user)
		c.saw(err)
		if err != nil {
			g.ID = "ACCA" + strings.Repeat("X", 17)
		}
		_, err = ResetGitCredential(ctx, iamc, "", g.ID)
		c.saw(err, ClassNoSuchEntity)
		c.saw(SetGitCredentialStatus(ctx, iamc, "", g.ID, false), ClassNoSuchEntity)
		c.saw(DeleteGitCredential(ctx, iamc, "", g.ID), ClassNoSuchEntity)
	})
	for _, r := range c.o.Roles {
		c.observe(w, PhaseWithMFA, "assume role", r, func() {
			_, err := mfa.STS().AssumeRole(ctx, &sts.AssumeRoleInput{DurationSeconds: aws.Int32(3600),
				RoleArn: aws.String("arn:aws:iam::" + c.o.Account + ":role/" + r), RoleSessionName: aws.String("kagi-policy-check")})
			c.saw(err)
		})
	}
	c.observe(w, PhaseWithMFA, "MFA removal", "", func() {
		err := Remove(ctx, iamc, user, w.serial)
		c.saw(err)
		if err != nil && !errors.Is(err, ErrLeftover) { // the deactivation was denied: ask about the delete too
			c.saw(CancelEnrollment(ctx, iamc, w.serial), ClassDeleteConflict)
		}
	})
}

// report lays the rows out in plan order, with rows kagi never reached and any call the plan lacks.
func (c *checker) report() *PolicyCheckReport {
	r := &PolicyCheckReport{Account: c.o.Account, User: c.o.UserName, SourceIP: cmp.Or(c.o.SourceIP, "127.0.0.1"),
		Roles: append([]string{}, c.o.Roles...), Denied: []PolicyCheckStep{}}
	used := map[string]bool{}
	take := func(p checkStep, target string) {
		key := p.phase + "|" + p.feature + "|" + p.action + "|" + target
		s := c.rec[key]
		if s == nil {
			s = &PolicyCheckStep{Phase: p.phase, Feature: p.feature, Action: p.action, Target: target, Status: StepNotChecked,
				Note: "kagi stops before this call, as an earlier one was denied"}
		}
		used[key] = true
		optional := optionalSteps[p.action]
		s.Required = optional == ""
		if s.Status == StepDenied {
			s.Note = c.denialNote(s.Action)
			if optional != "" {
				s.Note = "optional: " + optional
			}
		}
		r.Steps = append(r.Steps, *s)
	}
	for _, p := range checkPlan {
		switch {
		case p.action != "sts:AssumeRole":
			take(p, "")
		case len(c.o.Roles) == 0:
			r.Steps = append(r.Steps, PolicyCheckStep{Phase: p.phase, Feature: p.feature, Action: p.action, Status: StepNotChecked,
				Note: "the policy allows no role by name; pass --role to check one"})
		default:
			for _, role := range c.o.Roles {
				take(p, role)
			}
		}
	}
	for _, key := range c.order { // a call kagi made that the plan does not list: report it as needed
		if !used[key] {
			take(checkStep{phase: c.rec[key].Phase, feature: c.rec[key].Feature, action: c.rec[key].Action}, c.rec[key].Target)
		}
	}
	for _, s := range r.Steps {
		if s.Required && s.Status == StepDenied {
			r.Denied = append(r.Denied, s)
		}
	}
	if c.o.SourceIP == "" && strings.Contains(strings.ToLower(string(slices.Concat(c.docs...))), "aws:sourceip") {
		r.Notes = append(r.Notes, "the policy has aws:SourceIp conditions and the check's requests come from 127.0.0.1; pass --source-ip with an address of the allowed range to check from there")
	}
	return r
}

// denialNote says why action was denied, from the AccessDenied message IAM returned for it.
func (c *checker) denialNote(action string) string {
	for _, m := range c.denials {
		if _, rest, ok := strings.Cut(m, "perform: "+action+" on resource: "); ok {
			res, _, _ := strings.Cut(rest, " ")
			if strings.Contains(rest, "explicit deny") {
				return "explicit deny on " + res
			}
			return "no statement allows it on " + res
		}
	}
	if action == "iam:GetAccessKeyLastUsed" {
		return "no statement allows it; kagi shows \"last used: not permitted\""
	}
	return "no statement allows it"
}
