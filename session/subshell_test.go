package session_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/session"
)

func TestSubshell(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	argv, env := session.Subshell("/usr/bin/bash", "admin", []string{"KAGI_PROFILE=admin"}, state)
	rc := filepath.Join(state, "bashrc")
	if !slices.Equal(argv, []string{"/usr/bin/bash", "--rcfile", rc, "-i"}) || !slices.Equal(env, []string{"KAGI_PROFILE=admin"}) {
		t.Fatalf("bash: %q %q", argv, env)
	}
	body, err := os.ReadFile(rc)
	st, _ := os.Stat(rc)
	if err != nil || !strings.Contains(string(body), ". ~/.bashrc") || !strings.Contains(string(body), "(kagi:$KAGI_PROFILE)") || st.Mode().Perm() != 0o600 {
		t.Fatalf("rc file: %v %q", err, body)
	}
	argv, env = session.Subshell("", "ops", nil, state)
	if !slices.Equal(argv, []string{"/bin/sh", "-i"}) || !slices.Equal(env, []string{"PS1=(kagi:ops) $ "}) {
		t.Fatalf("no $SHELL: %q %q", argv, env)
	}
	argv, _ = session.Subshell("/bin/zsh", "ops", nil, state)
	if !slices.Equal(argv, []string{"/bin/zsh", "-i"}) {
		t.Fatalf("zsh: %q", argv)
	}
}
