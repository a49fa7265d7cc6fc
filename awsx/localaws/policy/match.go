package policy

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// token is one element of a compiled pattern. Substituted variable values
// and the ${*} ${?} ${$} escapes become literal tokens, so they can never act
// as wildcards.
type token struct {
	kind tokenKind
	r    rune
}

type tokenKind uint8

const (
	tokLiteral  tokenKind = iota
	tokStar               // '*': any run of characters, including ':' and '/'
	tokQuestion           // '?': exactly one character
)

// evalContext is the per-call view of a Request used while evaluating one
// document.
type evalContext struct {
	req     Request
	ctx     map[string]string // lower-cased condition key -> value
	useVars bool              // document Version enables policy variables
}

// newEvalContext lower-cases the context keys because IAM condition key names
// are case-insensitive. If two keys differ only in case, the one sorting
// first wins, so the result is deterministic.
func newEvalContext(req Request) *evalContext {
	keys := make([]string, 0, len(req.Context))
	for k := range req.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ctx := make(map[string]string, len(keys))
	for _, k := range keys {
		lk := strings.ToLower(k)
		if _, dup := ctx[lk]; !dup {
			ctx[lk] = req.Context[k]
		}
	}
	return &evalContext{req: req, ctx: ctx}
}

func (ec *evalContext) lookup(key string) (string, bool) {
	v, ok := ec.ctx[strings.ToLower(key)]
	return v, ok
}

// expand compiles s into a pattern, substituting policy variables when the
// document version allows them. ok is false when a variable has no value in
// the request and no default: such an entry must not match anything.
func (ec *evalContext) expand(s string) (toks []token, ok bool) {
	toks = make([]token, 0, len(s))
	for len(s) > 0 {
		if ec.useVars && strings.HasPrefix(s, "${") {
			if end := strings.IndexByte(s, '}'); end > 0 {
				val, ok := ec.resolve(s[2:end])
				if !ok {
					return nil, false
				}
				toks = appendLiteral(toks, val)
				s = s[end+1:]
				continue
			}
		}
		// Invalid UTF-8 decodes to U+FFFD, as []rune does on the request side.
		r, size := utf8.DecodeRuneInString(s)
		switch r {
		case '*':
			toks = append(toks, token{kind: tokStar})
		case '?':
			toks = append(toks, token{kind: tokQuestion})
		default:
			toks = append(toks, token{r: r})
		}
		s = s[size:]
	}
	return toks, true
}

// resolve evaluates the inside of "${...}": an escape, "key", or
// "key, 'default'".
func (ec *evalContext) resolve(inner string) (string, bool) {
	switch inner {
	case "*", "?", "$":
		return inner, true
	}
	name, def, hasDef := inner, "", false
	if i := strings.IndexByte(inner, ','); i >= 0 {
		rest := strings.TrimSpace(inner[i+1:])
		if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' {
			name, def, hasDef = inner[:i], rest[1:len(rest)-1], true
		}
	}
	if v, ok := ec.lookup(strings.TrimSpace(name)); ok {
		return v, true
	}
	return def, hasDef
}

func appendLiteral(toks []token, s string) []token {
	for _, r := range s {
		toks = append(toks, token{r: r})
	}
	return toks
}

// tokensLiteral renders a pattern as plain text, for exact comparisons where
// '*' and '?' have no special meaning.
func tokensLiteral(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		switch t.kind {
		case tokStar:
			b.WriteByte('*')
		case tokQuestion:
			b.WriteByte('?')
		default:
			b.WriteRune(t.r)
		}
	}
	return b.String()
}

// globMatch matches s against a pattern in O(len(p)*len(s)) worst case, by
// backtracking only to the most recent star (sufficient for '*'/'?' globs).
func globMatch(p []token, s string) bool {
	rs := []rune(s)
	pi, si := 0, 0
	star, starSi := -1, 0
	for si < len(rs) {
		if pi < len(p) {
			t := p[pi]
			switch {
			case t.kind == tokStar:
				star, starSi = pi, si
				pi++
				continue
			case t.kind == tokQuestion || t.r == rs[si]:
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		starSi++
		si = starSi
	}
	for pi < len(p) && p[pi].kind == tokStar {
		pi++
	}
	return pi == len(p)
}

// matchAction matches an action pattern case-insensitively, as IAM does.
// Actions never contain policy variables.
func matchAction(pattern, action string) bool {
	var toks []token
	for _, r := range strings.ToLower(pattern) {
		switch r {
		case '*':
			toks = append(toks, token{kind: tokStar})
		case '?':
			toks = append(toks, token{kind: tokQuestion})
		default:
			toks = append(toks, token{r: r})
		}
	}
	return globMatch(toks, strings.ToLower(action))
}

// matchResource matches a Resource entry case-sensitively; the wildcards span
// ':' and '/'.
func (ec *evalContext) matchResource(pattern, resource string) bool {
	toks, ok := ec.expand(pattern)
	return ok && globMatch(toks, resource)
}

// arnMatch implements ArnEquals/ArnLike: each of the six colon-separated ARN
// components is matched on its own, so a wildcard cannot cross a ':' outside
// the final resource component. Anything that is not a six-part ARN never
// matches.
func (ec *evalContext) arnMatch(policyVal, reqVal string) bool {
	pp := strings.SplitN(policyVal, ":", 6)
	rp := strings.SplitN(reqVal, ":", 6)
	if len(pp) != 6 || len(rp) != 6 {
		return false
	}
	for i := range pp {
		toks, ok := ec.expand(pp[i])
		if !ok || !globMatch(toks, rp[i]) {
			return false
		}
	}
	return true
}
