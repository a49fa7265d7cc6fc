package warm

import (
	"os"
	"path/filepath"
)

// SessionCacheEnv chooses where cached sessions go: "keyctl" (the default on Linux: the kernel keyring,
// whatever backend holds the long-term keys) or "backend" (the same keyring as the keys). Both binaries read
// it: kagi to cache sessions, kagi-credential-process to know whether its warm path applies.
const SessionCacheEnv = "KAGI_SESSION_CACHE"

// Dirs gives kagi's directories for the environment getenv describes, following the XDG base directory
// spec: $XDG_STATE_HOME/kagi (~/.local/state/kagi) for state and $XDG_RUNTIME_DIR/kagi/locks (else the
// user cache dir) for locks. KAGI_STATE_DIR overrides both (tests, demo). It lives here, not in package
// session, because kagi-credential-process takes its queue lock in the same directory as kagi.
func Dirs(getenv func(string) string) (state, locks string) {
	if d := getenv("KAGI_STATE_DIR"); d != "" {
		return d, filepath.Join(d, "locks")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	state = getenv("XDG_STATE_HOME")
	if state == "" {
		state = filepath.Join(home, ".local", "state")
	}
	locks = getenv("XDG_RUNTIME_DIR")
	if locks == "" {
		locks = getenv("XDG_CACHE_HOME")
		if locks == "" {
			locks = filepath.Join(home, ".cache")
		}
	}
	return filepath.Join(state, "kagi"), filepath.Join(locks, "kagi", "locks")
}
