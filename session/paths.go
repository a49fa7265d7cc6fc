package session

import (
	"os"
	"path/filepath"
)

// Env looks up an environment variable (os.Getenv in production).
type Env func(string) string

// Dirs are where kagi keeps files. None of them ever holds a secret.
type Dirs struct {
	State string // persistent, non-secret state: MFA step memory, rotation journal (0700)
	Locks string // lock files, one per source identity (0700)
}

// DefaultDirs follows the XDG base directory spec: $XDG_STATE_HOME/kagi (~/.local/state/kagi) for state and
// $XDG_RUNTIME_DIR/kagi (else the user cache dir) for locks. KAGI_STATE_DIR overrides both (tests, demo).
func DefaultDirs(env Env) Dirs {
	if d := env("KAGI_STATE_DIR"); d != "" {
		return Dirs{State: d, Locks: filepath.Join(d, "locks")}
	}
	home := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	state := env("XDG_STATE_HOME")
	if state == "" {
		state = filepath.Join(home, ".local", "state")
	}
	locks := env("XDG_RUNTIME_DIR")
	if locks == "" {
		locks = env("XDG_CACHE_HOME")
		if locks == "" {
			locks = filepath.Join(home, ".cache")
		}
	}
	return Dirs{State: filepath.Join(state, "kagi"), Locks: filepath.Join(locks, "kagi", "locks")}
}

// ensureDir creates dir with mode 0700 if needed.
func ensureDir(dir string) error {
	return os.MkdirAll(dir, 0o700)
}
