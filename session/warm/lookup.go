package warm

import (
	"time"
)

// DefaultWindow: cached credentials are never handed out with less than this left, so that SDKs never
// receive credentials that expire mid-command.
const DefaultWindow = 15 * time.Minute

// Lookup finds a cached role entry (or, for a source profile, a session entry) for profile in the kernel
// keyring that is valid for at least window after now and was made under the current config file (stamp).
func Lookup(profile, stamp string, now time.Time, window time.Duration) (Entry, bool) {
	for _, kind := range []string{KindRole, KindSession} {
		name, data, ok := keyctlLookup(kind, profile)
		if !ok {
			continue
		}
		info, ok := ParseItemName(name)
		if !ok || info.Expires.Sub(now) < window {
			return Entry{}, false
		}
		e, err := DecodeEntry(data)
		if err != nil || e.Stamp != stamp || e.Expires.Sub(now) < window {
			return Entry{}, false
		}
		return e, true
	}
	return Entry{}, false
}
