package main

import (
	"fmt"
	"strings"

	"github.com/kagi-cli/kagi/awsx"
)

// matchKey finds the one key that arg names: the full ID, the masked form AKIA…WXYZ (or AKIA...WXYZ), or at
// least its last 4 characters.
func matchKey(keys []awsx.AccessKey, arg string) (awsx.AccessKey, error) {
	arg = strings.ToUpper(strings.TrimSpace(arg))
	var found []awsx.AccessKey
	for _, k := range keys {
		prefix, suffix, masked := strings.Cut(strings.Replace(arg, "...", "…", 1), "…")
		switch {
		case k.ID == arg,
			masked && strings.HasPrefix(k.ID, prefix) && len(suffix) >= 4 && strings.HasSuffix(k.ID, suffix),
			!masked && len(arg) >= 4 && strings.HasSuffix(k.ID, arg):
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return awsx.AccessKey{}, fmt.Errorf("your IAM user has no access key %q (it may have been deleted already); 'kagi keys list' shows the keys it has", arg)
	case 1:
		return found[0], nil
	}
	return awsx.AccessKey{}, fmt.Errorf("%d of your IAM user's access keys match %q; 'kagi keys list' shows them, give the full ID", len(found), arg)
}
