package policy

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// opKind is the comparison family of a condition operator.
type opKind int

const (
	kindString opKind = iota
	kindStringIgnoreCase
	kindStringLike
	kindNumericEq
	kindNumericLT
	kindNumericLTE
	kindNumericGT
	kindNumericGTE
	kindDateEq
	kindDateLT
	kindDateLTE
	kindDateGT
	kindDateGTE
	kindBool
	kindIP
	kindArn // ArnEquals and ArnLike are identical in IAM
	kindNull
)

// operator is a parsed condition operator without its IfExists suffix.
type operator struct {
	name    string // canonical spelling, e.g. "StringNotLike"
	kind    opKind
	negated bool // true for the Not* forms: the key must match none of the values
}

// condition is one (operator, key) pair of a Condition element.
type condition struct {
	op       operator
	ifExists bool
	key      string
	values   []string
}

// lookupOperator maps an operator name to its definition. Names are matched
// case-insensitively, like other IAM policy simulators do. A switch rather
// than a map keeps the package free of mutable globals.
func lookupOperator(name string) (operator, bool) {
	mk := func(canon string, k opKind, neg bool) (operator, bool) {
		return operator{name: canon, kind: k, negated: neg}, true
	}
	switch strings.ToLower(name) {
	case "stringequals":
		return mk("StringEquals", kindString, false)
	case "stringnotequals":
		return mk("StringNotEquals", kindString, true)
	case "stringequalsignorecase":
		return mk("StringEqualsIgnoreCase", kindStringIgnoreCase, false)
	case "stringnotequalsignorecase":
		return mk("StringNotEqualsIgnoreCase", kindStringIgnoreCase, true)
	case "stringlike":
		return mk("StringLike", kindStringLike, false)
	case "stringnotlike":
		return mk("StringNotLike", kindStringLike, true)
	case "numericequals":
		return mk("NumericEquals", kindNumericEq, false)
	case "numericnotequals":
		return mk("NumericNotEquals", kindNumericEq, true)
	case "numericlessthan":
		return mk("NumericLessThan", kindNumericLT, false)
	case "numericlessthanequals":
		return mk("NumericLessThanEquals", kindNumericLTE, false)
	case "numericgreaterthan":
		return mk("NumericGreaterThan", kindNumericGT, false)
	case "numericgreaterthanequals":
		return mk("NumericGreaterThanEquals", kindNumericGTE, false)
	case "dateequals":
		return mk("DateEquals", kindDateEq, false)
	case "datenotequals":
		return mk("DateNotEquals", kindDateEq, true)
	case "datelessthan":
		return mk("DateLessThan", kindDateLT, false)
	case "datelessthanequals":
		return mk("DateLessThanEquals", kindDateLTE, false)
	case "dategreaterthan":
		return mk("DateGreaterThan", kindDateGT, false)
	case "dategreaterthanequals":
		return mk("DateGreaterThanEquals", kindDateGTE, false)
	case "bool":
		return mk("Bool", kindBool, false)
	case "ipaddress":
		return mk("IpAddress", kindIP, false)
	case "notipaddress":
		return mk("NotIpAddress", kindIP, true)
	case "arnequals":
		return mk("ArnEquals", kindArn, false)
	case "arnlike":
		return mk("ArnLike", kindArn, false)
	case "arnnotequals":
		return mk("ArnNotEquals", kindArn, true)
	case "arnnotlike":
		return mk("ArnNotLike", kindArn, true)
	case "null":
		return mk("Null", kindNull, false)
	}
	return operator{}, false
}

// parseOperator splits "<Op>[IfExists]". Unknown operators are rejected at
// Parse time (IAM rejects them too), so evaluation never meets one. Set
// qualifiers (ForAnyValue:/ForAllValues:) are rejected because the request
// context here is single-valued and their semantics would be guesswork.
func parseOperator(name string) (operator, bool, error) {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return operator{}, false, malformed("condition operator %q: set qualifiers are not supported", name)
	}
	base, ifExists := name, false
	const suffix = "ifexists"
	if len(name) > len(suffix) && strings.EqualFold(name[len(name)-len(suffix):], suffix) {
		base, ifExists = name[:len(name)-len(suffix)], true
	}
	op, ok := lookupOperator(base)
	if !ok {
		return operator{}, false, malformed("unknown condition operator %q", name)
	}
	if op.kind == kindNull && ifExists {
		// IAM documents IfExists for every operator except Null.
		return operator{}, false, malformed("condition operator %q: Null cannot take IfExists", name)
	}
	return op, ifExists, nil
}

// eval decides one (operator, key) condition.
func (c *condition) eval(ec *evalContext) bool {
	v, present := ec.lookup(c.key)
	if c.op.kind == kindNull {
		want := "false"
		if !present {
			want = "true"
		}
		for _, pv := range c.values {
			if strings.EqualFold(pv, want) {
				return true
			}
		}
		return false
	}
	if !present {
		// IfExists: an absent key satisfies the condition. Otherwise a positive
		// operator cannot match an absent key and a negated one always does.
		return c.ifExists || c.op.negated
	}
	matched := false
	for _, pv := range c.values {
		if c.matchValue(ec, pv, v) {
			matched = true
			break
		}
	}
	return matched != c.op.negated
}

// matchValue compares one policy value with the request value using the
// positive form of the operator.
func (c *condition) matchValue(ec *evalContext, policyVal, reqVal string) bool {
	switch c.op.kind {
	case kindString, kindStringIgnoreCase, kindStringLike:
		// Policy variables are substituted in string and ARN comparisons only.
		toks, ok := ec.expand(policyVal)
		if !ok {
			return false // unresolvable variable: this value matches nothing
		}
		switch c.op.kind {
		case kindString:
			return tokensLiteral(toks) == reqVal
		case kindStringIgnoreCase:
			return strings.EqualFold(tokensLiteral(toks), reqVal)
		default:
			return globMatch(toks, reqVal)
		}
	case kindArn:
		return ec.arnMatch(policyVal, reqVal)
	case kindBool:
		pb, ok1 := parseBool(policyVal)
		rb, ok2 := parseBool(reqVal)
		return ok1 && ok2 && pb == rb
	case kindIP:
		return ipMatch(policyVal, reqVal)
	case kindNumericEq, kindNumericLT, kindNumericLTE, kindNumericGT, kindNumericGTE:
		p, ok1 := parseNumber(policyVal)
		r, ok2 := parseNumber(reqVal)
		if !ok1 || !ok2 {
			return false
		}
		return compare(c.op.kind-kindNumericEq, cmp(r, p))
	case kindDateEq, kindDateLT, kindDateLTE, kindDateGT, kindDateGTE:
		p, ok1 := parseDate(policyVal)
		r, ok2 := parseDate(reqVal)
		if !ok1 || !ok2 {
			return false
		}
		return compare(c.op.kind-kindDateEq, r.Compare(p))
	}
	return false
}

// compare applies a relational operator (offset from the family's Eq kind:
// Eq, LT, LTE, GT, GTE) to a three-way comparison of request vs policy value.
func compare(rel opKind, c int) bool {
	switch rel {
	case 0:
		return c == 0
	case 1:
		return c < 0
	case 2:
		return c <= 0
	case 3:
		return c > 0
	case 4:
		return c >= 0
	}
	return false
}

func cmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseNumber accepts plain decimal numbers only; strconv.ParseFloat would
// also take "NaN", "Inf", hex floats and underscores, which IAM does not.
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseDate accepts the forms IAM documents for Date operators: ISO 8601
// (RFC 3339, with or without fractional seconds, or a bare date) and epoch
// seconds.
func parseDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ipMatch reports whether reqVal is an IP address inside policyVal (a CIDR or
// a bare address). A request value that is not an IP never matches.
func ipMatch(policyVal, reqVal string) bool {
	addr, err := netip.ParseAddr(reqVal)
	if err != nil {
		return false
	}
	// IPv4-mapped IPv6 is the same host as its IPv4 form.
	addr = addr.Unmap().WithZone("")
	var prefix netip.Prefix
	if strings.Contains(policyVal, "/") {
		if prefix, err = netip.ParsePrefix(policyVal); err != nil {
			return false
		}
		if a := prefix.Addr(); a.Is4In6() && prefix.Bits() >= 96 {
			prefix = netip.PrefixFrom(a.Unmap(), prefix.Bits()-96)
		}
	} else {
		a, err := netip.ParseAddr(policyVal)
		if err != nil {
			return false
		}
		a = a.Unmap().WithZone("")
		prefix = netip.PrefixFrom(a, a.BitLen())
	}
	return prefix.Contains(addr)
}
