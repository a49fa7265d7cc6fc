package localaws

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kagi-cli/kagi/awsx/localaws/policy"
)

// caller is the authenticated principal of a request.
type caller struct {
	accessKeyID string
	user        *user     // an IAM user: long-term key or GetSessionToken session
	role        *role     // an assumed-role session
	temp        *tempCred // nil for long-term keys
	sourceIP    string
}

func (c *caller) isLongTerm() bool { return c.temp == nil }

// arn is the principal ARN as GetCallerIdentity reports it.
func (c *caller) arn(st *state) string {
	if c.role != nil {
		return st.assumedRoleARN(c.role.name, c.temp.sessionName)
	}
	return st.userARN(c.user)
}

func (c *caller) userID() string {
	if c.role != nil {
		return c.role.id + ":" + c.temp.sessionName
	}
	return c.user.id
}

// authenticate finds the secret behind the request's access key and verifies the signature. Caller holds s.mu.
func (s *Server) authenticate(r *http.Request, body []byte, a *sigv4Auth) (*caller, *apiError) {
	invalidToken := errf(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	now := s.clock.Now()
	if k := s.st.accessKeys[a.accessKeyID]; k != nil {
		if !k.active || now.Before(k.usableAt) {
			return nil, invalidToken
		}
		if r.Header.Get("X-Amz-Security-Token") != "" {
			return nil, invalidToken
		}
		if aerr := verifySignature(r, body, a, credsOf(k.id, k.secret, ""), s.wallNow()); aerr != nil {
			return nil, aerr
		}
		u := s.st.users[k.userName]
		if u == nil {
			return nil, invalidToken
		}
		k.lastUsed, k.lastRegion = now, a.region
		k.lastService = a.service
		return &caller{accessKeyID: k.id, user: u}, nil
	}
	t := s.st.tempCreds[a.accessKeyID]
	if t == nil {
		return nil, invalidToken
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if token == "" {
		return nil, invalidToken
	}
	if token != t.token {
		return nil, invalidToken
	}
	if aerr := verifySignature(r, body, a, credsOf(t.id, t.secret, t.token), s.wallNow()); aerr != nil {
		return nil, aerr
	}
	if !now.Before(t.expires) {
		// 403, as IAM and STS answer it (so do the SDKs' models of the error).
		return nil, errf(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
	}
	c := &caller{accessKeyID: t.id, temp: t}
	if t.roleName != "" {
		c.role = s.st.roles[t.roleName]
		if c.role == nil {
			return nil, invalidToken
		}
		return c, nil
	}
	c.user = s.st.users[t.userName]
	if c.user == nil {
		return nil, invalidToken
	}
	return c, nil
}

// wallNow is the time a request's signature date is checked against. Signing dates come from the
// client's real clock, so they are compared with the real clock even while a test moves the endpoint's.
func (s *Server) wallNow() time.Time { return time.Now().UTC() }

// requestContext builds the condition keys IAM puts in the request context for this caller.
func (s *Server) requestContext(c *caller) map[string]string {
	ctx := map[string]string{
		"aws:SourceIp":         c.sourceIP,
		"aws:PrincipalArn":     c.principalARN(s.st),
		"aws:PrincipalAccount": s.st.accountID,
		"aws:userid":           c.userID(),
		"aws:CurrentTime":      isoTime(s.clock.Now()),
		"aws:SecureTransport":  "false",
	}
	if c.role == nil {
		ctx["aws:username"] = c.user.name
	}
	// IAM leaves aws:MultiFactorAuthPresent out of requests signed with long-term keys; temporary
	// credentials carry true or false.
	if c.temp != nil {
		ctx["aws:MultiFactorAuthPresent"] = strconv.FormatBool(c.temp.mfa)
		if c.temp.mfa {
			ctx["aws:MultiFactorAuthAge"] = strconv.Itoa(int(s.clock.Now().Sub(c.temp.mfaAuthTime).Seconds()))
		}
	}
	return ctx
}

// principalARN is the ARN policies see for aws:PrincipalArn: the role's ARN for a role session.
func (c *caller) principalARN(st *state) string {
	if c.role != nil {
		return st.roleARN(c.role)
	}
	return st.userARN(c.user)
}

// identityPolicies are the identity-based policies in force for the caller.
func (s *Server) identityPolicies(c *caller) []*policy.Document {
	if c.role != nil {
		return c.role.policies
	}
	return s.st.userPolicies(c.user)
}

// authorize evaluates the caller's identity policies for action on resource. extra adds condition keys.
func (s *Server) authorize(c *caller, action, resource string, extra map[string]string) *apiError {
	ctx := s.requestContext(c)
	for k, v := range extra {
		ctx[k] = v
	}
	d := policy.Evaluate(policy.Request{
		Action: action, Resource: resource, Principal: c.arn(s.st), Account: s.st.accountID, Context: ctx,
	}, s.identityPolicies(c)...)
	if d == policy.Allow {
		return nil
	}
	return s.denied(c, action, resource, d)
}

// denied builds AccessDenied with the message shape IAM uses today.
func (s *Server) denied(c *caller, action, resource string, d policy.Decision) *apiError {
	why := "because no identity-based policy allows the " + action + " action"
	if d == policy.ExplicitDeny {
		why = "with an explicit deny in an identity-based policy"
	}
	return accessDenied("User: %s is not authorized to perform: %s on resource: %s %s", c.arn(s.st), action, resource, why)
}

// targetUser resolves the optional UserName parameter: absent means the calling IAM user.
func (s *Server) targetUser(q *request) (*user, *apiError) {
	name := q.get("UserName")
	if name == "" {
		if q.caller.role != nil {
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
		return q.caller.user, nil
	}
	if len(name) > 128 || strings.ContainsAny(name, " /") {
		return nil, validationError("1 validation error detected: Value '%s' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name)
	}
	u := s.st.users[name]
	if u == nil {
		return nil, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// authorizeUser resolves the target user and authorizes action on it. Like IAM, authorization comes first,
// so a caller cannot probe for user names it may not act on.
func (s *Server) authorizeUser(q *request, action string) (*user, *apiError) {
	name := q.get("UserName")
	if name == "" && q.caller.role == nil {
		name = q.caller.user.name
	}
	if name != "" {
		// Users are created with path "/", so the ARN follows from the name.
		if aerr := s.authorize(q.caller, action, "arn:aws:iam::"+s.st.accountID+":user/"+name, nil); aerr != nil {
			return nil, aerr
		}
	}
	return s.targetUser(q)
}
