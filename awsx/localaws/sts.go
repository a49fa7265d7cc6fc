package localaws

import (
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

const (
	minSessionSeconds        = 900
	maxSessionTokenSeconds   = 129600
	defaultSessionSeconds    = 43200
	defaultAssumeRoleSeconds = 3600
	maxChainedRoleSeconds    = 3600
	maxRoleSessionSeconds    = 43200 // AssumeRole's DurationSeconds constraint, whatever the role allows
)

type xmlCredentials struct {
	AccessKeyId     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

func credsXML(t *tempCred) xmlCredentials {
	return xmlCredentials{t.id, t.secret, t.token, isoTime(t.expires)}
}

// getCallerIdentity needs no permission: IAM ignores even an explicit deny for it.
func (s *Server) getCallerIdentity(q *request) (any, *apiError) {
	c := q.caller
	return struct {
		UserId  string `xml:"UserId"`
		Account string `xml:"Account"`
		Arn     string `xml:"Arn"`
	}{c.userID(), s.st.accountID, c.arn(s.st)}, nil
}

// checkMFA verifies SerialNumber+TokenCode for user u. Both absent: no MFA (ok, false).
func (s *Server) checkMFA(q *request, u *user) (bool, *apiError) {
	serial, code := q.get("SerialNumber"), q.get("TokenCode")
	if serial == "" && code == "" {
		return false, nil
	}
	if serial != "" && !validName(serial, 9, 256, "+=/:,.@-") {
		return false, validationError("1 validation error detected: Value '%s' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9", serial)
	}
	if code != "" && !isSixDigits(code) {
		return false, validationError("1 validation error detected: Value '%s' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*", code)
	}
	invalid := accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	if serial == "" || code == "" || u == nil {
		return false, invalid
	}
	d := s.st.mfaDevices[serial]
	if d == nil || d.userName != u.name {
		return false, invalid
	}
	used, ok := d.verifyCode(code, s.clock.Now())
	if used {
		// AWS answers a replayed code with the same AccessDenied; the wording here says why.
		return false, accessDenied("MultiFactorAuthentication failed, the one time pass code has already been used.")
	}
	if !ok {
		return false, invalid
	}
	return true, nil
}

func (s *Server) getSessionToken(q *request) (any, *apiError) {
	c := q.caller
	if !c.isLongTerm() {
		return nil, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	dur, aerr := q.intParam("DurationSeconds", defaultSessionSeconds)
	if aerr != nil {
		return nil, aerr
	}
	if dur < minSessionSeconds || dur > maxSessionTokenSeconds {
		return nil, durationError(dur, minSessionSeconds, maxSessionTokenSeconds)
	}
	// GetSessionToken needs no Allow, but an explicit Deny still applies.
	if d := s.evaluate(c, "sts:GetSessionToken", "*", nil); d == policy.ExplicitDeny {
		return nil, s.denied(c, "sts:GetSessionToken", "*", d)
	}
	mfa, aerr := s.checkMFA(q, c.user)
	if aerr != nil {
		return nil, aerr
	}
	t := s.issue(time.Duration(dur)*time.Second, mfa)
	t.userName, t.sourceKeyID = c.user.name, c.accessKeyID
	return struct {
		Credentials xmlCredentials `xml:"Credentials"`
	}{credsXML(t)}, nil
}

// issue stores new temporary credentials valid for d from now.
func (s *Server) issue(d time.Duration, mfa bool) *tempCred {
	now := s.clock.Now()
	t := &tempCred{id: newID("ASIA"), secret: newSecret(), token: newSessionToken(), expires: now.Add(d).Truncate(time.Second), mfa: mfa}
	if mfa {
		t.mfaAuthTime = now
	}
	s.st.tempCreds[t.id] = t
	return t
}

func durationError(got, lo, hi int) *apiError {
	if got < lo {
		return validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", got, lo)
	}
	return validationError("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", got, hi)
}

func (s *Server) evaluate(c *caller, action, resource string, extra map[string]string) policy.Decision {
	ctx := s.requestContext(c)
	for k, v := range extra {
		ctx[k] = v
	}
	return policy.Evaluate(policy.Request{Action: action, Resource: resource, Principal: c.arn(s.st), Account: s.st.accountID, Context: ctx},
		s.identityPolicies(c)...)
}

func (s *Server) assumeRole(q *request) (any, *apiError) {
	c := q.caller
	roleARN, sessionName := q.get("RoleArn"), q.get("RoleSessionName")
	if len(roleARN) < 20 || len(roleARN) > 2048 {
		return nil, validationError("1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20", roleARN)
	}
	if !validName(sessionName, 2, 64, "+=,.@-") {
		return nil, validationError("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", sessionName)
	}
	if ext := q.get("ExternalId"); q.has("ExternalId") && !validName(ext, 2, 1224, "+=,.@:/-") {
		return nil, validationError("1 validation error detected: Value '%s' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224", ext)
	}
	chained := c.role != nil
	dur, aerr := q.intParam("DurationSeconds", defaultAssumeRoleSeconds)
	if aerr != nil {
		return nil, aerr
	}
	if dur < minSessionSeconds || dur > maxRoleSessionSeconds {
		return nil, durationError(dur, minSessionSeconds, maxRoleSessionSeconds)
	}
	// MFA in the request: a code given now, or carried by the caller's session.
	var mfaUser *user
	if c.role == nil {
		mfaUser = c.user
	}
	mfaNow, aerr := s.checkMFA(q, mfaUser)
	if aerr != nil {
		return nil, aerr
	}
	extra := map[string]string{}
	mfa := mfaNow || (c.temp != nil && c.temp.mfa)
	if mfaNow || c.temp != nil {
		extra["aws:MultiFactorAuthPresent"] = boolString(mfa)
	}
	if mfaNow {
		extra["aws:MultiFactorAuthAge"] = "0"
	}
	if q.has("ExternalId") {
		extra["sts:ExternalId"] = q.get("ExternalId")
	}
	r := s.st.roleByARN(roleARN)
	deny := accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.arn(s.st), roleARN)
	if d := s.evaluate(c, "sts:AssumeRole", roleARN, extra); d != policy.Allow || r == nil {
		return nil, deny
	}
	ctx := s.requestContext(c)
	for k, v := range extra {
		ctx[k] = v
	}
	if policy.EvaluateTrust(policy.Request{Action: "sts:AssumeRole", Resource: roleARN, Principal: c.arn(s.st), Account: s.st.accountID, Context: ctx}, r.trust) != policy.Allow {
		return nil, deny
	}
	switch {
	case chained && dur > maxChainedRoleSeconds:
		return nil, validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case time.Duration(dur)*time.Second > r.maxSessionDuration:
		return nil, validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	t := s.issue(time.Duration(dur)*time.Second, mfa)
	if mfa && !mfaNow && c.temp != nil {
		t.mfaAuthTime = c.temp.mfaAuthTime
	}
	t.roleName, t.sessionName, t.chained, t.sourceKeyID = r.name, sessionName, chained, c.accessKeyID
	type xmlAssumedRoleUser struct {
		AssumedRoleId string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	}
	return struct {
		Credentials      xmlCredentials     `xml:"Credentials"`
		AssumedRoleUser  xmlAssumedRoleUser `xml:"AssumedRoleUser"`
		PackedPolicySize *int               `xml:"PackedPolicySize,omitempty"`
	}{credsXML(t), xmlAssumedRoleUser{r.id + ":" + sessionName, s.st.assumedRoleARN(r.name, sessionName)}, nil}, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
