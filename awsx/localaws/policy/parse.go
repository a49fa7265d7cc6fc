// Package policy is a small evaluator of AWS IAM identity-based policies and
// role trust policies, used by the embedded fake IAM/STS endpoint.
//
// It implements the subset of the IAM policy language that the endpoint needs
// (Allow/Deny, Action/NotAction, Resource/NotResource, Principal for trust
// policies, the common condition operators and policy variables) with IAM's
// semantics. Parse rejects what it does not implement instead of silently
// evaluating it differently from IAM.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Versions IAM accepts. Only versionCurrent enables policy variables.
const (
	versionLegacy  = "2008-10-17"
	versionCurrent = "2012-10-17"
)

// MalformedError is returned by Parse for a document IAM would reject; the
// endpoint maps it to the MalformedPolicyDocument error code.
type MalformedError struct {
	Reason string
}

func (e *MalformedError) Error() string {
	return "MalformedPolicyDocument: " + e.Reason
}

func malformed(format string, args ...any) error {
	return &MalformedError{Reason: fmt.Sprintf(format, args...)}
}

// Document is a parsed policy. It is immutable after Parse and therefore safe
// for concurrent use.
type Document struct {
	version    string
	statements []statement
}

// statement is one normalised policy statement.
type statement struct {
	deny        bool
	notAction   bool
	actions     []string // as written; matched case-insensitively
	hasResource bool     // false: neither Resource nor NotResource present
	notResource bool
	resources   []string
	principal   *principals // nil: no Principal element
	conditions  []condition
}

// principals is a normalised Principal element.
type principals struct {
	any       bool // "*"
	aws       []string
	service   []string
	federated []string
	canonical []string
}

// Parse parses and validates an IAM policy document.
func Parse(doc []byte) (*Document, error) {
	var top map[string]json.RawMessage
	if jsonKind(doc) != '{' {
		return nil, malformed("policy document must be a JSON object")
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, malformed("invalid JSON: %v", err)
	}
	d := &Document{}
	for _, name := range sortedKeys(top) {
		raw := top[name]
		switch name {
		case "Version":
			v, err := decodeString(raw, "Version")
			if err != nil {
				return nil, err
			}
			if v != versionLegacy && v != versionCurrent {
				return nil, malformed("invalid Version %q", v)
			}
			d.version = v
		case "Id":
			if _, err := decodeString(raw, "Id"); err != nil {
				return nil, err
			}
		case "Statement":
		default:
			return nil, malformed("unknown policy element %q", name)
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, malformed("missing Statement")
	}
	var rawStatements []json.RawMessage
	switch jsonKind(raw) {
	case '{':
		rawStatements = []json.RawMessage{raw}
	case '[':
		if err := json.Unmarshal(raw, &rawStatements); err != nil {
			return nil, malformed("invalid Statement: %v", err)
		}
	default:
		return nil, malformed("Statement must be an object or an array of objects")
	}
	if len(rawStatements) == 0 {
		return nil, malformed("Statement must not be empty")
	}
	for i, rs := range rawStatements {
		st, err := parseStatement(rs)
		if err != nil {
			reason := err.Error()
			if me, ok := errors.AsType[*MalformedError](err); ok {
				reason = me.Reason
			}
			return nil, malformed("statement %d: %s", i, reason)
		}
		d.statements = append(d.statements, st)
	}
	return d, nil
}

func parseStatement(raw json.RawMessage) (statement, error) {
	var st statement
	if jsonKind(raw) != '{' {
		return st, malformed("statement must be a JSON object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return st, malformed("invalid statement: %v", err)
	}
	for _, name := range sortedKeys(m) {
		switch name {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition":
		case "NotPrincipal":
			// Rarely valid for roles and subtle with sessions; refuse rather than guess.
			return st, malformed("NotPrincipal is not supported")
		default:
			return st, malformed("unknown statement element %q", name)
		}
	}
	var err error
	if raw, ok := m["Sid"]; ok {
		if _, err = decodeString(raw, "Sid"); err != nil {
			return st, err
		}
	}
	rawEffect, ok := m["Effect"]
	if !ok {
		return st, malformed("missing Effect")
	}
	effect, err := decodeString(rawEffect, "Effect")
	if err != nil {
		return st, err
	}
	switch effect {
	case "Allow":
	case "Deny":
		st.deny = true
	default:
		return st, malformed("invalid Effect %q", effect)
	}

	rawAction, hasAction := m["Action"]
	rawNotAction, hasNotAction := m["NotAction"]
	switch {
	case hasAction && hasNotAction:
		return st, malformed("statement has both Action and NotAction")
	case !hasAction && !hasNotAction:
		return st, malformed("statement must contain Action or NotAction")
	case hasNotAction:
		st.notAction = true
		rawAction = rawNotAction
	}
	if st.actions, err = decodeStrings(rawAction, "Action"); err != nil {
		return st, err
	}
	for _, a := range st.actions {
		// IAM requires a vendor prefix ("iam:...") unless the action is "*".
		if a != "*" && !strings.Contains(a, ":") {
			return st, malformed("action %q must be prefixed by a service", a)
		}
	}

	rawResource, hasResource := m["Resource"]
	rawNotResource, hasNotResource := m["NotResource"]
	if hasResource && hasNotResource {
		return st, malformed("statement has both Resource and NotResource")
	}
	if hasNotResource {
		st.notResource = true
		rawResource = rawNotResource
	}
	if hasResource || hasNotResource {
		st.hasResource = true
		if st.resources, err = decodeStrings(rawResource, "Resource"); err != nil {
			return st, err
		}
		for _, r := range st.resources {
			if r != "*" && !strings.HasPrefix(r, "arn:") {
				return st, malformed("resource %q must be in ARN format or \"*\"", r)
			}
		}
	}

	if raw, ok := m["Principal"]; ok {
		if st.principal, err = parsePrincipal(raw); err != nil {
			return st, err
		}
	}
	if raw, ok := m["Condition"]; ok {
		if st.conditions, err = parseConditions(raw); err != nil {
			return st, err
		}
	}
	return st, nil
}

func parsePrincipal(raw json.RawMessage) (*principals, error) {
	switch jsonKind(raw) {
	case '"':
		s, err := decodeString(raw, "Principal")
		if err != nil {
			return nil, err
		}
		if s != "*" {
			return nil, malformed("Principal string must be \"*\", got %q", s)
		}
		return &principals{any: true}, nil
	case '{':
	default:
		return nil, malformed("Principal must be \"*\" or an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, malformed("invalid Principal: %v", err)
	}
	if len(m) == 0 {
		return nil, malformed("Principal must not be empty")
	}
	p := &principals{}
	for _, kind := range sortedKeys(m) {
		v := m[kind]
		vals, err := decodeStrings(v, "Principal "+kind)
		if err != nil {
			return nil, err
		}
		switch kind {
		case "AWS":
			p.aws = vals
		case "Service":
			p.service = vals
		case "Federated":
			p.federated = vals
		case "CanonicalUser":
			p.canonical = vals
		default:
			return nil, malformed("unknown Principal type %q", kind)
		}
	}
	return p, nil
}

// parseConditions flattens the Condition element into one condition per
// (operator, key), in sorted order so evaluation is deterministic.
func parseConditions(raw json.RawMessage) ([]condition, error) {
	if jsonKind(raw) != '{' {
		return nil, malformed("Condition must be an object")
	}
	var blocks map[string]json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, malformed("invalid Condition: %v", err)
	}
	var out []condition
	for _, opName := range sortedKeys(blocks) {
		rawBlock := blocks[opName]
		op, ifExists, err := parseOperator(opName)
		if err != nil {
			return nil, err
		}
		if jsonKind(rawBlock) != '{' {
			return nil, malformed("condition block %q must be an object", opName)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(rawBlock, &keys); err != nil {
			return nil, malformed("invalid condition block %q: %v", opName, err)
		}
		for _, key := range sortedKeys(keys) {
			rawValues := keys[key]
			if !strings.Contains(key, ":") {
				return nil, malformed("condition key %q must be prefixed by a service", key)
			}
			vals, err := decodeConditionValues(rawValues, key)
			if err != nil {
				return nil, err
			}
			out = append(out, condition{op: op, ifExists: ifExists, key: key, values: vals})
		}
	}
	return out, nil
}
