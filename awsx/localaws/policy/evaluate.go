package policy

import (
	"strconv"
	"strings"
)

// Decision is the outcome of evaluating policies for one request.
type Decision int

const (
	ImplicitDeny Decision = iota // no statement allowed it
	Allow
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Request is the request context of one API call.
type Request struct {
	Action    string // e.g. "iam:ListAccessKeys"
	Resource  string // resource ARN, or "*" for actions without a resource
	Principal string // the caller's ARN (user, assumed-role session or root)
	Account   string // the caller's account id
	// Context holds the condition keys present in the request; key names are
	// compared case-insensitively. An absent key is absent from the request.
	Context map[string]string
}

// Evaluate evaluates identity-based policies (all policies attached to the
// caller): any matching Deny gives ExplicitDeny, else any matching Allow gives
// Allow, else ImplicitDeny. Principal elements are ignored. Nil documents are
// skipped.
func Evaluate(req Request, docs ...*Document) Decision {
	ec := newEvalContext(req)
	allowed := false
	for _, d := range docs {
		if d == nil {
			continue
		}
		switch d.evaluate(ec, false) {
		case ExplicitDeny:
			return ExplicitDeny
		case Allow:
			allowed = true
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// EvaluateTrust evaluates a role trust policy for sts:AssumeRole. A statement
// applies only if its Principal matches req.Principal; a statement without a
// Principal applies to nobody. A statement without Resource/NotResource
// matches any resource.
func EvaluateTrust(req Request, trust *Document) Decision {
	if trust == nil {
		return ImplicitDeny
	}
	return trust.evaluate(newEvalContext(req), true)
}

// evaluate returns ExplicitDeny as soon as a Deny statement applies, since
// nothing can override it.
func (d *Document) evaluate(ec *evalContext, checkPrincipal bool) Decision {
	ec.useVars = d.version == versionCurrent
	result := ImplicitDeny
	for i := range d.statements {
		st := &d.statements[i]
		if checkPrincipal && (st.principal == nil || !st.principal.matches(ec.req)) {
			continue
		}
		if !st.applies(ec) {
			continue
		}
		if st.deny {
			return ExplicitDeny
		}
		result = Allow
	}
	return result
}

// applies reports whether the statement's Action, Resource and Condition
// elements all match. Cheap checks come first.
func (st *statement) applies(ec *evalContext) bool {
	if anyMatch(st.actions, func(p string) bool { return matchAction(p, ec.req.Action) }) == st.notAction {
		return false
	}
	if st.hasResource {
		// An entry with an unresolvable variable matches nothing, for Resource
		// and NotResource alike.
		hit := anyMatch(st.resources, func(p string) bool { return ec.matchResource(p, ec.req.Resource) })
		if hit == st.notResource {
			return false
		}
	}
	for i := range st.conditions {
		if !st.conditions[i].eval(ec) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, match func(string) bool) bool {
	for _, p := range patterns {
		if match(p) {
			return true
		}
	}
	return false
}

// matches reports whether the Principal element names the caller.
func (p *principals) matches(req Request) bool {
	if p.any {
		return true
	}
	for _, v := range p.aws {
		if awsPrincipalMatches(v, req) {
			return true
		}
	}
	// Service, federated and canonical principals are not IAM ARNs; they only
	// match a caller presenting exactly that identifier.
	for _, list := range [][]string{p.service, p.federated, p.canonical} {
		for _, v := range list {
			if v == req.Principal {
				return true
			}
		}
	}
	return false
}

// awsPrincipalMatches implements the "AWS" principal forms: "*", an account
// id or account root ARN (every principal of that account), an exact ARN, and
// a role ARN that also matches that role's assumed-role sessions.
func awsPrincipalMatches(v string, req Request) bool {
	if v == "*" {
		return true
	}
	caller, callerIsARN := parseARN(req.Principal)
	account := req.Account
	if callerIsARN {
		account = caller.account
	}
	if isAccountID(v) {
		return account != "" && v == account
	}
	pa, ok := parseARN(v)
	if !ok {
		return false
	}
	if pa.service == "iam" && pa.resource == "root" {
		if callerIsARN && caller.partition != pa.partition {
			return false
		}
		return account != "" && pa.account == account
	}
	if v == req.Principal {
		return true
	}
	// Session ARNs drop the role path: role/a/b/R -> assumed-role/R/session.
	if pa.service == "iam" && strings.HasPrefix(pa.resource, "role/") && callerIsARN &&
		caller.service == "sts" && caller.partition == pa.partition && caller.account == pa.account {
		roleName := pa.resource[strings.LastIndexByte(pa.resource, '/')+1:]
		if rest, ok := strings.CutPrefix(caller.resource, "assumed-role/"); ok {
			name, session, ok := strings.Cut(rest, "/")
			return ok && session != "" && name == roleName
		}
	}
	return false
}

type arn struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arn, bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return arn{}, false
	}
	return arn{partition: p[1], service: p[2], region: p[3], account: p[4], resource: p[5]}, true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
