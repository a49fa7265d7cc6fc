package session

import (
	"os"

	"github.com/kagi-cli/kagi/session/warm"
)

// Env looks up an environment variable (os.Getenv in production).
type Env func(string) string

// Dirs are where kagi keeps files. None of them ever holds a secret.
type Dirs struct {
	State string // persistent, non-secret state: MFA step memory, rotation journal (0700)
	Locks string // lock files, one per source identity (0700)
}

// DefaultDirs: $XDG_STATE_HOME/kagi for state, $XDG_RUNTIME_DIR/kagi/locks (else the user cache dir) for
// locks, KAGI_STATE_DIR for both (see warm.Dirs).
func DefaultDirs(env Env) Dirs {
	state, locks := warm.Dirs(env)
	return Dirs{State: state, Locks: locks}
}

// ensureDir creates dir with mode 0700 if needed.
func ensureDir(dir string) error {
	return os.MkdirAll(dir, 0o700)
}
