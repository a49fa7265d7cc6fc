package awsx

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Reading the policy documents `kagi policy check` is given: which account and which roles they name.

var (
	docAccountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`arn:aws[a-z-]*:(?:iam|sts)::([0-9]{12}):`) })
	docRoleRE    = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:iam::[^:]*:role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$`)
	})
)

// documentAccount is the first account ID the documents' ARNs name, else the fixtures' placeholder.
func documentAccount(docs [][]byte) string {
	for _, d := range docs {
		if m := docAccountRE().FindSubmatch(d); m != nil {
			return string(m[1])
		}
	}
	return "000000000000"
}

// assumableRoles are the role names the documents' Allow statements name for sts:AssumeRole (wildcards
// in the name are skipped: there is no one role to try).
func assumableRoles(docs [][]byte) []string {
	var names []string
	for _, d := range docs {
		var top struct{ Statement json.RawMessage }
		_ = json.Unmarshal(d, &top)
		var sts []map[string]json.RawMessage
		if json.Unmarshal(top.Statement, &sts) != nil {
			sts = append(sts, nil)
			_ = json.Unmarshal(top.Statement, &sts[0])
		}
		for _, st := range sts {
			var effect string
			_ = json.Unmarshal(st["Effect"], &effect)
			if effect != "Allow" || !slices.ContainsFunc(stringOrList(st["Action"]), func(a string) bool {
				ok, _ := regexp.MatchString("(?i)^"+strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(a), `\*`, ".*"), `\?`, ".")+"$", "sts:AssumeRole")
				return ok
			}) {
				continue
			}
			for _, res := range stringOrList(st["Resource"]) {
				if m := docRoleRE().FindStringSubmatch(res); m != nil && !slices.Contains(names, m[1]) {
					names = append(names, m[1])
				}
			}
		}
	}
	return names
}

func stringOrList(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	return nil
}
